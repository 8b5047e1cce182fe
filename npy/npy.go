// Package npy reads and writes NumPy .npy files, the format researchers use to
// move activations, labels and logits between fmkit and Python.
//
// Read accepts format versions 1.0, 2.0 and 3.0, little- and big-endian
// numeric dtypes (bool, signed and unsigned integers, float16/32/64) and
// Fortran-ordered arrays, which are reordered to C order on load. Write
// produces version 1.0 files (2.0 when the header needs it) in C order.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

var magic = []byte("\x93NUMPY")

// Array is the content of one .npy file: a shape, a dtype and the raw
// element bytes in C (row-major) order and the file's byte order.
type Array struct {
	Shape []int
	// DType is the NumPy type string, e.g. "<f4", "|u1", ">i8".
	DType string
	Data  []byte
}

// Len returns the number of elements.
func (a *Array) Len() int { return numel(a.Shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ReadFile reads a .npy file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read decodes one array from r.
func Read(r io.Reader) (*Array, error) {
	hdr, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	size, err := elemSize(hdr.descr)
	if err != nil {
		return nil, err
	}
	n := numel(hdr.shape)
	if n > 0 && size > math.MaxInt/n {
		return nil, fmt.Errorf("npy: shape %v is too large", hdr.shape)
	}
	data, err := readExactly(r, n*size)
	if err != nil {
		return nil, fmt.Errorf("npy: data for shape %v %s: expected %d bytes: %w", hdr.shape, hdr.descr, n*size, err)
	}
	if hdr.fortran {
		data = fortranToC(data, hdr.shape, size)
	}
	return &Array{Shape: hdr.shape, DType: hdr.descr, Data: data}, nil
}

// readExactly reads n bytes, growing the buffer as data arrives (doubling
// from 256 KiB) so that a header claiming a huge shape over a short file
// fails after allocating about twice what the file holds, not the size it
// claims (a 128-byte file used to allocate 64 MiB).
func readExactly(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, min(n, 256<<10))
	got := 0
	for {
		m, err := io.ReadFull(r, buf[got:])
		got += m
		if err != nil {
			return nil, err
		}
		if got == n {
			return buf, nil
		}
		grown := make([]byte, min(n, 2*len(buf)))
		copy(grown, buf)
		buf = grown
	}
}

type header struct {
	descr   string
	fortran bool
	shape   []int
}

func readHeader(r io.Reader) (header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return header{}, fmt.Errorf("npy: reading magic: %w", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return header{}, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return header{}, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return header{}, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return header{}, fmt.Errorf("npy: header of %d bytes is implausibly large", hlen)
		}
	default:
		return header{}, fmt.Errorf("npy: format version %d.%d not supported (expected 1.0, 2.0 or 3.0)", pre[6], pre[7])
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return header{}, fmt.Errorf("npy: reading %d-byte header: %w", hlen, err)
	}
	return parseHeader(string(buf))
}

// parseHeader reads the Python dict literal NumPy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseHeader(s string) (header, error) {
	var h header
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return h, fmt.Errorf("npy: header %q is not a dict", s)
	}
	p := &dictParser{s: s[1 : len(s)-1]}
	seen := map[string]bool{}
	for {
		p.space()
		if p.done() {
			break
		}
		key, err := p.quoted()
		if err != nil {
			return h, err
		}
		if !p.expect(':') {
			return h, fmt.Errorf("npy: header: expected ':' after %q", key)
		}
		p.space()
		switch key {
		case "descr":
			h.descr, err = p.quoted()
		case "fortran_order":
			h.fortran, err = p.boolean()
		case "shape":
			h.shape, err = p.tuple()
		default:
			return h, fmt.Errorf("npy: header: unexpected key %q", key)
		}
		if err != nil {
			return h, fmt.Errorf("npy: header field %q: %w", key, err)
		}
		seen[key] = true
		p.space()
		if !p.expect(',') {
			p.space()
			if !p.done() {
				return h, fmt.Errorf("npy: header: expected ',' after field %q", key)
			}
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("npy: header is missing %q", k)
		}
	}
	return h, nil
}

type dictParser struct {
	s string
	i int
}

func (p *dictParser) done() bool { return p.i >= len(p.s) }

func (p *dictParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *dictParser) expect(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) quoted() (string, error) {
	if p.done() || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("expected a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *dictParser) boolean() (bool, error) {
	for _, w := range []struct {
		s string
		v bool
	}{{"True", true}, {"False", false}} {
		if strings.HasPrefix(p.s[p.i:], w.s) {
			p.i += len(w.s)
			return w.v, nil
		}
	}
	return false, errors.New("expected True or False")
}

func (p *dictParser) tuple() ([]int, error) {
	if !p.expect('(') {
		return nil, errors.New("expected a tuple")
	}
	shape := []int{}
	for {
		p.space()
		if p.expect(')') {
			return shape, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long suffix
			p.i++
		}
		n, err := strconv.Atoi(strings.TrimRight(strings.TrimSpace(p.s[start:p.i]), "L"))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad dimension %q", p.s[start:p.i])
		}
		shape = append(shape, n)
		if !p.expect(',') {
			if !p.expect(')') {
				return nil, errors.New("expected ',' or ')' in shape")
			}
			return shape, nil
		}
	}
}

func elemSize(descr string) (int, error) {
	if len(descr) < 3 || !strings.ContainsRune("<>|=", rune(descr[0])) {
		return 0, fmt.Errorf("npy: dtype %q not supported (expected a numeric type such as <f4)", descr)
	}
	kind, size := descr[1], descr[2:]
	n, err := strconv.Atoi(size)
	if err != nil {
		return 0, fmt.Errorf("npy: dtype %q not supported", descr)
	}
	ok := false
	switch kind {
	case 'f':
		ok = n == 2 || n == 4 || n == 8
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'b':
		ok = n == 1
	}
	if !ok {
		return 0, fmt.Errorf("npy: dtype %q not supported (expected bool, int, uint or float)", descr)
	}
	return n, nil
}

// fortranToC reorders column-major element bytes to row-major.
func fortranToC(src []byte, shape []int, size int) []byte {
	n := numel(shape)
	dst := make([]byte, len(src))
	idx := make([]int, len(shape))
	for c := 0; c < n; c++ { // c walks the C-order destination
		f, stride := 0, 1
		for d := range shape {
			f += idx[d] * stride
			stride *= shape[d]
		}
		copy(dst[c*size:(c+1)*size], src[f*size:(f+1)*size])
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return dst
}
