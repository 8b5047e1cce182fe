package tokenizer

import (
	"unicode"
)

// preTokenizer cuts normalized text into the pieces ("words") that the model
// encodes one at a time.
type preTokenizer interface {
	// split appends the pieces of n to dst.
	split(dst []normalized, n normalized, sc *splitScratch) []normalized
}

// splitScratch holds buffers reused by the pre-tokenizers of one encode.
type splitScratch struct {
	matches [][2]int
	iv      []interval
	keep    [][2]int
	seq     [][]normalized // piece buffers of (nested) sequences, reused
	depth   int
}

// piecesOf cuts n at the matches of p and keeps the pieces that behavior
// says to keep; empty pieces are dropped as the reference drops them.
func piecesOf(dst []normalized, n normalized, p pattern, invert bool, b splitBehavior, sc *splitScratch) []normalized {
	sc.matches = findAll(p, n.s, sc.matches[:0])
	sc.iv = intervals(n.s, sc.matches, invert, sc.iv[:0])
	sc.keep = applyBehavior(sc.iv, b, sc.keep[:0])
	for _, k := range sc.keep {
		if k[1] > k[0] {
			dst = append(dst, n.slice(k[0], k[1]))
		}
	}
	return dst
}

type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	// two buffers per nesting level, kept in the scratch between calls
	for len(sc.seq) < 2*(sc.depth+1) {
		sc.seq = append(sc.seq, nil)
	}
	ia, ib := 2*sc.depth, 2*sc.depth+1
	sc.depth++
	cur := append(sc.seq[ia][:0], n)
	next := sc.seq[ib][:0]
	for _, p := range s {
		next = next[:0]
		for _, x := range cur {
			next = p.split(next, x, sc)
		}
		cur, next = next, cur
	}
	dst = append(dst, cur...)
	sc.depth--
	sc.seq[ia], sc.seq[ib] = cur[:0], next[:0]
	return dst
}

type splitPreTokenizer struct {
	pat      pattern
	behavior splitBehavior
	invert   bool
}

func (s splitPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	if sp, ok := s.pat.(scannerPattern); ok && !s.invert && s.behavior == splitIsolated {
		// fast path: every match is a piece and there are no gaps
		for i := 0; i < len(n.s); {
			j := sp.w.next(n.s, i)
			dst = append(dst, n.slice(i, j))
			i = j
		}
		return dst
	}
	return piecesOf(dst, n, s.pat, s.invert, s.behavior, sc)
}

// byteLevelPreTokenizer optionally adds a leading space and splits with the
// GPT-2 regex. The byte-to-character mapping itself is done by the model
// (bpe.byteLevel), so the pieces stay raw bytes here.
type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	useRegex       bool
	words          *wordScanner
}

func (b byteLevelPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	if b.addPrefixSpace && len(n.s) > 0 && n.s[0] != ' ' {
		n = n.prepend(" ")
	}
	if !b.useRegex {
		if len(n.s) > 0 {
			dst = append(dst, n)
		}
		return dst
	}
	for i := 0; i < len(n.s); {
		j := b.words.next(n.s, i)
		dst = append(dst, n.slice(i, j))
		i = j
	}
	return dst
}

type prependScheme int

const (
	prependAlways prependScheme = iota
	prependFirst
	prependNever
)

type metaspacePreTokenizer struct {
	replacement string
	repl        rune
	scheme      prependScheme
	splitPieces bool
}

func (m metaspacePreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	sc.matches = findAll(literalPattern{[]byte{' '}}, n.s, sc.matches[:0])
	n = n.replaceRanges(sc.matches, m.replacement)
	startsWith := len(n.s) >= len(m.replacement) && string(n.s[:len(m.replacement)]) == m.replacement
	switch m.scheme {
	case prependAlways:
		if !startsWith {
			n = n.prepend(m.replacement)
		}
	case prependFirst:
		if !startsWith && n.origStart() == 0 {
			n = n.prepend(m.replacement)
		}
	}
	if !m.splitPieces {
		if len(n.s) > 0 {
			dst = append(dst, n)
		}
		return dst
	}
	r := m.repl
	return piecesOf(dst, n, charPattern(func(c rune) bool { return c == r }), false, splitMergedWithNext, sc)
}

// whitespacePreTokenizer keeps the matches of \w+|[^\w\s]+.
type whitespacePreTokenizer struct{}

func (whitespacePreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	s := n.s
	for i := 0; i < len(s); {
		c, size := classOf(s, i)
		if c&classSpace != 0 {
			i += size
			continue
		}
		word := c&classWord != 0
		j := i + size
		for j < len(s) {
			c2, n2 := classOf(s, j)
			if (c2&classWord != 0) != word || (!word && c2&classSpace != 0) {
				break
			}
			j += n2
		}
		dst = append(dst, n.slice(i, j))
		i = j
	}
	return dst
}

type whitespaceSplitPreTokenizer struct{}

func (whitespaceSplitPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	return piecesOf(dst, n, charPattern(isWhiteSpace), false, splitRemoved, sc)
}

// bertPreTokenizer splits on whitespace and isolates punctuation.
type bertPreTokenizer struct{}

func (bertPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	var words []normalized
	words = piecesOf(words, n, charPattern(isWhiteSpace), false, splitRemoved, sc)
	for _, w := range words {
		dst = piecesOf(dst, w, charPattern(isBertPunct), false, splitIsolated, sc)
	}
	return dst
}

func isBertPunct(r rune) bool {
	return (r < 128 && asciiClass[r]&classPunct != 0) || unicode.IsPunct(r)
}

type digitsPreTokenizer struct{ individual bool }

func (d digitsPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	b := splitContiguous
	if d.individual {
		b = splitIsolated
	}
	return piecesOf(dst, n, charPattern(unicode.IsNumber), false, b, sc)
}

type punctuationPreTokenizer struct{ behavior splitBehavior }

func (p punctuationPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	return piecesOf(dst, n, charPattern(isBertPunct), false, p.behavior, sc)
}

type charDelimiterPreTokenizer struct{ delim rune }

func (c charDelimiterPreTokenizer) split(dst []normalized, n normalized, sc *splitScratch) []normalized {
	d := c.delim
	return piecesOf(dst, n, charPattern(func(r rune) bool { return r == d }), false, splitRemoved, sc)
}
