// Package analysis turns text into the terms a search index stores,
// reproducing Lucene 4.10's analyzers token for token.
//
// The analyzers are:
//
//   - english: StandardTokenizer (Unicode word boundaries, UAX #29 as of
//     Unicode 6.3), English possessive filter, lowercase, Lucene's English
//     stop set, Porter stemmer; Lucene's EnglishAnalyzer.
//   - standard: StandardTokenizer and lowercase, with no stop words and no
//     stemming.
//   - whitespace: runs of non-space characters, unchanged.
//   - cjk: Lucene's CJKAnalyzer: StandardTokenizer, width folding,
//     lowercase, overlapping bigrams of Han, Hiragana, Katakana and Hangul,
//     and its stop set.
//   - tokenizer:PATH: the tokens of a Hugging Face tokenizer.json.
//
// An Analyzer writes into a reusable Tokens value, so analysing a document
// allocates nothing once the buffers have grown.
package analysis

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// TokenType is the lexical kind of a token, named as Lucene names it.
type TokenType uint8

// Token types. The first seven come from the StandardTokenizer; Single and
// Double from the CJK bigram filter; Word from the whitespace tokenizer.
const (
	TypeAlphanum TokenType = iota + 1
	TypeNum
	TypeSoutheastAsian
	TypeIdeographic
	TypeHiragana
	TypeKatakana
	TypeHangul
	TypeSingle
	TypeDouble
	TypeWord
)

var typeNames = [...]string{
	TypeAlphanum:       "<ALPHANUM>",
	TypeNum:            "<NUM>",
	TypeSoutheastAsian: "<SOUTHEAST_ASIAN>",
	TypeIdeographic:    "<IDEOGRAPHIC>",
	TypeHiragana:       "<HIRAGANA>",
	TypeKatakana:       "<KATAKANA>",
	TypeHangul:         "<HANGUL>",
	TypeSingle:         "<SINGLE>",
	TypeDouble:         "<DOUBLE>",
	TypeWord:           "word",
}

// String returns Lucene's name of the type, such as "<ALPHANUM>".
func (t TokenType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("TokenType(%d)", t)
}

// Tokens is the output of an Analyzer: parallel slices, one entry per
// token. Reuse one Tokens for many calls to avoid allocation.
type Tokens struct {
	terms []byte
	ends  []int32
	// Pos is the position of each token, counting from 0; removed tokens
	// (stop words, over-long runs) leave gaps, as Lucene's position
	// increments do.
	Pos []int32
	// Start and End are each token's byte offsets in the analysed text.
	Start, End []int32
	// Type is each token's lexical type.
	Type []TokenType
}

// Len returns the number of tokens.
func (t *Tokens) Len() int { return len(t.ends) }

// Term returns the i'th term. It aliases t's buffer and stays valid until
// the next Reset.
func (t *Tokens) Term(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.terms[start:t.ends[i]]
}

// Reset empties t, keeping its buffers.
func (t *Tokens) Reset() {
	t.terms = t.terms[:0]
	t.ends = t.ends[:0]
	t.Pos = t.Pos[:0]
	t.Start = t.Start[:0]
	t.End = t.End[:0]
	t.Type = t.Type[:0]
}

// Add appends a token.
func (t *Tokens) Add(term []byte, pos, start, end int, typ TokenType) {
	t.terms = append(t.terms, term...)
	t.ends = append(t.ends, int32(len(t.terms)))
	t.Pos = append(t.Pos, int32(pos))
	t.Start = append(t.Start, int32(start))
	t.End = append(t.End, int32(end))
	t.Type = append(t.Type, typ)
}

func (t *Tokens) addString(term string, pos, start, end int, typ TokenType) {
	t.terms = append(t.terms, term...)
	t.ends = append(t.ends, int32(len(t.terms)))
	t.Pos = append(t.Pos, int32(pos))
	t.Start = append(t.Start, int32(start))
	t.End = append(t.End, int32(end))
	t.Type = append(t.Type, typ)
}

// Analyzer turns text into terms. The analyzers of this package are safe
// for concurrent use.
type Analyzer interface {
	// Analyze resets dst and fills it with the tokens of text.
	Analyze(dst *Tokens, text string)
	// Name returns the name New accepts for this analyzer.
	Name() string
}

// builtins are the analyzers New makes from a name alone, in the order
// messages and help texts list them. A new analyzer is one entry here.
var builtins = []struct {
	name string
	make func() Analyzer
}{
	{"english", func() Analyzer { return NewEnglish() }},
	{"standard", func() Analyzer { return &Standard{} }},
	{"whitespace", func() Analyzer { return Whitespace{} }},
	{"cjk", func() Analyzer { return &CJK{} }},
}

// TokenizerPrefix starts the name of an analyzer that splits text with a
// Hugging Face tokenizer: "tokenizer:" followed by the tokenizer.json path.
const TokenizerPrefix = "tokenizer:"

// New returns the analyzer called name: one of Names, with PATH the path of
// a tokenizer.json.
func New(name string) (Analyzer, error) {
	for _, b := range builtins {
		if b.name == name {
			return b.make(), nil
		}
	}
	if path, ok := strings.CutPrefix(name, TokenizerPrefix); ok && path != "" {
		return NewTokenizer(path)
	}
	return nil, fmt.Errorf("analysis: unknown analyzer %q (want %s)", name, NamesText())
}

// Names returns the names New accepts: the built-in analyzers, then
// "tokenizer:PATH".
func Names() []string {
	names := make([]string, 0, len(builtins)+1)
	for _, b := range builtins {
		names = append(names, b.name)
	}
	return append(names, TokenizerPrefix+"PATH")
}

// NamesText returns Names as a phrase for messages and help texts:
// "english, standard, whitespace, cjk or tokenizer:PATH".
func NamesText() string {
	names := Names()
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ValidName reports whether name is one New accepts, without reading a
// tokenizer: a "tokenizer:" name needs only a non-empty path.
func ValidName(name string) bool {
	for _, b := range builtins {
		if b.name == name {
			return true
		}
	}
	path, ok := strings.CutPrefix(name, TokenizerPrefix)
	return ok && path != ""
}

// englishStopWords is Lucene's English stop set (StopAnalyzer.ENGLISH_STOP_WORDS_SET).
var englishStopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"but": true, "by": true, "for": true, "if": true, "in": true, "into": true, "is": true,
	"it": true, "no": true, "not": true, "of": true, "on": true, "or": true, "such": true,
	"that": true, "the": true, "their": true, "then": true, "there": true, "these": true,
	"they": true, "this": true, "to": true, "was": true, "will": true, "with": true,
}

// IsEnglishStopWord reports whether term is in Lucene's English stop set.
func IsEnglishStopWord(term []byte) bool { return englishStopWords[string(term)] }

// English is Lucene 4.10's EnglishAnalyzer.
type English struct{}

// NewEnglish returns the english analyzer.
func NewEnglish() *English { return &English{} }

// Name returns "english".
func (*English) Name() string { return "english" }

// Analyze implements Analyzer.
func (*English) Analyze(dst *Tokens, text string) {
	dst.Reset()
	d := standardDFA()
	var scratch [64]byte
	var units []uint16
	pos := -1
	for p := 0; ; {
		start, end, typ, ok := nextStandardToken(d, text, p)
		if !ok {
			return
		}
		p = end
		pos++
		term := possessive(text[start:end])
		buf := lowerInto(scratch[:0], term)
		if englishStopWords[string(buf)] {
			continue
		}
		buf, units = stemInPlace(buf, units)
		dst.Add(buf, pos, start, end, typ)
	}
}

// possessive strips a trailing 's (with ', U+2019 or U+FF07) as Lucene's
// EnglishPossessiveFilter does.
func possessive(t string) string {
	n := len(t)
	if n < 2 || (t[n-1] != 's' && t[n-1] != 'S') {
		return t
	}
	switch {
	case t[n-2] == '\'':
		return t[:n-2]
	case strings.HasSuffix(t[:n-1], "\u2019"), strings.HasSuffix(t[:n-1], "\uFF07"):
		return t[:n-1-3]
	}
	return t
}

// lowerInto appends the lowercase form of s to dst, code point by code
// point as Java's Character.toLowerCase(int) does.
func lowerInto(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			for _, r := range s[i:] {
				dst = utf8.AppendRune(dst, unicode.ToLower(r))
			}
			return dst
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}

// stemInPlace Porter-stems the lowercase term in buf. Non-ASCII terms are
// stemmed over their UTF-16 code units, as Lucene does; units is scratch.
func stemInPlace(buf []byte, units []uint16) ([]byte, []uint16) {
	ascii := true
	for _, b := range buf {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return buf[:porterStem(buf)], units
	}
	units = units[:0]
	for _, r := range string(buf) {
		units = utf16.AppendRune(units, r)
	}
	n := porterStem(units)
	buf = buf[:0]
	for _, r := range utf16.Decode(units[:n]) {
		buf = utf8.AppendRune(buf, r)
	}
	return buf, units
}

// Standard is StandardTokenizer followed by lowercasing: Unicode words, no
// stop words, no stemming.
type Standard struct{}

// Name returns "standard".
func (*Standard) Name() string { return "standard" }

// Analyze implements Analyzer.
func (*Standard) Analyze(dst *Tokens, text string) {
	dst.Reset()
	d := standardDFA()
	var scratch [64]byte
	pos := -1
	for p := 0; ; {
		start, end, typ, ok := nextStandardToken(d, text, p)
		if !ok {
			return
		}
		p = end
		pos++
		dst.Add(lowerInto(scratch[:0], text[start:end]), pos, start, end, typ)
	}
}

// Whitespace splits text at white space (unicode.IsSpace) and keeps the
// pieces unchanged, cutting pieces longer than 255 UTF-16 code units as
// Lucene's CharTokenizer does.
type Whitespace struct{}

// Name returns "whitespace".
func (Whitespace) Name() string { return "whitespace" }

// Analyze implements Analyzer.
func (Whitespace) Analyze(dst *Tokens, text string) {
	dst.Reset()
	pos := 0
	start, units := -1, 0
	flush := func(end int) {
		if start >= 0 {
			dst.addString(text[start:end], pos, start, end, TypeWord)
			pos++
			start, units = -1, 0
		}
	}
	for i, r := range text {
		if unicode.IsSpace(r) {
			flush(i)
			continue
		}
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if start >= 0 && units+u > maxTokenUnits {
			flush(i)
		}
		if start < 0 {
			start = i
		}
		units += u
	}
	flush(len(text))
}
