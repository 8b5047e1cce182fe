package py

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// Regexp is a compiled Python `re` pattern. It runs on a backtracking
// engine (regexp2) because Python patterns use lookbehind, lookahead and
// backreferences, and Python's \w, \d, \s and \b are Unicode-aware.
type Regexp struct {
	src string
	re  *regexp2.Regexp
}

// Compile compiles a Python regular expression.
func Compile(pattern string) (*Regexp, error) {
	re, err := regexp2.Compile(toDotNet(pattern), regexp2.None)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v", pattern, err)
	}
	re.MatchTimeout = 10 * time.Second
	return &Regexp{src: pattern, re: re}, nil
}

// toDotNet rewrites the parts of Python's syntax that regexp2 (which
// follows .NET) spells or reads differently: (?P<name> and (?P=name)
// become (?<name> and \k<name>; \Z, the very end in Python, becomes \z
// (.NET's \Z also matches before a final newline); and inside a character
// class \W moves after the other items, because regexp2 drops a \d or \D
// that follows \W in a class ([\W\d] would match no digits).
func toDotNet(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			if p[i+1] == 'Z' {
				b.WriteString(`\z`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
		case p[i] == '[':
			i = writeClass(&b, p, i) - 1
		case strings.HasPrefix(p[i:], "(?P<"):
			b.WriteString("(?<")
			i += len("(?P<") - 1
		case strings.HasPrefix(p[i:], "(?P="):
			end := strings.IndexByte(p[i:], ')')
			if end < 0 {
				b.WriteString(p[i:])
				return b.String()
			}
			b.WriteString(`\k<` + p[i+len("(?P="):i+end] + `>`)
			i += end
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// writeClass copies the character class that starts at p[start] ('[')
// with its \W items moved to the end, and returns the index after it.
func writeClass(b *strings.Builder, p string, start int) int {
	i := start + 1
	if i < len(p) && p[i] == '^' {
		i++
	}
	if i < len(p) && p[i] == ']' { // a leading ] is a literal
		i++
	}
	head := p[start:i]
	var items strings.Builder
	words := 0
	for ; i < len(p) && p[i] != ']'; i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == 'W':
			words++
			i++
		case p[i] == '\\' && i+1 < len(p):
			items.WriteString(p[i : i+2])
			i++
		default:
			items.WriteByte(p[i])
		}
	}
	if i >= len(p) { // unterminated: let regexp2 report it
		b.WriteString(p[start:])
		return len(p)
	}
	b.WriteString(head)
	b.WriteString(items.String())
	b.WriteString(strings.Repeat(`\W`, words))
	b.WriteByte(']')
	return i + 1
}

// String returns the Python source of the pattern.
func (r *Regexp) String() string { return r.src }

// FindAll is re.findall: the whole matches when the pattern has no groups,
// the group's text when it has one, and a Tuple of group texts when it has
// several. Unmatched groups give "".
func (r *Regexp) FindAll(s string) ([]any, error) {
	var out []any
	m, err := r.re.FindStringMatch(s)
	for ; m != nil && err == nil; m, err = r.re.FindNextMatch(m) {
		groups := m.Groups()
		switch len(groups) {
		case 1:
			out = append(out, m.String())
		case 2:
			out = append(out, groupText(groups[1]))
		default:
			t := make(Tuple, len(groups)-1)
			for i := 1; i < len(groups); i++ {
				t[i-1] = groupText(groups[i])
			}
			out = append(out, t)
		}
	}
	return out, err
}

func groupText(g regexp2.Group) string {
	if len(g.Captures) == 0 {
		return ""
	}
	return g.String()
}

// Sub is re.sub(pattern, repl, s, count): repl may use \1, \g<1>, \g<name>
// and the usual backslash escapes. count <= 0 replaces every match.
func (r *Regexp) Sub(repl, s string, count int) (string, error) {
	runes := []rune(s)
	var b strings.Builder
	last := 0
	n := 0
	m, err := r.re.FindRunesMatch(runes)
	for ; m != nil && err == nil; m, err = r.re.FindNextMatch(m) {
		if count > 0 && n >= count {
			break
		}
		b.WriteString(string(runes[last:m.Index]))
		exp, err := expandRepl(repl, m)
		if err != nil {
			return "", err
		}
		b.WriteString(exp)
		last = m.Index + m.Length
		n++
	}
	if err != nil {
		return "", err
	}
	b.WriteString(string(runes[last:]))
	return b.String(), nil
}

func expandRepl(repl string, m *regexp2.Match) (string, error) {
	if strings.IndexByte(repl, '\\') < 0 {
		return repl, nil
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		e := repl[i]
		switch {
		case e >= '0' && e <= '9':
			j := i + 1
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(repl[i:j])
			g := m.GroupByNumber(n)
			if g == nil {
				return "", fmt.Errorf("invalid group reference %d", n)
			}
			b.WriteString(groupText(*g))
			i = j - 1
		case e == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+1 >= len(repl) || repl[i+1] != '<' || end < 0 {
				return "", fmt.Errorf("bad \\g escape in replacement %q", repl)
			}
			name := repl[i+2 : i+end]
			var g *regexp2.Group
			if n, err := strconv.Atoi(name); err == nil {
				g = m.GroupByNumber(n)
			} else {
				g = m.GroupByName(name)
			}
			if g == nil {
				return "", fmt.Errorf("unknown group %q in replacement", name)
			}
			b.WriteString(groupText(*g))
			i += end
		case e == 'n':
			b.WriteByte('\n')
		case e == 't':
			b.WriteByte('\t')
		case e == 'r':
			b.WriteByte('\r')
		case e == '\\':
			b.WriteByte('\\')
		case e == 'a':
			b.WriteByte('\a')
		case e == 'f':
			b.WriteByte('\f')
		case e == 'v':
			b.WriteByte('\v')
		default:
			if e >= 'a' && e <= 'z' || e >= 'A' && e <= 'Z' {
				return "", fmt.Errorf("bad escape \\%c in replacement %q", e, repl)
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}
