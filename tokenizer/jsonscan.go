package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
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

// topLevel splits a JSON object into its keys and raw values.
func topLevel(data []byte) (map[string][]byte, error) {
	r := &jsonReader{b: data}
	out := make(map[string][]byte)
	err := r.object(func(key string) error {
		v, err := r.skip()
		if err != nil {
			return err
		}
		out[key] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.peek() != 0 {
		return nil, r.errorf("data after the top-level object")
	}
	return out, nil
}

var errNotObject = errors.New("expected a JSON object")

// readVocab parses {"token": id, ...}.
func readVocab(r *jsonReader) (map[string]int32, error) {
	if r.peek() != '{' {
		return nil, errNotObject
	}
	// collect first so that the map is built at its final size
	type entry struct {
		tok string
		id  int32
	}
	var entries []entry
	err := r.object(func(key string) error {
		id, err := r.integer()
		if err != nil {
			return fmt.Errorf("token %q: %w", key, err)
		}
		entries = append(entries, entry{key, id})
		return nil
	})
	vocab := make(map[string]int32, len(entries))
	for _, e := range entries {
		vocab[e.tok] = e.id
	}
	return vocab, err
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
	var joined []byte
	lookup := func(i int, tok []byte) (int32, error) {
		id, ok := vocab[string(tok)]
		if !ok {
			return 0, fmt.Errorf("merge %d: token %q is not in the vocab", i, tok)
		}
		return id, nil
	}
	err := r.array(func(i int) error {
		var pair [2]int32
		joined = joined[:0]
		add := func(j int, tok []byte) error {
			id, err := lookup(i, tok)
			if err != nil {
				return err
			}
			pair[j] = id
			if j == 1 && len(prefix) <= len(tok) {
				tok = tok[len(prefix):]
			}
			joined = append(joined, tok...)
			return nil
		}
		switch r.peek() {
		case '"':
			s, err := r.str()
			if err != nil {
				return err
			}
			sp := -1
			for k, c := range s {
				if c == ' ' {
					if sp >= 0 {
						sp = -2
						break
					}
					sp = k
				}
			}
			if sp < 0 {
				return fmt.Errorf("merge %d: %q is not two tokens separated by a space", i, s)
			}
			if err := add(0, s[:sp]); err != nil {
				return err
			}
			if err := add(1, s[sp+1:]); err != nil {
				return err
			}
		case '[':
			k := 0
			err := r.array(func(j int) error {
				s, err := r.str()
				if err != nil {
					return err
				}
				if j > 1 {
					return fmt.Errorf("merge %d: more than two tokens", i)
				}
				k++
				return add(j, s)
			})
			if err != nil {
				return err
			}
			if k != 2 {
				return fmt.Errorf("merge %d: expected two tokens", i)
			}
		default:
			return r.errorf("merge %d: expected \"a b\" or [\"a\", \"b\"]", i)
		}
		merged, ok := vocab[string(joined)]
		if !ok {
			return fmt.Errorf("merge %d: merged token %q is not in the vocab", i, joined)
		}
		out = append(out, [3]int32{pair[0], pair[1], merged})
		return nil
	})
	return out, err
}
