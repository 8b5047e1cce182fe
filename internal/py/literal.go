package py

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LiteralEval is ast.literal_eval for the values templates produce:
// strings (with prefixes and implicit concatenation), numbers, True, False,
// None, and lists, tuples and dicts of them. The error says where parsing
// stopped.
func LiteralEval(s string) (any, error) {
	p := &litParser{s: s}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("literal_eval: unexpected %q at offset %d", p.s[p.i:min(len(p.s), p.i+10)], p.i)
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		case '\\':
			// line continuation
			if strings.HasPrefix(p.s[p.i:], "\\\n") {
				p.i += 2
				continue
			}
			return
		case '#':
			// a comment runs to the end of the line
			if end := strings.IndexByte(p.s[p.i:], '\n'); end >= 0 {
				p.i += end
			} else {
				p.i = len(p.s)
			}
		default:
			return
		}
	}
}

func (p *litParser) errf(format string, a ...any) error {
	return fmt.Errorf("literal_eval: "+format+" at offset %d", append(a, p.i)...)
}

func (p *litParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of input")
	}
	c := p.s[p.i]
	switch {
	case c == '[':
		p.i++
		items, err := p.items(']')
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []any{}
		}
		return items, nil
	case c == '(':
		p.i++
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return Tuple{}, nil
		}
		first, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return first, nil // parenthesised expression
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, p.errf("expected , or )")
		}
		p.i++
		rest, err := p.items(')')
		if err != nil {
			return nil, err
		}
		return Tuple(append([]any{first}, rest...)), nil
	case c == '{':
		p.i++
		d := NewDict()
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			k, err := p.value()
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, p.errf("only string dict keys are supported")
			}
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errf("expected :")
			}
			p.i++
			p.skipSpace()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			d.Set(ks, v)
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			return nil, p.errf("expected , or }")
		}
	case c == '-' || c == '+':
		p.i++
		p.skipSpace()
		v, err := p.unsignedNumber()
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case int64:
			if c == '-' {
				return -x, nil
			}
			return x, nil
		case float64:
			if c == '-' {
				return -x, nil
			}
			return x, nil
		}
		return nil, p.errf("unary %c on a non-number", c)
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case c == '"' || c == '\'':
		return p.strings()
	case isIdentStart(c):
		j := p.i
		for j < len(p.s) && (isIdentStart(p.s[j]) || p.s[j] >= '0' && p.s[j] <= '9') {
			j++
		}
		word := p.s[p.i:j]
		if j < len(p.s) && (p.s[j] == '\'' || p.s[j] == '"') && isStringPrefix(word) {
			return p.strings()
		}
		p.i = j
		switch word {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
		p.i -= len(word)
		return nil, p.errf("malformed node or string %q", word)
	}
	return nil, p.errf("unexpected %q", c)
}

// unsignedNumber parses the operand of a unary sign, which literal_eval
// allows to be a number literal only, perhaps in parentheses: -(1) is -1,
// but --1 and -(-1) are rejected.
func (p *litParser) unsignedNumber() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case c == '(':
		p.i++
		p.skipSpace()
		v, err := p.unsignedNumber()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errf("a sign applies only to a number")
		}
		p.i++
		return v, nil
	}
	return nil, p.errf("a sign applies only to a number")
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "u", "b", "br", "rb", "f", "fr", "rf":
		return true
	}
	return false
}

// items parses comma-separated values up to the closing bracket.
func (p *litParser) items(end byte) ([]any, error) {
	var out []any
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return out, nil
		}
		return nil, p.errf("expected , or %c", end)
	}
}

func (p *litParser) number() (any, error) {
	j := p.i
	isFloat := false
	if strings.HasPrefix(p.s[j:], "0x") || strings.HasPrefix(p.s[j:], "0X") ||
		strings.HasPrefix(p.s[j:], "0o") || strings.HasPrefix(p.s[j:], "0O") ||
		strings.HasPrefix(p.s[j:], "0b") || strings.HasPrefix(p.s[j:], "0B") {
		j += 2
		for j < len(p.s) && (isHex(p.s[j]) || p.s[j] == '_') {
			j++
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 0, 64)
		if err != nil {
			return nil, p.errf("bad number %q", p.s[p.i:j])
		}
		p.i = j
		return n, nil
	}
	for j < len(p.s) {
		c := p.s[j]
		switch {
		case c >= '0' && c <= '9' || c == '_':
		case c == '.':
			isFloat = true
		case c == 'e' || c == 'E':
			isFloat = true
			if j+1 < len(p.s) && (p.s[j+1] == '+' || p.s[j+1] == '-') {
				j++
			}
		default:
			goto done
		}
		j++
	}
done:
	lit := p.s[p.i:j]
	text := strings.ReplaceAll(lit, "_", "")
	p.i = j
	if j < len(p.s) && (p.s[j] == 'j' || p.s[j] == 'J') {
		return nil, p.errf("complex numbers are not supported")
	}
	if !digitsAroundUnderscores(lit) {
		return nil, p.errf("bad number %q: an underscore must stand between digits", lit)
	}
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !(errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0)) {
			return nil, p.errf("bad number %q", text)
		}
		return f, nil // out of range is ±inf, as in Python
	}
	if strings.TrimLeft(text, "0") != "" && text[0] == '0' {
		return nil, p.errf("bad number %q: leading zeros in a decimal integer are not permitted", lit)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, p.errf("integer %q out of range", text)
	}
	return n, nil
}

// digitsAroundUnderscores reports whether every underscore of a decimal
// literal stands between two digits, as Python requires.
func digitsAroundUnderscores(lit string) bool {
	isDigit := func(i int) bool { return i >= 0 && i < len(lit) && lit[i] >= '0' && lit[i] <= '9' }
	for i := range len(lit) {
		if lit[i] == '_' && (!isDigit(i-1) || !isDigit(i+1)) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// strings parses one or more adjacent string literals and concatenates them.
func (p *litParser) strings() (any, error) {
	var b strings.Builder
	n := 0
	for {
		p.skipSpace()
		j := p.i
		for j < len(p.s) && isIdentStart(p.s[j]) {
			j++
		}
		prefix := strings.ToLower(p.s[p.i:j])
		if j >= len(p.s) || (p.s[j] != '\'' && p.s[j] != '"') || (prefix != "" && !isStringPrefix(prefix)) {
			if n == 0 {
				return nil, p.errf("expected a string")
			}
			return b.String(), nil
		}
		if strings.Contains(prefix, "b") || strings.Contains(prefix, "f") {
			return nil, p.errf("bytes and f-strings are not supported")
		}
		p.i = j
		s, err := p.stringLiteral(strings.Contains(prefix, "r"))
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		n++
	}
}

func (p *litParser) stringLiteral(raw bool) (string, error) {
	q := p.s[p.i]
	triple := strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	p.i += len(delim)
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return b.String(), nil
		}
		c := p.s[p.i]
		if c == '\n' && !triple {
			return "", p.errf("newline in string")
		}
		if c != '\\' {
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += n
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		if raw {
			// The backslash stays, and the character after it cannot end
			// the string.
			b.WriteByte('\\')
			r, n := utf8.DecodeRuneInString(p.s[p.i+1:])
			b.WriteRune(r)
			p.i += 1 + n
			continue
		}
		if err := p.escape(&b); err != nil {
			return "", err
		}
	}
}

// escape decodes one backslash escape as Python string literals do;
// unknown escapes keep the backslash.
func (p *litParser) escape(b *strings.Builder) error {
	e := p.s[p.i+1]
	p.i += 2
	switch e {
	case '\n':
	case '\\', '\'', '"':
		b.WriteByte(e)
	case 'a':
		b.WriteByte('\a')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte('\v')
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
		if p.i+n > len(p.s) {
			return p.errf("truncated \\%c escape", e)
		}
		v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
		if err != nil {
			return p.errf("bad \\%c escape", e)
		}
		switch {
		case v > unicode.MaxRune:
			return p.errf("illegal Unicode character in \\%c escape", e)
		case v >= 0xd800 && v <= 0xdfff:
			return p.errf("lone surrogate \\%c%s is not supported", e, p.s[p.i:p.i+n])
		}
		b.WriteRune(rune(v))
		p.i += n
	case 'N':
		return p.errf("named Unicode escapes (\\N{...}) are not supported")
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := p.i - 1
		for j < len(p.s) && j < p.i+2 && p.s[j] >= '0' && p.s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(p.s[p.i-1:j], 8, 32)
		b.WriteRune(rune(v))
		p.i = j
	default:
		// Unknown escapes keep the backslash; the character after it is
		// read as a whole (invalid UTF-8 as U+FFFD, as outside escapes).
		b.WriteByte('\\')
		r, n := utf8.DecodeRuneInString(p.s[p.i-1:])
		b.WriteRune(r)
		p.i += n - 1
	}
	return nil
}

// DecodeEscapes decodes the backslash escapes of a Python (non-raw) string
// literal body, as Jinja2 does for its string literals; unknown escapes
// keep their backslash.
func DecodeEscapes(body string) (string, error) {
	if strings.IndexByte(body, '\\') < 0 {
		return body, nil
	}
	p := &litParser{s: body}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c != '\\' {
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.errf("\\ at end of string")
		}
		if err := p.escape(&b); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
