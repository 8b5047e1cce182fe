package ifeval

import (
	"encoding/json"
	"strings"

	"github.com/fmkit/fmkit/eval/ifeval/internal/nltk"
	"github.com/fmkit/fmkit/internal/py"
)

// A check decides whether one response follows one instruction.
type check func(c *Checker, response string) (bool, error)

// builders maps each instruction id of lm-eval's INSTRUCTION_DICT to the
// function that reads its arguments and returns its check.
var builders = map[string]func(a *args) (check, error){
	"keywords:existence":                            keywordsExistence,
	"keywords:frequency":                            keywordFrequency,
	"keywords:forbidden_words":                      forbiddenWords,
	"keywords:letter_frequency":                     letterFrequency,
	"language:response_language":                    responseLanguage,
	"length_constraints:number_sentences":           numberSentences,
	"length_constraints:number_paragraphs":          numberParagraphs,
	"length_constraints:number_words":               numberWords,
	"length_constraints:nth_paragraph_first_word":   nthParagraphFirstWord,
	"detectable_content:number_placeholders":        numberPlaceholders,
	"detectable_content:postscript":                 postscript,
	"detectable_format:number_bullet_lists":         bulletLists,
	"detectable_format:constrained_response":        constrainedResponse,
	"detectable_format:number_highlighted_sections": highlightedSections,
	"detectable_format:multiple_sections":           multipleSections,
	"detectable_format:json_format":                 jsonFormat,
	"detectable_format:title":                       title,
	"combination:two_responses":                     twoResponses,
	"combination:repeat_prompt":                     repeatPrompt,
	"startend:end_checker":                          endChecker,
	"change_case:capital_word_frequency":            capitalWordFrequency,
	"change_case:english_capital":                   englishCase(nltk.IsUpper),
	"change_case:english_lowercase":                 englishCase(nltk.IsLower),
	"punctuation:no_comma":                          noComma,
	"startend:quotation":                            quotation,
}

// compile compiles a Python pattern built from an argument.
func (a *args) compile(name, pattern string) (*py.Regexp, error) {
	re, err := py.Compile(pattern)
	if err != nil {
		return nil, a.errorf(name, "%v", err)
	}
	return re, nil
}

// count is len(re.findall(re, s)).
func count(re *py.Regexp, s string) (int, error) {
	m, err := re.FindAll(s)
	return len(m), err
}

// keywordsExistence: every keyword (a Python pattern) occurs, case
// ignored.
func keywordsExistence(a *args) (check, error) {
	kws, err := a.strings("keywords")
	if err != nil {
		return nil, err
	}
	var res []*py.Regexp
	for _, k := range kws {
		re, err := a.compile("keywords", "(?i)"+k)
		if err != nil {
			return nil, err
		}
		res = append(res, re)
	}
	return func(_ *Checker, s string) (bool, error) {
		for _, re := range res {
			if ok, err := re.Search(s); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}, nil
}

// keywordFrequency: the keyword's matches, case ignored, compared with a
// frequency.
func keywordFrequency(a *args) (check, error) {
	kw, err := a.str("keyword")
	if err != nil {
		return nil, err
	}
	freq, err := a.number("frequency")
	if err != nil {
		return nil, err
	}
	less, err := a.relation("relation")
	if err != nil {
		return nil, err
	}
	re, err := a.compile("keyword", "(?i)"+py.Strip(kw, nil))
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		n, err := count(re, s)
		return compare(less, float64(n), freq), err
	}, nil
}

// forbiddenWords: no forbidden word occurs between word boundaries, case
// ignored.
func forbiddenWords(a *args) (check, error) {
	words, err := a.strings("forbidden_words")
	if err != nil {
		return nil, err
	}
	var res []*py.Regexp
	for _, w := range words {
		re, err := a.compile("forbidden_words", `(?i)\b`+w+`\b`)
		if err != nil {
			return nil, err
		}
		res = append(res, re)
	}
	return func(_ *Checker, s string) (bool, error) {
		for _, re := range res {
			if found, err := re.Search(s); err != nil || found {
				return false, err
			}
		}
		return true, nil
	}, nil
}

// letterFrequency: occurrences of a letter in the lower-cased response,
// compared with a frequency.
//
// lm-eval replaces a missing letter, or one that is not a single ASCII
// letter (the IFEval data asks for "#" and "!"), by random.choice(string.ascii_letters) from its
// process-wide generator, whose state depends on the whole run; the port
// draws that choice from random.Random(0), as if the generator had just
// been seeded with 0.
func letterFrequency(a *args) (check, error) {
	letter := ""
	if _, ok := a.vals["letter"]; ok {
		var err error
		if letter, err = a.str("letter"); err != nil {
			return nil, err
		}
	}
	r := []rune(letter)
	if len(r) == 1 {
		if lr := []rune(nltk.Lower(letter)); len(lr) != 1 {
			return nil, a.errorf("letter", "%q lower-cases to %d characters (a TypeError in lm-eval)", letter, len(lr))
		}
	}
	if len(r) != 1 || []rune(nltk.Lower(letter))[0] < 'a' || []rune(nltk.Lower(letter))[0] > 'z' {
		const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		letter = string(asciiLetters[py.NewRandom(0).RandBelow(len(asciiLetters))])
	} else {
		letter = py.Strip(letter, nil)
	}
	letter = nltk.Lower(letter)
	freq, err := a.number("let_frequency")
	if err != nil {
		return nil, err
	}
	less, err := a.relation("let_relation")
	if err != nil {
		return nil, err
	}
	want := []rune(letter)[0]
	return func(_ *Checker, s string) (bool, error) {
		n := 0
		for _, c := range nltk.Lower(s) {
			if c == want {
				n++
			}
		}
		return compare(less, float64(n), freq), nil
	}, nil
}

// languages are the ISO 639-1 codes that lm-eval's LANGUAGE_CODES names;
// building the instruction for any other code is a KeyError there.
var languages = map[string]bool{
	"en": true, "es": true, "pt": true, "ar": true, "hi": true, "fr": true, "ru": true, "de": true,
	"ja": true, "it": true, "bn": true, "uk": true, "th": true, "ur": true, "ta": true, "te": true,
	"bg": true, "ko": true, "pl": true, "he": true, "fa": true, "vi": true, "ne": true, "sw": true,
	"kn": true, "mr": true, "gu": true, "pa": true, "ml": true, "fi": true,
}

// responseLanguage: langdetect names the language; a text it cannot judge
// counts as following.
func responseLanguage(a *args) (check, error) {
	lang, err := a.str("language")
	if err != nil {
		return nil, err
	}
	if !languages[lang] {
		return nil, a.errorf("language", "%q is not one of lm-eval's 30 language codes", lang)
	}
	return func(c *Checker, s string) (bool, error) {
		got, ok, err := c.detect(s)
		return !ok || got == lang, err
	}, nil
}

// numberSentences: Punkt's sentence count compared with a threshold.
func numberSentences(a *args) (check, error) {
	n, err := a.number("num_sentences")
	if err != nil {
		return nil, err
	}
	less, err := a.relation("relation")
	if err != nil {
		return nil, err
	}
	return func(c *Checker, s string) (bool, error) {
		sents, err := c.sents.Tokenize(s)
		return compare(less, float64(len(sents)), n), err
	}, nil
}

var (
	paragraphDivider = mustCompile(`\s?\*\*\*\s?`)
	blankLine        = mustCompile(`\n\n`)
	placeholder      = mustCompile(`\[.*?\]`)
	starBullet       = mustCompile(`(?m)^\s*\*[^\*].*$`)
	dashBullet       = mustCompile(`(?m)^\s*-.*$`)
	highlight        = mustCompile(`\*[^\n\*]*\*`)
	doubleHighlight  = mustCompile(`\*\*[^\n\*]*\*\*`)
	titleRe          = mustCompile(`<<[^\n]+>>`)
)

func mustCompile(p string) *py.Regexp {
	re, err := py.Compile(p)
	if err != nil {
		panic(err)
	}
	return re
}

// numberParagraphs: paragraphs between *** dividers; an empty one is
// allowed only at either end.
func numberParagraphs(a *args) (check, error) {
	want, err := a.number("num_paragraphs")
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		paras, err := paragraphDivider.Split(s)
		if err != nil {
			return false, err
		}
		n := len(paras)
		for i, p := range paras {
			if py.Strip(p, nil) == "" {
				if i == 0 || i == len(paras)-1 {
					n--
				} else {
					return false, nil
				}
			}
		}
		return float64(n) == want, nil
	}, nil
}

// numberWords: the \w+ count compared with a threshold.
func numberWords(a *args) (check, error) {
	n, err := a.number("num_words")
	if err != nil {
		return nil, err
	}
	less, err := a.relation("relation")
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		return compare(less, float64(nltk.CountWords(s)), n), nil
	}, nil
}

// nthParagraphFirstWord: the number of non-blank paragraphs (separated by
// blank lines) and the first word of the nth.
func nthParagraphFirstWord(a *args) (check, error) {
	want, err := a.number("num_paragraphs")
	if err != nil {
		return nil, err
	}
	nth, err := a.integer("nth_paragraph")
	if err != nil {
		return nil, err
	}
	if nth <= 0 || float64(nth) > want {
		return nil, a.errorf("nth_paragraph", "%d, expected 1 to num_paragraphs (lm-eval would draw one at random)", nth)
	}
	first, err := a.str("first_word")
	if err != nil {
		return nil, err
	}
	first = nltk.Lower(first)
	return func(_ *Checker, s string) (bool, error) {
		paras, err := blankLine.Split(s)
		if err != nil {
			return false, err
		}
		n := len(paras)
		for _, p := range paras {
			if py.Strip(p, nil) == "" {
				n--
			}
		}
		if nth > int64(n) {
			return false, nil
		}
		p := py.Strip(paras[nth-1], nil)
		if p == "" {
			return false, nil
		}
		word := py.Strip(py.SplitWhitespace(p, -1)[0], nil)
		word = strings.TrimLeft(strings.TrimLeft(word, "'"), `"`)
		var got strings.Builder
		for _, c := range word {
			if strings.ContainsRune(`.,?!'"`, c) {
				break
			}
			got.WriteString(nltk.Lower(string(c)))
		}
		return float64(n) == want && got.String() == first, nil
	}, nil
}

// numberPlaceholders: at least n [bracketed] placeholders.
func numberPlaceholders(a *args) (check, error) {
	n, err := a.number("num_placeholders")
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		got, err := count(placeholder, s)
		return float64(got) >= n, err
	}, nil
}

// postscript: a line of the lower-cased response starts (after spaces)
// with the marker.
func postscript(a *args) (check, error) {
	marker, err := a.str("postscript_marker")
	if err != nil {
		return nil, err
	}
	marker = py.Strip(marker, nil)
	var pattern string
	switch marker {
	case "P.P.S":
		pattern = `(?m)\s*p\.\s?p\.\s?s.*$`
	case "P.S.":
		pattern = `(?m)\s*p\.\s?s\..*$`
	default:
		pattern = `(?m)\s*` + nltk.Lower(marker) + `.*$`
	}
	re, err := a.compile("postscript_marker", pattern)
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		n, err := count(re, nltk.Lower(s))
		return n > 0, err
	}, nil
}

// bulletLists: exactly n lines that start with "*" or "-" bullets.
func bulletLists(a *args) (check, error) {
	want, err := a.number("num_bullets")
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		stars, err := count(starBullet, s)
		if err != nil {
			return false, err
		}
		dashes, err := count(dashBullet, s)
		return float64(stars+dashes) == want, err
	}, nil
}

// constrainedResponse: one of "My answer is yes/no/maybe." occurs.
func constrainedResponse(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) {
		s = py.Strip(s, nil)
		for _, opt := range []string{"My answer is yes.", "My answer is no.", "My answer is maybe."} {
			if strings.Contains(s, opt) {
				return true, nil
			}
		}
		return false, nil
	}, nil
}

// highlightedSections: at least n non-blank *highlighted* or
// **highlighted** spans (a double one counts under both patterns).
func highlightedSections(a *args) (check, error) {
	want, err := a.number("num_highlights")
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		singles, err := highlight.FindAll(s)
		if err != nil {
			return false, err
		}
		doubles, err := doubleHighlight.FindAll(s)
		if err != nil {
			return false, err
		}
		star := "*"
		n := 0
		for _, h := range singles {
			if py.Strip(py.Strip(h.(string), &star), nil) != "" {
				n++
			}
		}
		for _, h := range doubles {
			inner := strings.TrimSuffix(strings.TrimPrefix(h.(string), "**"), "**")
			if py.Strip(inner, nil) != "" {
				n++
			}
		}
		return float64(n) >= want, nil
	}, nil
}

// multipleSections: at least n sections opened by the splitter (a Python
// pattern) and a number.
func multipleSections(a *args) (check, error) {
	splitter, err := a.str("section_spliter")
	if err != nil {
		return nil, err
	}
	want, err := a.number("num_sections")
	if err != nil {
		return nil, err
	}
	re, err := a.compile("section_spliter", `\s?`+py.Strip(splitter, nil)+`\s?\d+\s?`)
	if err != nil {
		return nil, err
	}
	return func(_ *Checker, s string) (bool, error) {
		parts, err := re.Split(s)
		return float64(len(parts)-1) >= want, err
	}, nil
}

// jsonFormat: the response, without a Markdown code fence, is JSON that
// Python's json.loads accepts.
func jsonFormat(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) {
		s = py.Strip(s, nil)
		for _, fence := range []string{"```json", "```Json", "```JSON", "```"} {
			s = strings.TrimPrefix(s, fence)
		}
		s = py.Strip(strings.TrimSuffix(s, "```"), nil)
		return json.Valid([]byte(pythonJSONConstants(s))), nil
	}, nil
}

// pythonJSONConstants replaces NaN, Infinity and -Infinity outside strings
// (which json.loads accepts) by null, which is valid where they are and
// invalid where they are not (after a sign or a digit, or before a
// letter), so that json.Valid then judges as json.loads does.
func pythonJSONConstants(s string) string {
	if !strings.Contains(s, "NaN") && !strings.Contains(s, "Infinity") {
		return s
	}
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			b.WriteByte(c)
			switch c {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			b.WriteByte(c)
		case strings.HasPrefix(s[i:], "-Infinity"):
			b.WriteString("null")
			i += len("-Infinity") - 1
		case strings.HasPrefix(s[i:], "Infinity"):
			b.WriteString("null")
			i += len("Infinity") - 1
		case strings.HasPrefix(s[i:], "NaN"):
			b.WriteString("null")
			i += len("NaN") - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// title: some <<title>> on one line with a non-blank inside.
func title(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) {
		titles, err := titleRe.FindAll(s)
		if err != nil {
			return false, err
		}
		lt, gt := "<", ">"
		for _, t := range titles {
			if py.Strip(py.RStrip(py.LStrip(t.(string), &lt), &gt), nil) != "" {
				return true, nil
			}
		}
		return false, nil
	}, nil
}

// twoResponses: exactly two different non-blank responses separated by
// ******; a blank one only at either end.
func twoResponses(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) {
		parts := strings.Split(s, "******")
		var valid []string
		for i, p := range parts {
			if py.Strip(p, nil) == "" {
				if i != 0 && i != len(parts)-1 {
					return false, nil
				}
				continue
			}
			valid = append(valid, p)
		}
		return len(valid) == 2 && py.Strip(valid[0], nil) != py.Strip(valid[1], nil), nil
	}, nil
}

// repeatPrompt: the response starts with the prompt, case ignored.
func repeatPrompt(a *args) (check, error) {
	prompt, err := a.str("prompt_to_repeat")
	if err != nil {
		return nil, err
	}
	want := nltk.Lower(py.Strip(prompt, nil))
	return func(_ *Checker, s string) (bool, error) {
		return strings.HasPrefix(nltk.Lower(py.Strip(s, nil)), want), nil
	}, nil
}

// endChecker: the response, without surrounding double quotes, ends with
// the phrase, case ignored.
func endChecker(a *args) (check, error) {
	phrase, err := a.str("end_phrase")
	if err != nil {
		return nil, err
	}
	want := nltk.Lower(py.Strip(py.Strip(phrase, nil), nil))
	quote := `"`
	return func(_ *Checker, s string) (bool, error) {
		return strings.HasSuffix(nltk.Lower(py.Strip(py.Strip(s, nil), &quote)), want), nil
	}, nil
}

// capitalWordFrequency: nltk.word_tokenize's all-capital words compared
// with a frequency.
func capitalWordFrequency(a *args) (check, error) {
	freq, err := a.num("capital_frequency", true)
	if err != nil {
		return nil, err
	}
	less, err := a.relation("capital_relation")
	if err != nil {
		return nil, err
	}
	return func(c *Checker, s string) (bool, error) {
		words, err := c.words.Tokenize(s)
		if err != nil {
			return false, err
		}
		n := 0
		for _, w := range words {
			if nltk.IsUpper(w) {
				n++
			}
		}
		return compare(less, float64(n), freq), nil
	}, nil
}

// englishCase: the response is all upper (or lower) case and langdetect
// says English; a text it cannot judge counts as English.
func englishCase(isCase func(string) bool) func(*args) (check, error) {
	return func(*args) (check, error) {
		return func(c *Checker, s string) (bool, error) {
			if !isCase(s) {
				return false, nil
			}
			got, ok, err := c.detect(s)
			return !ok || got == "en", err
		}, nil
	}
}

// noComma: no comma at all.
func noComma(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) { return !strings.Contains(s, ","), nil }, nil
}

// quotation: the stripped response is wrapped in double quotes.
func quotation(*args) (check, error) {
	return func(_ *Checker, s string) (bool, error) {
		r := []rune(py.Strip(s, nil))
		return len(r) > 1 && r[0] == '"' && r[len(r)-1] == '"', nil
	}, nil
}
