package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// rawArray is a JSON array kept undecoded until its elements are asked for.
// An echoed prompt has a token, a log-prob and a top-log-probs object per
// token, but only the continuation's few are needed: decoding them all
// would cost an allocation per prompt token and dominate the client's CPU.
type rawArray struct {
	raw   []byte
	elems [][2]int // start and end of each element in raw
	null  bool
}

var errNotArray = errors.New("not a JSON array")

// UnmarshalJSON keeps a copy of b. The decoder has already checked that b
// is valid JSON.
func (a *rawArray) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*a = rawArray{null: true}
		return nil
	}
	if len(b) < 2 || b[0] != '[' {
		return errNotArray
	}
	a.raw = append([]byte(nil), b...)
	a.elems = a.elems[:0]
	i := skipSpace(a.raw, 1)
	if i < len(a.raw) && a.raw[i] == ']' {
		return nil
	}
	for i < len(a.raw) {
		end := valueEnd(a.raw, i)
		if end < 0 {
			return errNotArray
		}
		a.elems = append(a.elems, [2]int{i, end})
		i = skipSpace(a.raw, end)
		if i >= len(a.raw) {
			return errNotArray
		}
		if a.raw[i] == ']' {
			return nil
		}
		if a.raw[i] != ',' {
			return errNotArray
		}
		i = skipSpace(a.raw, i+1)
	}
	return errNotArray
}

func (a *rawArray) len() int { return len(a.elems) }

func (a *rawArray) elem(i int) []byte { return a.raw[a.elems[i][0]:a.elems[i][1]] }

func (a *rawArray) isNull(i int) bool { return string(a.elem(i)) == "null" }

// float returns element i as a number; ok is false for null or not a number.
func (a *rawArray) float(i int) (float64, bool) {
	v, err := strconv.ParseFloat(string(a.elem(i)), 64)
	return v, err == nil
}

// str returns element i as a string ("" for anything else).
func (a *rawArray) str(i int) string {
	e := a.elem(i)
	if len(e) >= 2 && e[0] == '"' && bytes.IndexByte(e, '\\') < 0 {
		return string(e[1 : len(e)-1])
	}
	var s string
	json.Unmarshal(e, &s)
	return s
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at i, or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '[', '{':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				if i < 0 {
					return -1
				}
				continue
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) && !endsScalar(b[i]) {
		i++
	}
	return i
}

func endsScalar(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\n', '\t', '\r':
		return true
	}
	return false
}

// stringEnd returns the index just past the string starting at i, or -1.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// rawString is a JSON string decoded only when asked for.
type rawString []byte

// UnmarshalJSON keeps a copy of b.
func (s *rawString) UnmarshalJSON(b []byte) error {
	*s = append((*s)[:0], b...)
	return nil
}

// String decodes the string; null or anything else is "".
func (s rawString) String() string {
	if len(s) >= 2 && s[0] == '"' && bytes.IndexByte(s, '\\') < 0 {
		return string(s[1 : len(s)-1])
	}
	var v string
	json.Unmarshal(s, &v)
	return v
}
