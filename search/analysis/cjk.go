package analysis

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cjkStopWords is the stop set of Lucene 4.10's CJKAnalyzer.
var cjkStopWords = map[string]bool{
	"a": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true,
	"by": true, "for": true, "if": true, "in": true, "into": true, "is": true, "it": true,
	"no": true, "not": true, "of": true, "on": true, "or": true, "s": true, "such": true,
	"t": true, "that": true, "the": true, "their": true, "then": true, "there": true,
	"these": true, "they": true, "this": true, "to": true, "was": true, "will": true,
	"with": true, "www": true,
}

// CJK is Lucene 4.10's CJKAnalyzer: StandardTokenizer, CJKWidthFilter,
// lowercase, CJKBigramFilter (bigrams of adjacent Han, Hiragana, Katakana
// and Hangul characters; a lone one becomes a unigram) and its stop set.
type CJK struct {
	scratch sync.Pool // of *cjkScratch
}

type cjkScratch struct{ tmp, grams Tokens }

// Name returns "cjk".
func (*CJK) Name() string { return "cjk" }

// Analyze implements Analyzer.
func (c *CJK) Analyze(dst *Tokens, text string) {
	sc, _ := c.scratch.Get().(*cjkScratch)
	if sc == nil {
		sc = new(cjkScratch)
	}
	defer c.scratch.Put(sc)
	// Tokenize, fold widths and lowercase into sc.tmp.
	sc.tmp.Reset()
	d := standardDFA()
	var scratch, folded [64]byte
	pos := -1
	for p := 0; ; {
		start, end, typ, ok := nextStandardToken(d, text, p)
		if !ok {
			break
		}
		p = end
		pos++
		f := foldWidth(folded[:0], text[start:end])
		sc.tmp.Add(lowerInto(scratch[:0], string(f)), pos, start, end, typ)
	}
	sc.grams.Reset()
	bigrams(&sc.grams, &sc.tmp)
	// The stop filter runs last: a removed token's position increment
	// carries over to the next token kept.
	dst.Reset()
	prevIn, prevOut := int32(-1), int32(-1)
	for i := 0; i < sc.grams.Len(); i++ {
		term := sc.grams.Term(i)
		if cjkStopWords[string(term)] {
			continue
		}
		prevOut += sc.grams.Pos[i] - prevIn
		prevIn = sc.grams.Pos[i]
		dst.Add(term, int(prevOut), int(sc.grams.Start[i]), int(sc.grams.End[i]), sc.grams.Type[i])
	}
}

func isCJKType(t TokenType) bool {
	return t == TypeIdeographic || t == TypeHiragana || t == TypeKatakana || t == TypeHangul
}

// bigrams is CJKBigramFilter: runs of CJK tokens whose offsets touch are
// split into code points and emitted as overlapping bigrams (a run of one
// code point as a unigram); other tokens pass through. Like Lucene, a
// bigram or unigram has position increment 1, dropping earlier gaps.
func bigrams(dst, src *Tokens) {
	var run []rune
	var runStart, runEnd []int32
	pos := int32(-1)
	prevIn := int32(-1)
	lastEnd := int32(-1)
	var buf [8]byte
	flush := func() {
		switch {
		case len(run) == 1:
			pos++
			n := utf8.EncodeRune(buf[:], run[0])
			dst.Add(buf[:n], int(pos), int(runStart[0]), int(runEnd[0]), TypeSingle)
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				pos++
				n := utf8.EncodeRune(buf[:], run[i])
				n += utf8.EncodeRune(buf[n:], run[i+1])
				dst.Add(buf[:n], int(pos), int(runStart[i]), int(runEnd[i+1]), TypeDouble)
			}
		}
		run, runStart, runEnd = run[:0], runStart[:0], runEnd[:0]
	}
	for i := 0; i < src.Len(); i++ {
		inc := src.Pos[i] - prevIn
		prevIn = src.Pos[i]
		if !isCJKType(src.Type[i]) {
			flush()
			pos += inc
			dst.Add(src.Term(i), int(pos), int(src.Start[i]), int(src.End[i]), src.Type[i])
			lastEnd = -1
			continue
		}
		if src.Start[i] != lastEnd {
			flush()
		}
		term := string(src.Term(i))
		n := utf8.RuneCountInString(term)
		sameLen := int(src.End[i]-src.Start[i]) == len(term) && n > 0
		off := src.Start[i]
		for _, r := range term {
			run = append(run, r)
			if sameLen {
				w := int32(utf8.RuneLen(r))
				runStart = append(runStart, off)
				runEnd = append(runEnd, off+w)
				off += w
			} else {
				runStart = append(runStart, src.Start[i])
				runEnd = append(runEnd, src.End[i])
			}
		}
		lastEnd = src.End[i]
	}
	flush()
}

// foldWidth is CJKWidthFilter: fullwidth ASCII to ASCII, halfwidth
// Katakana to fullwidth, and a halfwidth (semi-)voiced sound mark joined to
// the kana before it when they compose.
func foldWidth(dst []byte, s string) []byte {
	var prev rune = -1
	prevAt := 0
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r >= 0xFF65 && r <= 0xFF9F:
			if (r == 0xFF9E || r == 0xFF9F) && prev >= 0x30A6 && prev <= 0x30FD {
				mark := rune(0x3099)
				if r == 0xFF9F {
					mark = 0x309A
				}
				if c, ok := compose(prev, mark); ok {
					dst = utf8.AppendRune(dst[:prevAt], c)
					prev = c
					continue
				}
			}
			r = halfwidthKana(r)
		}
		prevAt = len(dst)
		dst = utf8.AppendRune(dst, r)
		prev = r
	}
	return dst
}

// halfwidthKana maps a halfwidth Katakana form to its compatibility
// decomposition (a single fullwidth character or combining mark).
func halfwidthKana(r rune) rune {
	var buf [4]byte
	n := utf8.EncodeRune(buf[:], r)
	out := norm.NFKC.Bytes(buf[:n])
	d, _ := utf8.DecodeRune(out)
	return d
}

// compose returns the canonical composition of base and a combining mark.
func compose(base, mark rune) (rune, bool) {
	var buf [8]byte
	n := utf8.EncodeRune(buf[:], base)
	n += utf8.EncodeRune(buf[n:], mark)
	out := norm.NFC.Bytes(buf[:n])
	c, size := utf8.DecodeRune(out)
	return c, size == len(out) && c != base
}
