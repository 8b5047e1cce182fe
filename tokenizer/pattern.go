package tokenizer

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// pattern finds the matches of a Split pre-tokenizer, a Replace normalizer or
// a Replace decoder: non-overlapping, leftmost first, with the reference's
// rule for empty matches (an empty match right where the previous match
// ended is skipped by advancing one character).
type pattern interface {
	// search returns the first match that starts at or after pos.
	search(s []byte, pos int) (start, end int, ok bool)
}

// findAll appends the [start, end) of every match in s to dst.
func findAll(p pattern, s []byte, dst [][2]int) [][2]int {
	if re, ok := p.(*regexPattern); ok {
		return re.findAllFrom(s, 0, dst, false)
	}
	lastEnd, lastMatchEnd := 0, -1
	for lastEnd <= len(s) {
		start, end, ok := p.search(s, lastEnd)
		if !ok {
			break
		}
		if start == end && end == lastMatchEnd {
			if lastEnd < len(s) {
				_, n := runeAt(s, lastEnd)
				lastEnd += n
			} else {
				lastEnd++
			}
			continue
		}
		lastEnd, lastMatchEnd = end, end
		dst = append(dst, [2]int{start, end})
	}
	return dst
}

// literalPattern matches a fixed string (a {"String": ...} pattern).
type literalPattern struct{ lit []byte }

func (p literalPattern) search(s []byte, pos int) (int, int, bool) {
	if pos > len(s) {
		return 0, 0, false
	}
	i := bytes.Index(s[pos:], p.lit)
	if i < 0 {
		return 0, 0, false
	}
	return pos + i, pos + i + len(p.lit), true
}

// scannerPattern is a hand-written scanner for a well-known regex.
type scannerPattern struct{ w *wordScanner }

func (p scannerPattern) search(s []byte, pos int) (int, int, bool) {
	if pos >= len(s) {
		return 0, 0, false
	}
	return pos, p.w.next(s, pos), true
}

// regexPattern is any other regular expression, run by regexp2 with its
// syntax adjusted to Oniguruma's where the two differ.
type regexPattern struct {
	re *regexp2.Regexp
}

func compileRegex(src string) (*regexPattern, error) {
	re, err := regexp2.Compile(src, regexp2.None)
	if err != nil {
		return nil, err
	}
	return &regexPattern{re: re}, nil
}

func (p *regexPattern) search(s []byte, pos int) (int, int, bool) {
	m := p.findAllFrom(s, pos, nil, true)
	if len(m) == 0 {
		return 0, 0, false
	}
	return m[0][0], m[0][1], true
}

// findAllFrom runs the reference's find_iter loop over s from byte pos on,
// converting s to runes once (regexp2 works on runes).
func (p *regexPattern) findAllFrom(s []byte, pos int, dst [][2]int, firstOnly bool) [][2]int {
	runes := make([]rune, 0, len(s))
	byteAt := make([]int, 0, len(s)+1)
	startRune := -1
	for i := 0; i < len(s); {
		if i >= pos && startRune < 0 {
			startRune = len(runes)
		}
		r, n := runeAt(s, i)
		runes = append(runes, r)
		byteAt = append(byteAt, i)
		i += n
	}
	byteAt = append(byteAt, len(s))
	if startRune < 0 {
		startRune = len(runes)
	}
	lastEnd, lastMatchEnd := startRune, -1
	for lastEnd <= len(runes) {
		m, err := p.re.FindRunesMatchStartingAt(runes, lastEnd)
		if err != nil || m == nil {
			break
		}
		start, end := m.Index, m.Index+m.Length
		if start == end && end == lastMatchEnd {
			lastEnd++
			continue
		}
		lastEnd, lastMatchEnd = end, end
		dst = append(dst, [2]int{byteAt[start], byteAt[end]})
		if firstOnly {
			break
		}
	}
	return dst
}

// newPattern builds the pattern of a {"String": s} or {"Regex": r} object.
func newPattern(literal, regex *string) (pattern, error) {
	switch {
	case literal != nil:
		return literalPattern{[]byte(*literal)}, nil
	case regex != nil:
		if w := scannerFor(*regex); w != nil {
			return scannerPattern{w}, nil
		}
		p, err := compileRegex(*regex)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %w", *regex, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("pattern needs a String or a Regex")
}

// charPattern matches single characters that satisfy a predicate.
type charPattern func(r rune) bool

func (p charPattern) search(s []byte, pos int) (int, int, bool) {
	for i := pos; i < len(s); {
		r, n := runeAt(s, i)
		if !(r == utf8.RuneError && n == 1) && p(r) {
			return i, i + n, true
		}
		i += n
	}
	return 0, 0, false
}

// splitBehavior is how a Split keeps the delimiters it finds.
type splitBehavior int

const (
	splitRemoved splitBehavior = iota
	splitIsolated
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return splitRemoved, nil
	case "Isolated":
		return splitIsolated, nil
	case "MergedWithPrevious":
		return splitMergedWithPrevious, nil
	case "MergedWithNext":
		return splitMergedWithNext, nil
	case "Contiguous":
		return splitContiguous, nil
	}
	return 0, fmt.Errorf("unknown split behavior %q (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)", s)
}

// interval is a stretch of text that is (isMatch) or is not a match.
type interval struct {
	start, end int
	isMatch    bool
}

// intervals turns matches into the alternating list the reference's
// find_matches returns: every byte of s is in exactly one interval.
func intervals(s []byte, matches [][2]int, invert bool, dst []interval) []interval {
	if len(s) == 0 {
		return append(dst, interval{0, 0, invert})
	}
	prev := 0
	for _, m := range matches {
		if prev != m[0] {
			dst = append(dst, interval{prev, m[0], invert})
		}
		dst = append(dst, interval{m[0], m[1], !invert})
		prev = m[1]
	}
	if prev != len(s) {
		dst = append(dst, interval{prev, len(s), invert})
	}
	return dst
}

// applyBehavior returns the pieces to keep, as [start, end) ranges.
func applyBehavior(iv []interval, b splitBehavior, dst [][2]int) [][2]int {
	switch b {
	case splitIsolated:
		for _, v := range iv {
			dst = append(dst, [2]int{v.start, v.end})
		}
	case splitRemoved:
		for _, v := range iv {
			if !v.isMatch {
				dst = append(dst, [2]int{v.start, v.end})
			}
		}
	case splitContiguous:
		first := len(dst)
		prevMatch := false
		for _, v := range iv {
			if v.isMatch == prevMatch && len(dst) > first {
				dst[len(dst)-1][1] = v.end
			} else {
				dst = append(dst, [2]int{v.start, v.end})
			}
			prevMatch = v.isMatch
		}
	case splitMergedWithPrevious:
		first := len(dst)
		prevMatch := false
		for _, v := range iv {
			if v.isMatch && !prevMatch && len(dst) > first {
				dst[len(dst)-1][1] = v.end
			} else {
				dst = append(dst, [2]int{v.start, v.end})
			}
			prevMatch = v.isMatch
		}
	case splitMergedWithNext:
		first := len(dst)
		prevMatch := false
		for i := len(iv) - 1; i >= 0; i-- {
			v := iv[i]
			if v.isMatch && !prevMatch && len(dst) > first {
				dst[len(dst)-1][0] = v.start
			} else {
				dst = append(dst, [2]int{v.start, v.end})
			}
			prevMatch = v.isMatch
		}
		for i, j := first, len(dst)-1; i < j; i, j = i+1, j-1 {
			dst[i], dst[j] = dst[j], dst[i]
		}
	}
	return dst
}
