package search

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanRecord is a fast path for parseRecord: it reads the id, contents
// and meta fields of a flat JSON object without building a map. It returns
// ok == false when the line is anything it does not handle simply
// (malformed JSON, invalid UTF-8, missing fields); parseRecord then
// decides with encoding/json and reports the precise error.
func scanRecord(line []byte, f *Fields, doc *Document, buf *[]byte) (ok bool) {
	s := jsonScanner{b: line}
	s.ws()
	if !s.eat('{') {
		return false
	}
	var gotID, gotText, gotMeta bool
	clear(doc.Meta)
	s.ws()
	if s.eat('}') {
		return false
	}
	for {
		s.ws()
		key, ok := s.rawString()
		if !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		switch {
		case string(key) == f.ID && gotID, string(key) == f.Contents && gotText, string(key) == f.Meta && gotMeta:
			return false // a repeated key: encoding/json keeps the last one
		case string(key) == f.ID:
			if s.peek() == '"' {
				v, ok := s.stringValue(buf)
				if !ok || v == "" {
					return false
				}
				doc.ID = v
			} else {
				start := s.i
				if !s.skip() {
					return false
				}
				num := string(line[start:s.i])
				if !isJSONNumber(num) {
					return false
				}
				doc.ID = num
			}
			gotID = true
		case string(key) == f.Contents:
			v, ok := s.stringValue(buf)
			if !ok {
				return false
			}
			doc.Contents = v
			gotText = true
		case string(key) == f.Meta:
			gotMeta = true
			start := s.i
			if !s.skip() {
				return false
			}
			raw := line[start:s.i]
			if string(raw) != "null" {
				var obj map[string]json.RawMessage
				if err := json.Unmarshal(raw, &obj); err != nil {
					return false
				}
				if doc.Meta == nil {
					doc.Meta = make(map[string]string, len(obj))
				}
				for k, v := range obj {
					if sv, err := scalarString(v); err == nil {
						doc.Meta[k] = sv
					}
				}
			}
		default:
			if !s.skip() {
				return false
			}
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if !s.eat('}') {
			return false
		}
		break
	}
	s.ws()
	if s.i != len(line) || !gotID || !gotText {
		return false
	}
	doc.Record = line
	return true
}

type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// rawString returns the bytes of a string without escapes (keys).
func (s *jsonScanner) rawString() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			s.i++
			return s.b[start : s.i-1], true
		}
		if c == '\\' || c < 0x20 {
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// stringValue decodes a JSON string, using buf as scratch for escapes.
func (s *jsonScanner) stringValue(buf *[]byte) (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			raw := s.b[start:s.i]
			s.i++
			if !utf8.Valid(raw) {
				return "", false
			}
			return string(raw), true
		}
		if c == '\\' {
			return s.escapedString(start, buf)
		}
		if c < 0x20 {
			return "", false
		}
		s.i++
	}
	return "", false
}

func (s *jsonScanner) escapedString(start int, buf *[]byte) (string, bool) {
	out := append((*buf)[:0], s.b[start:s.i]...)
	defer func() { *buf = out[:0] }()
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					s.i += 2
					if r2, ok = s.hex4(); !ok {
						return "", false
					}
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					// Lone surrogate: encoding/json writes U+FFFD and keeps
					// the next escape; let it decide.
					return "", false
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

// skip passes over any JSON value and reports whether it is valid JSON.
func (s *jsonScanner) skip() bool {
	start := s.i
	if !s.skipStructure() {
		return false
	}
	if c := s.b[start]; c == '"' || c == '{' || c == '[' {
		return json.Valid(s.b[start:s.i])
	}
	return true
}

// skipStructure passes over a JSON value by its brackets and quotes;
// literals are checked, strings and containers are not.
func (s *jsonScanner) skipStructure() bool {
	switch c := s.peek(); {
	case c == '"':
		s.i++
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '\\':
				s.i += 2
				continue
			case '"':
				s.i++
				return true
			}
			s.i++
		}
		return false
	case c == '{' || c == '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			case '"':
				if !s.skipStructure() {
					return false
				}
				continue
			}
			s.i++
		}
		return false
	default:
		start := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			s.i++
		}
		lit := string(s.b[start:s.i])
		return lit == "true" || lit == "false" || lit == "null" || isJSONNumber(lit)
	}
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
