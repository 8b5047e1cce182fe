package nltk

import (
	"fmt"

	"github.com/fmkit/fmkit/internal/py"
)

// rule is one substitution of NLTKWordTokenizer: a Python pattern and
// its replacement.
type rule struct {
	re   *py.Regexp
	repl string
}

// WordTokenizer is nltk.word_tokenize for English: Punkt sentences, each
// split by NLTKWordTokenizer (the improved Treebank tokenizer).
type WordTokenizer struct {
	sents *SentenceTokenizer
	rules []rule
}

// The substitutions of NLTKWordTokenizer.tokenize, in the order it applies
// them: starting quotes, punctuation, brackets, double dashes; then, with
// a space added at both ends, ending quotes and the MacIntyre
// contractions.
var (
	treebankBefore = [][2]string{
		{"([«“‘„]|[`]+)", ` \1 `},
		{`^"`, "``"},
		{"(``)", ` \1 `},
		{`([ \(\[{<])("|'{2})`, `\1 ` + "``" + ` `},
		{`(?i)(')(?!re|ve|ll|m|t|s|d|n)(\w)\b`, `\1 \2`},
		{`([^\.])(\.)([\]\)}>"'` + "»”’ " + `]*)\s*$`, `\1 \2 \3 `},
		{`([:,])([^\d])`, ` \1 \2`},
		{`([:,])$`, ` \1 `},
		{`\.{2,}`, ` \g<0> `},
		{`[;@#$%&]`, ` \g<0> `},
		{`([^\.])(\.)([\]\)}>"']*)\s*$`, `\1 \2\3 `},
		{`[?!]`, ` \g<0> `},
		{`([^'])' `, `\1 ' `},
		{`[*]`, ` \g<0> `},
		{`[\]\[\(\)\{\}\<\>]`, ` \g<0> `},
		{`--`, ` -- `},
	}
	treebankAfter = [][2]string{
		{"([»”’])", ` \1 `},
		{`''`, ` '' `},
		{`"`, ` '' `},
		{`([^' ])('[sS]|'[mM]|'[dD]|') `, `\1 \2 `},
		{`([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) `, `\1 \2 `},
		{`(?i)\b(can)(?#X)(not)\b`, ` \1 \2 `},
		{`(?i)\b(d)(?#X)('ye)\b`, ` \1 \2 `},
		{`(?i)\b(gim)(?#X)(me)\b`, ` \1 \2 `},
		{`(?i)\b(gon)(?#X)(na)\b`, ` \1 \2 `},
		{`(?i)\b(got)(?#X)(ta)\b`, ` \1 \2 `},
		{`(?i)\b(lem)(?#X)(me)\b`, ` \1 \2 `},
		{`(?i)\b(more)(?#X)('n)\b`, ` \1 \2 `},
		{`(?i)\b(wan)(?#X)(na)(?=\s)`, ` \1 \2 `},
		{`(?i) ('t)(?#X)(is)\b`, ` \1 \2 `},
		{`(?i) ('t)(?#X)(was)\b`, ` \1 \2 `},
	}
)

// NewWordTokenizer returns nltk.word_tokenize over the sentences of s.
func NewWordTokenizer(s *SentenceTokenizer) (*WordTokenizer, error) {
	w := &WordTokenizer{sents: s}
	for _, list := range [][][2]string{treebankBefore, treebankAfter} {
		for _, r := range list {
			re, err := py.Compile(r[0])
			if err != nil {
				return nil, fmt.Errorf("nltk: word tokenizer: %w", err)
			}
			w.rules = append(w.rules, rule{re, r[1]})
		}
	}
	return w, nil
}

// Tokenize is nltk.word_tokenize(text).
func (w *WordTokenizer) Tokenize(text string) ([]string, error) {
	sents, err := w.sents.Tokenize(text)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range sents {
		toks, err := w.treebank(s)
		if err != nil {
			return nil, err
		}
		out = append(out, toks...)
	}
	return out, nil
}

// treebank is NLTKWordTokenizer.tokenize on one sentence.
func (w *WordTokenizer) treebank(s string) ([]string, error) {
	var err error
	for i, r := range w.rules {
		if i == len(treebankBefore) {
			s = " " + s + " "
		}
		if s, err = r.re.Sub(r.repl, s, 0); err != nil {
			return nil, fmt.Errorf("nltk: word tokenizer: %w", err)
		}
	}
	return py.SplitWhitespace(s, -1), nil
}
