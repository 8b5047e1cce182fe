package nltk

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/dlclark/regexp2"

	"github.com/fmkit/fmkit/internal/py"
)

//go:embed punkt_tab/english
var punktTab embed.FS

// Orthographic context flags: where a word type was seen, and with which
// case of its first letter (beginning, middle or unknown position of a
// sentence; upper or lower case).
const (
	orthoBegUC = 1 << 1
	orthoMidUC = 1 << 2
	orthoUnkUC = 1 << 3
	orthoBegLC = 1 << 4
	orthoMidLC = 1 << 5
	orthoUnkLC = 1 << 6
	orthoUC    = orthoBegUC + orthoMidUC + orthoUnkUC
	orthoLC    = orthoBegLC + orthoMidLC + orthoUnkLC
)

// Params are a trained Punkt model: punkt_tab's four tables.
type Params struct {
	Abbrevs      map[string]bool
	Collocations map[[2]string]bool
	SentStarters map[string]bool
	Ortho        map[string]int
}

// englishParams parses the embedded English tables once; they never change.
var englishParams = sync.OnceValues(func() (*Params, error) { return ReadParams(punktTab, "punkt_tab/english") })

// ReadParams reads the four punkt_tab files of a language folder:
// abbrev_types.txt and sent_starters.txt (one type a line),
// collocations.tab (two types a line, tab-separated) and ortho_context.tab
// (a type and its flags, tab-separated).
func ReadParams(fsys embed.FS, dir string) (*Params, error) {
	p := &Params{Abbrevs: map[string]bool{}, Collocations: map[[2]string]bool{}, SentStarters: map[string]bool{}, Ortho: map[string]int{}}
	read := func(name string, fields int, add func(f []string) error) error {
		f, err := fsys.Open(dir + "/" + name)
		if err != nil {
			return fmt.Errorf("nltk: punkt parameters: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			parts := strings.Split(sc.Text(), "\t")
			if len(parts) != fields {
				return fmt.Errorf("nltk: punkt parameters: %s line %d: %d fields, expected %d", name, line, len(parts), fields)
			}
			if err := add(parts); err != nil {
				return fmt.Errorf("nltk: punkt parameters: %s line %d: %w", name, line, err)
			}
		}
		return sc.Err()
	}
	steps := []error{
		read("abbrev_types.txt", 1, func(f []string) error { p.Abbrevs[f[0]] = true; return nil }),
		read("sent_starters.txt", 1, func(f []string) error { p.SentStarters[f[0]] = true; return nil }),
		read("collocations.tab", 2, func(f []string) error { p.Collocations[[2]string{f[0], f[1]}] = true; return nil }),
		read("ortho_context.tab", 2, func(f []string) error {
			n, err := strconv.Atoi(f[1])
			p.Ortho[f[0]] = n
			return err
		}),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// The regular expressions of NLTK's PunktLanguageVars for the sentence
// end characters . ? and !.
const (
	nonWordChars   = `(?:[)";}\]\*:@'\({\[?!])`
	multiCharPunct = `(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)`
	wordStart      = `[^\("` + "`" + `{\[:;&\#\*@\)}\]\-,]`
)

// SentenceTokenizer is Punkt's sentence splitter (PunktSentenceTokenizer
// with realigned boundaries) over a set of parameters.
type SentenceTokenizer struct {
	p         *Params
	wordRe    *regexp2.Regexp
	periodRe  *regexp2.Regexp
	realignRe *regexp2.Regexp
}

// English returns the tokenizer that nltk.data.load("tokenizers/punkt/english.pickle")
// and nltk.sent_tokenize give under NLTK 3.9.
func English() (*SentenceTokenizer, error) {
	p, err := englishParams()
	if err != nil {
		return nil, err
	}
	return NewSentenceTokenizer(p), nil
}

// NewSentenceTokenizer returns a tokenizer using p.
func NewSentenceTokenizer(p *Params) *SentenceTokenizer {
	return &SentenceTokenizer{
		p: p,
		wordRe: regexp2.MustCompile(`(`+multiCharPunct+`|(?=`+wordStart+`)\S+?(?=\s|$|`+nonWordChars+`|`+multiCharPunct+
			`|,(?=$|\s|`+nonWordChars+`|`+multiCharPunct+`))|\S)`, regexp2.None),
		periodRe:  regexp2.MustCompile(`[\.\?!](?=(?<after_tok>`+nonWordChars+`|\s+(?<next_tok>\S+)))`, regexp2.None),
		realignRe: regexp2.MustCompile(`\A["')\]}]+?(?:\s+|(?=--)|$)`, regexp2.Multiline),
	}
}

// span is a half-open range of code points.
type span struct{ start, stop int }

// Tokenize splits text into sentences, as PunktSentenceTokenizer.tokenize
// does.
func (t *SentenceTokenizer) Tokenize(text string) ([]string, error) {
	r := []rune(text)
	slices, err := t.slicesFromText(r)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range t.realign(r, slices) {
		out = append(out, string(sub(r, s)))
	}
	return out, nil
}

// endContext is a potential sentence end: the match of the period context
// expression and the text around it (the word before, the end character
// and what follows up to the next token).
type endContext struct {
	end, nextTok int // end of the match; start of next_tok or -1
	context      []rune
}

// potentialEnds is _match_potential_end_contexts: each match with the word
// before it, dropping a match whose word overlaps the next match's.
func (t *SentenceTokenizer) potentialEnds(r []rune) ([]endContext, error) {
	var out []endContext
	prev := span{}
	var prevMatch *regexp2.Match
	emit := func(m *regexp2.Match, word span) {
		ctx := append(append([]rune{}, r[word.start:word.stop]...), r[m.Index:m.Index+m.Length]...)
		after := m.GroupByName("after_tok")
		ctx = append(ctx, r[after.Index:after.Index+after.Length]...)
		next := -1
		if g := m.GroupByName("next_tok"); len(g.Captures) > 0 && g.Length > 0 {
			next = g.Index
		}
		out = append(out, endContext{end: m.Index + m.Length, nextTok: next, context: ctx})
	}
	m, err := t.periodRe.FindRunesMatch(r)
	for ; m != nil && err == nil; m, err = t.periodRe.FindNextMatch(m) {
		before := r[prev.stop:m.Index]
		i := lastWhitespace(before)
		if i != 0 {
			i += prev.stop + 1
		} else {
			i = prev.start
		}
		word := span{i, m.Index}
		if prevMatch != nil && prev.stop <= word.start {
			emit(prevMatch, prev)
		}
		prevMatch, prev = m, word
	}
	if err != nil {
		return nil, fmt.Errorf("nltk: punkt: %w", err)
	}
	if prevMatch != nil {
		emit(prevMatch, prev)
	}
	return out, nil
}

// lastWhitespace is the index of the last ASCII whitespace character
// (Python's string.whitespace), or 0 when there is none.
func lastWhitespace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		switch r[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return i
		}
	}
	return 0
}

// slicesFromText is _slices_from_text: a sentence ends at each potential
// end whose context holds a sentence break.
func (t *SentenceTokenizer) slicesFromText(r []rune) ([]span, error) {
	ends, err := t.potentialEnds(r)
	if err != nil {
		return nil, err
	}
	var out []span
	last := 0
	for _, e := range ends {
		brk, err := t.containsSentBreak(e.context)
		if err != nil {
			return nil, err
		}
		if !brk {
			continue
		}
		out = append(out, span{last, e.end})
		if e.nextTok >= 0 {
			last = e.nextTok
		} else {
			last = e.end
		}
	}
	return append(out, span{last, len([]rune(py.RStrip(string(r), nil)))}), nil
}

// realign is _realign_boundaries: closing quotes and brackets after a
// sentence end move into the sentence before.
func (t *SentenceTokenizer) realign(r []rune, slices []span) []span {
	var out []span
	shift := 0
	for i, s1 := range slices {
		s1.start += shift
		if i+1 == len(slices) {
			if len(sub(r, s1)) > 0 {
				out = append(out, s1)
			}
			continue
		}
		s2 := slices[i+1]
		m, _ := t.realignRe.FindRunesMatch(sub(r, s2))
		if m != nil {
			kept := len([]rune(py.RStrip(m.String(), nil)))
			out = append(out, span{s1.start, s2.start + kept})
			shift = m.Index + m.Length
			continue
		}
		shift = 0
		if len(sub(r, s1)) > 0 {
			out = append(out, s1)
		}
	}
	return out
}

// sub is Python's r[s.start:s.stop] for non-negative bounds: clipped to
// the text, empty when start >= stop.
func sub(r []rune, s span) []rune {
	a, b := min(s.start, len(r)), min(s.stop, len(r))
	if a >= b {
		return nil
	}
	return r[a:b]
}

// token is a PunktToken with its annotations.
type token struct {
	tok, typ                             string
	periodFinal                          bool
	sentBreak, abbr, ellipsis, isInitial bool
	firstUpper, firstLower               bool
}

func (t *SentenceTokenizer) newToken(s string) *token {
	r := []rune(s)
	return &token{
		tok:         s,
		typ:         tokenType(s),
		periodFinal: strings.HasSuffix(s, "."),
		isInitial:   len(r) == 2 && r[1] == '.' && IsWordRune(r[0]) && !unicode.IsDigit(r[0]),
		firstUpper:  IsUpperRune(r[0]),
		firstLower:  IsLowerRune(r[0]),
	}
}

// tokenType is PunktToken's type: lower-cased, numbers as ##number##.
func tokenType(s string) string {
	if isNumeric([]rune(s)) {
		return "##number##"
	}
	return Lower(s)
}

// isNumeric matches ^-?[\.,]?\d[\d,\.-]*\.?$ (Python's \d: decimal
// digits).
func isNumeric(r []rune) bool {
	i := 0
	if i < len(r) && r[i] == '-' {
		i++
	}
	if i < len(r) && (r[i] == '.' || r[i] == ',') {
		i++
	}
	if i >= len(r) || !unicode.IsDigit(r[i]) {
		return false
	}
	for i++; i < len(r); i++ {
		if !unicode.IsDigit(r[i]) && r[i] != ',' && r[i] != '.' && r[i] != '-' {
			return false
		}
	}
	return true
}

func (k *token) typeNoPeriod() string {
	if len(k.typ) > 1 && k.typ[len(k.typ)-1] == '.' {
		return k.typ[:len(k.typ)-1]
	}
	return k.typ
}

func (k *token) typeNoSentPeriod() string {
	if k.sentBreak {
		return k.typeNoPeriod()
	}
	return k.typ
}

// words is _tokenize_words: the Punkt word tokens of each non-blank line.
func (t *SentenceTokenizer) words(text []rune) ([]*token, error) {
	var out []*token
	for _, line := range strings.Split(string(text), "\n") {
		if py.Strip(line, nil) == "" {
			continue
		}
		m, err := t.wordRe.FindStringMatch(line)
		for ; m != nil && err == nil; m, err = t.wordRe.FindNextMatch(m) {
			out = append(out, t.newToken(m.String()))
		}
		if err != nil {
			return nil, fmt.Errorf("nltk: punkt: %w", err)
		}
	}
	return out, nil
}

// containsSentBreak is text_contains_sentbreak: some token other than the
// last is annotated as a sentence break.
func (t *SentenceTokenizer) containsSentBreak(text []rune) (bool, error) {
	toks, err := t.words(text)
	if err != nil {
		return false, err
	}
	for _, k := range toks {
		t.firstPass(k)
	}
	for i, k := range toks {
		if i+1 < len(toks) {
			t.secondPass(k, toks[i+1])
		}
	}
	for i, k := range toks {
		if k.sentBreak && i+1 < len(toks) {
			return true, nil
		}
	}
	return false, nil
}

// firstPass marks sentence-end characters, ellipses, known abbreviations
// and other period-final words.
func (t *SentenceTokenizer) firstPass(k *token) {
	switch {
	case k.tok == "." || k.tok == "?" || k.tok == "!":
		k.sentBreak = true
	case isEllipsis(k.tok):
		k.ellipsis = true
	case k.periodFinal && !strings.HasSuffix(k.tok, ".."):
		w := Lower(k.tok[:len(k.tok)-1])
		parts := strings.Split(w, "-")
		if t.p.Abbrevs[w] || t.p.Abbrevs[parts[len(parts)-1]] {
			k.abbr = true
		} else {
			k.sentBreak = true
		}
	}
}

// isEllipsis matches \.\.+$ at the start of the token.
func isEllipsis(s string) bool {
	return len(s) >= 2 && strings.Trim(s, ".") == ""
}

// secondPass is _second_pass_annotation: the collocation, orthographic and
// frequent-sentence-starter heuristics for a period-final token k1
// followed by k2.
func (t *SentenceTokenizer) secondPass(k1, k2 *token) {
	if !k1.periodFinal {
		return
	}
	typ, next := k1.typeNoPeriod(), k2.typeNoSentPeriod()
	if t.p.Collocations[[2]string{typ, next}] {
		k1.sentBreak, k1.abbr = false, true
		return
	}
	if (k1.abbr || k1.ellipsis) && !k1.isInitial {
		if t.ortho(k2) == orthoYes {
			k1.sentBreak = true
			return
		}
		if k2.firstUpper && t.p.SentStarters[next] {
			k1.sentBreak = true
			return
		}
	}
	if k1.isInitial || typ == "##number##" {
		h := t.ortho(k2)
		if h == orthoNo {
			k1.sentBreak, k1.abbr = false, true
			return
		}
		if h == orthoUnknown && k1.isInitial && k2.firstUpper && t.p.Ortho[next]&orthoLC == 0 {
			k1.sentBreak, k1.abbr = false, true
		}
	}
}

type orthoVerdict int

const (
	orthoUnknown orthoVerdict = iota
	orthoYes
	orthoNo
)

// ortho is _ortho_heuristic: whether k starts a sentence, judged from the
// cases its type was seen with in training.
func (t *SentenceTokenizer) ortho(k *token) orthoVerdict {
	if len(k.tok) == 1 && strings.ContainsAny(k.tok, ";:,.!?") {
		return orthoNo
	}
	ctx := t.p.Ortho[k.typeNoSentPeriod()]
	if k.firstUpper && ctx&orthoLC != 0 && ctx&orthoMidUC == 0 {
		return orthoYes
	}
	if k.firstLower && (ctx&orthoUC != 0 || ctx&orthoBegLC == 0) {
		return orthoNo
	}
	return orthoUnknown
}
