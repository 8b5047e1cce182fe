package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader for the large parts of tokenizer.json (the vocabulary
// and the merges, hundreds of thousands of entries). encoding/json spends
// most of a load validating, skipping and allocating them; this reader walks
// them once, looks strings up without allocating, and reports malformed
// input as errors with the byte offset.

type jsonReader struct {
	b   []byte
	i   int
	buf []byte // scratch for unescaped strings

	pairBuf, joinBuf []byte // scratch for readMerge
}

func (r *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", r.i, fmt.Sprintf(format, args...))
}

func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

func (r *jsonReader) expect(c byte) error {
	if r.peek() != c {
		if r.i >= len(r.b) {
			return r.errorf("unexpected end, expected %q", c)
		}
		return r.errorf("expected %q, found %q", c, r.b[r.i])
	}
	r.i++
	return nil
}

// str reads a string and returns its bytes; the result aliases the input or
// the scratch buffer and is valid until the next call.
func (r *jsonReader) str() ([]byte, error) {
	if err := r.expect('"'); err != nil {
		return nil, err
	}
	start := r.i
	q := bytes.IndexByte(r.b[start:], '"')
	if q < 0 {
		return nil, r.errorf("unterminated string")
	}
	if bytes.IndexByte(r.b[start:start+q], '\\') < 0 {
		r.i = start + q + 1
		return r.b[start : start+q], nil
	}
	r.buf = r.buf[:0]
	return r.strEscaped()
}

func (r *jsonReader) strEscaped() ([]byte, error) {
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return r.buf, nil
		case c == '\\':
			if r.i+1 >= len(r.b) {
				return nil, r.errorf("unterminated escape")
			}
			e := r.b[r.i+1]
			r.i += 2
			switch e {
			case '"', '\\', '/':
				r.buf = append(r.buf, e)
			case 'b':
				r.buf = append(r.buf, '\b')
			case 'f':
				r.buf = append(r.buf, '\f')
			case 'n':
				r.buf = append(r.buf, '\n')
			case 'r':
				r.buf = append(r.buf, '\r')
			case 't':
				r.buf = append(r.buf, '\t')
			case 'u':
				u, err := r.hex4()
				if err != nil {
					return nil, err
				}
				cp := rune(u)
				if utf16.IsSurrogate(cp) {
					cp = utf8.RuneError
					if r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
						save := r.i
						r.i += 2
						u2, err := r.hex4()
						if err != nil {
							return nil, err
						}
						if d := utf16.DecodeRune(rune(u), rune(u2)); d != utf8.RuneError {
							cp = d
						} else {
							r.i = save
						}
					}
				}
				r.buf = utf8.AppendRune(r.buf, cp)
			default:
				return nil, r.errorf("bad escape \\%c", e)
			}
		case c < 0x20:
			return nil, r.errorf("control character in string")
		default:
			r.buf = append(r.buf, c)
			r.i++
		}
	}
	return nil, r.errorf("unterminated string")
}

func (r *jsonReader) hex4() (uint16, error) {
	if r.i+4 > len(r.b) {
		return 0, r.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 16)
	if err != nil {
		return 0, r.errorf("bad \\u escape")
	}
	r.i += 4
	return uint16(v), nil
}

// integer reads a non-negative integer that fits in int32.
func (r *jsonReader) integer() (int32, error) {
	r.ws()
	start := r.i
	var v int64
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		v = v*10 + int64(r.b[r.i]-'0')
		if v > 1<<31-1 {
			return 0, r.errorf("number too large")
		}
		r.i++
	}
	if r.i == start {
		return 0, r.errorf("expected a non-negative integer")
	}
	return int32(v), nil
}

// skip moves past one value of any kind and returns its bytes.
func (r *jsonReader) skip() ([]byte, error) {
	c := r.peek()
	start := r.i
	switch c {
	case '"':
		if _, err := r.str(); err != nil {
			return nil, err
		}
	case '{', '[':
		depth := 0
		for r.i < len(r.b) {
			switch r.b[r.i] {
			case '"':
				if _, err := r.str(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					r.i++
					return r.b[start:r.i], nil
				}
			}
			r.i++
		}
		return nil, r.errorf("unterminated %c", c)
	case 0:
		return nil, r.errorf("unexpected end")
	default:
		for r.i < len(r.b) {
			switch r.b[r.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return r.b[start:r.i], nil
			}
			r.i++
		}
	}
	return r.b[start:r.i], nil
}

// object calls field for each key; field must consume the value.
func (r *jsonReader) object(field func(key string) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		k, err := r.str()
		if err != nil {
			return err
		}
		key := string(k)
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return r.errorf("expected ',' or '}'")
		}
	}
}

// array calls elem for each element; elem must consume it.
func (r *jsonReader) array(elem func(i int) error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if r.peek() == ']' {
		r.i++
		return nil
	}
	for n := 0; ; n++ {
		if err := elem(n); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return nil
		default:
			return r.errorf("expected ',' or ']'")
		}
	}
}

var errNotObject = errors.New("expected a JSON object")

// readVocab parses {"token": id, ...}.
func readVocab(r *jsonReader) (map[string]int32, error) {
	if r.peek() != '{' {
		return nil, errNotObject
	}
	// Collect first, so that the map is built at its final size, and keep
	// all token strings in one allocation.
	type entry struct {
		start, end int
		id         int32
	}
	var entries []entry
	var arena []byte
	if err := r.expect('{'); err != nil {
		return nil, err
	}
	if r.peek() == '}' {
		r.i++
		return map[string]int32{}, nil
	}
	for {
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		start := len(arena)
		arena = append(arena, k...)
		if err := r.expect(':'); err != nil {
			return nil, err
		}
		id, err := r.integer()
		if err != nil {
			return nil, fmt.Errorf("token %q: %w", k, err)
		}
		entries = append(entries, entry{start, len(arena), id})
		if c := r.peek(); c == ',' {
			r.i++
			continue
		} else if c == '}' {
			r.i++
			break
		}
		return nil, r.errorf("expected ',' or '}'")
	}
	all := string(arena)
	vocab := make(map[string]int32, len(entries))
	for _, e := range entries {
		vocab[all[e.start:e.end]] = e.id
	}
	return vocab, nil
}

// readMergesParallel is readMerges spread over GOMAXPROCS goroutines: one
// quick pass finds where the elements start, then chunks are resolved
// against the (read-only) vocabulary concurrently.
func readMergesParallel(r *jsonReader, vocab map[string]int32, prefix string) ([][3]int32, error) {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || r.peek() != '[' {
		return readMerges(r, vocab, prefix)
	}
	starts := make([]int, 0, len(r.b)/16)
	err := r.array(func(int) error {
		r.ws()
		starts = append(starts, r.i)
		_, err := r.skip()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([][3]int32, len(starts))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(starts) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(starts))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr := &jsonReader{b: r.b}
			for i := lo; i < hi; i++ {
				cr.i = starts[i]
				m, err := readMerge(cr, i, vocab, prefix)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = m
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readMerges parses the merges, in either form: "a b" strings or ["a", "b"]
// arrays, into (a, b, merged) token IDs. The merged token is a followed by b
// without the continuing-subword prefix; all three must be in vocab.
func readMerges(r *jsonReader, vocab map[string]int32, prefix string) ([][3]int32, error) {
	if r.peek() == 'n' {
		_, err := r.skip()
		return nil, err
	}
	out := make([][3]int32, 0, 1<<12)
	err := r.array(func(i int) error {
		m, err := readMerge(r, i, vocab, prefix)
		out = append(out, m)
		return err
	})
	return out, err
}

// readMerge parses merge number i at the reader's position.
func readMerge(r *jsonReader, i int, vocab map[string]int32, prefix string) ([3]int32, error) {
	var a, b []byte
	switch r.peek() {
	case '"':
		s, err := r.str()
		if err != nil {
			return pair3(), err
		}
		sp := bytes.IndexByte(s, ' ')
		if sp < 0 || bytes.IndexByte(s[sp+1:], ' ') >= 0 {
			return pair3(), fmt.Errorf("merge %d: %q is not two tokens separated by a space", i, s)
		}
		a, b = s[:sp], s[sp+1:]
	case '[':
		r.i++
		s, err := r.str()
		if err != nil {
			return pair3(), err
		}
		// the reader's scratch is reused by the next string: keep a copy
		a = append(r.pairBuf[:0], s...)
		r.pairBuf = a
		if err := r.expect(','); err != nil {
			return pair3(), fmt.Errorf("merge %d: expected two tokens: %w", i, err)
		}
		if b, err = r.str(); err != nil {
			return pair3(), err
		}
		if err := r.expect(']'); err != nil {
			return pair3(), fmt.Errorf("merge %d: expected two tokens: %w", i, err)
		}
	default:
		return pair3(), r.errorf("merge %d: expected \"a b\" or [\"a\", \"b\"]", i)
	}
	ida, ok := vocab[string(a)]
	if !ok {
		return pair3(), fmt.Errorf("merge %d: token %q is not in the vocab", i, a)
	}
	idb, ok := vocab[string(b)]
	if !ok {
		return pair3(), fmt.Errorf("merge %d: token %q is not in the vocab", i, b)
	}
	right := b
	if len(prefix) <= len(right) {
		right = right[len(prefix):]
	}
	r.joinBuf = append(append(r.joinBuf[:0], a...), right...)
	merged, ok := vocab[string(r.joinBuf)]
	if !ok {
		return pair3(), fmt.Errorf("merge %d: merged token %q is not in the vocab", i, r.joinBuf)
	}
	return [3]int32{ida, idb, merged}, nil
}

func pair3() [3]int32 { return [3]int32{} }
