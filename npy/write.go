package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

// Data is the set of element types Write accepts.
type Data interface {
	float32 | float64 | int64 | int32 | uint8 | bool
}

// Write encodes data with the given shape to w as a C-order .npy array.
// It returns an error if len(data) does not match the shape.
func Write[T Data](w io.Writer, shape []int, data []T) error {
	if n := numel(shape); n != len(data) {
		return fmt.Errorf("npy: shape %v needs %d elements, have %d", shape, n, len(data))
	}
	descr, size := descrOf[T]()
	if _, err := w.Write(headerBytes(descr, shape)); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf [8]byte
	for _, v := range data {
		putElem(buf[:size], v)
		if _, err := bw.Write(buf[:size]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteFile writes an array to path atomically and durably
// (internal/atomicfile): the file appears whole or not at all.
func WriteFile[T Data](path string, shape []int, data []T) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := Write(w, shape, data); err != nil {
			return fmt.Errorf("npy: write %s: %w", path, err)
		}
		return nil
	})
}

func descrOf[T Data]() (string, int) {
	var z T
	switch any(z).(type) {
	case float32:
		return "<f4", 4
	case float64:
		return "<f8", 8
	case int64:
		return "<i8", 8
	case int32:
		return "<i4", 4
	case uint8:
		return "|u1", 1
	case bool:
		return "|b1", 1
	}
	panic("unreachable")
}

func putElem[T Data](b []byte, v T) {
	switch x := any(v).(type) {
	case float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(x))
	case float64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(x))
	case int64:
		binary.LittleEndian.PutUint64(b, uint64(x))
	case int32:
		binary.LittleEndian.PutUint32(b, uint32(x))
	case uint8:
		b[0] = x
	case bool:
		b[0] = 0
		if x {
			b[0] = 1
		}
	}
}

// headerBytes builds the magic, version, length and dict, padded with spaces
// and a newline so the data starts on a 64-byte boundary.
func headerBytes(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	for _, v := range []struct {
		major   byte
		lenSize int
	}{{1, 2}, {2, 4}} {
		pre := len(magic) + 2 + v.lenSize
		total := (pre + len(dict) + 1 + 63) / 64 * 64
		hlen := total - pre
		if v.lenSize == 2 && hlen > math.MaxUint16 {
			continue
		}
		out := append([]byte(nil), magic...)
		out = append(out, v.major, 0)
		if v.lenSize == 2 {
			out = binary.LittleEndian.AppendUint16(out, uint16(hlen))
		} else {
			out = binary.LittleEndian.AppendUint32(out, uint32(hlen))
		}
		out = append(out, dict...)
		out = append(out, strings.Repeat(" ", hlen-len(dict)-1)...)
		return append(out, '\n')
	}
	panic("unreachable")
}
