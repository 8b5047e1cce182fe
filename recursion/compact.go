package recursion

import (
	"fmt"
	"strconv"
	"strings"
)

// Compact prints a value in the compact notation: Polish (prefix) order
// with one letter per constructor and no parentheses or spaces, labels as
// decimal numerals. xI (xO xH) is "IOH", Node 3 (Node 1 Leaf Leaf) Leaf is
// "N3N1LLL", cons 3 (cons 1 nil) is "C3C1E". Every constructor has a fixed
// arity and a label is always followed by a letter, so the notation needs
// no separators. Compact fails on a term that is not a value.
func Compact(v *Term) (string, error) {
	if _, err := TypeOf(v); err != nil {
		return "", err
	}
	var b strings.Builder
	writeCompact(&b, v)
	return b.String(), nil
}

func writeCompact(b *strings.Builder, v *Term) {
	if v.Kind == Num {
		b.WriteString(strconv.Itoa(v.N))
		return
	}
	sig, _ := constructor(v.Name)
	b.WriteByte(sig.short)
	for _, a := range v.Args {
		writeCompact(b, a)
	}
}

// ParseCompact reads a value of type want written in the compact
// notation; surrounding white space is ignored.
func ParseCompact(s string, want Type) (*Term, error) {
	in := strings.TrimSpace(s)
	p := &compactParser{src: s, in: in, off: len(s) - len(strings.TrimLeft(s, " \t\r\n"))}
	v, err := p.value(want, 0)
	if err != nil {
		return nil, err
	}
	if p.i != len(in) {
		return nil, p.fail("expected the end of the value, got %q", in[p.i:p.i+1])
	}
	return v, nil
}

type compactParser struct {
	src, in string
	off, i  int
}

func (p *compactParser) fail(format string, args ...any) error {
	return &SyntaxError{p.src, p.off + p.i, fmt.Sprintf(format, args...)}
}

func (p *compactParser) value(want Type, depth int) (*Term, error) {
	if depth > maxNesting {
		return nil, p.fail("nested more than %d levels deep", maxNesting)
	}
	if want == Nat {
		j := p.i
		for j < len(p.in) && p.in[j] >= '0' && p.in[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, p.fail("expected a label (digits)%s", p.got())
		}
		if j-p.i > 9 {
			return nil, p.fail("label too large (at most 9 digits)")
		}
		n, _ := strconv.Atoi(p.in[p.i:j])
		p.i = j
		return N(n), nil
	}
	if p.i >= len(p.in) {
		return nil, p.fail("expected a %s, got the end of the input", want)
	}
	letter := p.in[p.i]
	for _, name := range constructorsOf(want) {
		sig, _ := constructor(name)
		if sig.short != letter {
			continue
		}
		p.i++
		t := C(name)
		for _, at := range sig.args {
			a, err := p.value(at, depth+1)
			if err != nil {
				return nil, err
			}
			t.Args = append(t.Args, a)
		}
		return t, nil
	}
	var letters []string
	for _, name := range constructorsOf(want) {
		sig, _ := constructor(name)
		letters = append(letters, fmt.Sprintf("%c (%s)", sig.short, name))
	}
	return nil, p.fail("expected a %s: %s%s", want, strings.Join(letters, ", "), p.got())
}

func (p *compactParser) got() string {
	if p.i >= len(p.in) {
		return ", got the end of the input"
	}
	return fmt.Sprintf(", got %q", p.in[p.i:p.i+1])
}
