package hub

import (
	"fmt"
	"regexp"
	"strings"
)

// Filter selects repository files by shell-style patterns, as
// huggingface_hub's allow_patterns and ignore_patterns do: a path is kept
// when it matches some include pattern (or there are none) and no exclude
// pattern. Patterns follow Python's fnmatch: * matches any run of
// characters, "/" included, ? one character, [seq] and [!seq] a set; a
// pattern ending in "/" matches everything under that folder.
func Filter(include, exclude []string) (func(path string) bool, error) {
	inc, err := compilePatterns(include)
	if err != nil {
		return nil, err
	}
	exc, err := compilePatterns(exclude)
	if err != nil {
		return nil, err
	}
	return func(path string) bool {
		if len(inc) > 0 && !matchAny(inc, path) {
			return false
		}
		return !matchAny(exc, path)
	}, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func compilePatterns(pats []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range pats {
		if strings.HasSuffix(p, "/") {
			p += "*"
		}
		re, err := regexp.Compile(translateGlob(p))
		if err != nil {
			return nil, fmt.Errorf("hub: pattern %q: %w", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// translateGlob turns a pattern into an anchored regular expression with
// Python's fnmatch.translate rules: an unclosed "[" is a literal, a set's
// reversed ranges (z-a) are dropped, an empty set matches nothing and a
// negated empty set any character.
func translateGlob(pat string) string {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(globSet(rs[i+1 : j]))
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return b.String()
}

// globSet translates the inside of a [...] set.
func globSet(set []rune) string {
	negate := len(set) > 0 && set[0] == '!'
	if negate {
		set = set[1:]
	}
	var items []string
	for k := 0; k < len(set); k++ {
		if k+2 < len(set) && set[k+1] == '-' {
			lo, hi := set[k], set[k+2]
			k += 2
			if lo > hi {
				continue // Python drops an empty range
			}
			items = append(items, classChar(lo)+"-"+classChar(hi))
			continue
		}
		items = append(items, classChar(set[k]))
	}
	switch {
	case len(items) == 0 && negate:
		return "."
	case len(items) == 0:
		return `[^\x00-\x{10FFFF}]`
	case negate:
		return "[^" + strings.Join(items, "") + "]"
	}
	return "[" + strings.Join(items, "") + "]"
}

// classChar escapes a character for use inside a regexp character class.
func classChar(c rune) string {
	switch c {
	case '\\', ']', '[', '^', '-':
		return `\` + string(c)
	}
	return string(c)
}
