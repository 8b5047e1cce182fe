package langdetect

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode"

	"github.com/dlclark/regexp2"

	"github.com/fmkit/fmkit/internal/py"
)

//go:embed profiles.json.gz
var profilesGz []byte

// ErrNoFeatures is returned for a text with no n-gram that any profile
// knows (langdetect's "No features in text").
var ErrNoFeatures = errors.New("langdetect: no features in text")

// Unknown is the answer when no language is more probable than 0.1.
const Unknown = "unknown"

// The constants of langdetect's Detector.
const (
	alphaDefault   = 0.5
	alphaWidth     = 0.05
	iterationLimit = 1000
	probThreshold  = 0.1
	convThreshold  = 0.99999
	baseFreq       = 10000
	trials         = 7
	maxTextLength  = 10000
)

// Detector holds the language profiles.
type Detector struct {
	langs []string
	// probs maps an n-gram to its probability in each language.
	probs      map[string][]float64
	latin1Excl map[rune]bool
	cjk        map[rune]rune
	viLetters  []rune
	viMarks    []rune
	viComposed [][]rune
}

var shared = sync.OnceValues(load)

// New returns the detector over langdetect's 55 profiles. The profiles are
// parsed on the first call and shared, read-only, by every detector.
func New() (*Detector, error) { return shared() }

func load() (*Detector, error) {
	zr, err := gzip.NewReader(bytes.NewReader(profilesGz))
	if err != nil {
		return nil, fmt.Errorf("langdetect: profiles: %w", err)
	}
	var tables struct {
		Profiles []struct {
			Name   string           `json:"name"`
			NWords []float64        `json:"n_words"`
			Freq   map[string]int64 `json:"freq"`
		} `json:"profiles"`
		Latin1Exclude string   `json:"latin1_exclude"`
		CJKClasses    []string `json:"cjk_classes"`
		VIToNormalize string   `json:"vi_to_normalize"`
		VIDmarkClass  string   `json:"vi_dmark_class"`
		VINormalized  []string `json:"vi_normalized"`
	}
	if err := json.NewDecoder(zr).Decode(&tables); err != nil {
		return nil, fmt.Errorf("langdetect: profiles: %w", err)
	}
	d := &Detector{probs: map[string][]float64{}, latin1Excl: map[rune]bool{}, cjk: map[rune]rune{},
		viLetters: []rune(tables.VIToNormalize), viMarks: []rune(tables.VIDmarkClass)}
	n := len(tables.Profiles)
	for i, p := range tables.Profiles {
		if len(p.NWords) != 3 {
			return nil, fmt.Errorf("langdetect: profile %s: %d n_words, expected 3", p.Name, len(p.NWords))
		}
		d.langs = append(d.langs, p.Name)
		for w, f := range p.Freq {
			l := len([]rune(w))
			if l < 1 || l > 3 {
				continue
			}
			v := d.probs[w]
			if v == nil {
				v = make([]float64, n)
				d.probs[w] = v
			}
			v[i] = float64(f) / p.NWords[l-1]
		}
	}
	for _, c := range tables.Latin1Exclude {
		d.latin1Excl[c] = true
	}
	for _, class := range tables.CJKClasses {
		r := []rune(class)
		for _, c := range r {
			d.cjk[c] = r[0]
		}
	}
	for _, s := range tables.VINormalized {
		d.viComposed = append(d.viComposed, []rune(s))
	}
	return d, nil
}

// Languages returns the profile names, in the order of the probabilities.
func (d *Detector) Languages() []string { return append([]string{}, d.langs...) }

// Detect returns the language of text (a profile name such as "en" or
// "zh-cn", or Unknown) as langdetect.detect does when its generator is
// seeded with seed. A text without known n-grams gives ErrNoFeatures.
func (d *Detector) Detect(text string, seed int64) (string, error) {
	probs, err := d.Probabilities(text, seed)
	if err != nil {
		return "", err
	}
	best, bestP := Unknown, 0.0
	for i, p := range probs {
		// Python sorts the languages above the threshold by probability,
		// stably and descending: the first of equal ones wins.
		if p > probThreshold && p > bestP {
			best, bestP = d.langs[i], p
		}
	}
	return best, nil
}

// Probabilities returns the averaged probability of each language
// (indexed as Languages), langdetect's Detector.langprob.
func (d *Detector) Probabilities(text string, seed int64) ([]float64, error) {
	cleaned, err := d.clean(text)
	if err != nil {
		return nil, err
	}
	grams := d.ngrams(cleaned)
	if len(grams) == 0 {
		return nil, ErrNoFeatures
	}
	rnd := newRandom(seed)
	avg := make([]float64, len(d.langs))
	prob := make([]float64, len(d.langs))
	for t := 0; t < trials; t++ {
		for j := range prob {
			prob[j] = 1 / float64(len(d.langs))
		}
		alpha := alphaDefault + rnd.gauss()*alphaWidth
		weight := alpha / baseFreq
		for i := 0; ; i++ {
			word := d.probs[grams[rnd.RandBelow(len(grams))]]
			for j := range prob {
				prob[j] *= weight + word[j]
			}
			if i%5 == 0 && (normalize(prob) > convThreshold || i >= iterationLimit) {
				break
			}
		}
		for j := range avg {
			avg[j] += prob[j] / trials
		}
	}
	return avg, nil
}

// normalize divides by the sum (added left to right, as Python 3.11's sum
// does) and returns the largest probability.
func normalize(prob []float64) float64 {
	sum := 0.0
	for _, p := range prob {
		sum += p
	}
	maxp := 0.0
	for i, p := range prob {
		p /= sum
		if maxp < p {
			maxp = p
		}
		prob[i] = p
	}
	return maxp
}

// urlRe and mailRe are langdetect's URL and e-mail patterns; their
// repeat counts exceed what Go's regexp accepts, so they run on regexp2.
var (
	urlRe  = regexp2.MustCompile(`https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}`, regexp2.None)
	mailRe = regexp2.MustCompile(`[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}`, regexp2.None)
)

// clean is Detector.append and cleaning_text: URLs and addresses become
// spaces, Vietnamese letters take their composed form, runs of spaces
// shrink to one within the first 10000 characters, and when non-Latin
// characters outnumber Latin letters twice the Latin letters go.
func (d *Detector) clean(text string) ([]rune, error) {
	var err error
	if text, err = urlRe.Replace(text, " ", -1, -1); err != nil {
		return nil, fmt.Errorf("langdetect: %w", err)
	}
	if text, err = mailRe.Replace(text, " ", -1, -1); err != nil {
		return nil, fmt.Errorf("langdetect: %w", err)
	}
	r := d.composeVietnamese([]rune(text))
	out := make([]rune, 0, min(len(r), maxTextLength))
	var prev rune = -1
	for _, c := range r[:min(len(r), maxTextLength)] {
		if c != ' ' || prev != ' ' {
			out = append(out, c)
		}
		prev = c
	}
	latin, nonLatin := 0, 0
	for _, c := range out {
		if 'A' <= c && c <= 'z' {
			latin++
		} else if c >= 0x300 {
			// langdetect also means to spare Latin Extended Additional
			// here, but compares a block number with a name, so it never
			// does.
			nonLatin++
		}
	}
	if latin*2 < nonLatin {
		kept := out[:0]
		for _, c := range out {
			if c < 'A' || 'z' < c {
				kept = append(kept, c)
			}
		}
		out = kept
	}
	return out, nil
}

// composeVietnamese is NGram.normalize_vi: a letter followed by a
// combining tone mark becomes the precomposed letter.
func (d *Detector) composeVietnamese(r []rune) []rune {
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); i++ {
		if i+1 < len(r) {
			a, m := indexRune(d.viLetters, r[i]), indexRune(d.viMarks, r[i+1])
			if a >= 0 && m >= 0 {
				out = append(out, d.viComposed[m][a])
				i++
				continue
			}
		}
		out = append(out, r[i])
	}
	return out
}

func indexRune(r []rune, c rune) int {
	for i, x := range r {
		if x == c {
			return i
		}
	}
	return -1
}

// ngrams is _extract_ngrams: the 1-, 2- and 3-grams ending at each
// character, skipping words of capitals, that some profile knows.
func (d *Detector) ngrams(text []rune) []string {
	var out []string
	grams := []rune{' '}
	capital := false
	for _, c := range text {
		c = d.normalize(c)
		last := grams[len(grams)-1]
		if last == ' ' {
			grams = append(grams[:0], ' ')
			capital = false
			if c == ' ' {
				continue
			}
		} else if len(grams) >= 3 {
			grams = append(grams[:0], grams[1:]...)
		}
		grams = append(grams, c)
		if isUpper(c) {
			if isUpper(last) {
				capital = true
			}
		} else {
			capital = false
		}
		if capital {
			continue
		}
		for n := 1; n <= 3 && n <= len(grams); n++ {
			w := string(grams[len(grams)-n:])
			if w != " " && d.probs[w] != nil {
				out = append(out, w)
			}
		}
	}
	return out
}

// isUpper is Python's str.isupper on one character.
func isUpper(c rune) bool { return unicode.IsUpper(c) || unicode.Is(unicode.Other_Uppercase, c) }

// normalize is NGram.normalize: one character per script family.
func (d *Detector) normalize(c rune) rune {
	switch {
	case c <= 0x7f:
		if c < 'A' || ('Z' < c && c < 'a') || 'z' < c {
			return ' '
		}
	case c <= 0xff:
		if d.latin1Excl[c] {
			return ' '
		}
	case 0x180 <= c && c <= 0x24f:
		switch c {
		case 'ș':
			return 'ş'
		case 'ț':
			return 'ţ'
		}
	case 0x2000 <= c && c <= 0x206f:
		return ' '
	case 0x600 <= c && c <= 0x6ff:
		if c == 'ی' {
			return 'ي'
		}
	case 0x1e00 <= c && c <= 0x1eff:
		if c >= 0x1ea0 {
			return 'ể'
		}
	case 0x3040 <= c && c <= 0x309f:
		return 'あ'
	case 0x30a0 <= c && c <= 0x30ff:
		return 'ア'
	case 0x3100 <= c && c <= 0x312f, 0x31a0 <= c && c <= 0x31bf:
		return 'ㄅ'
	case 0x4e00 <= c && c <= 0x9fff:
		if r, ok := d.cjk[c]; ok {
			return r
		}
	case 0xac00 <= c && c <= 0xd7af:
		return '가'
	}
	return c
}

// random is Python's random.Random as langdetect uses it: choice draws
// through _randbelow, and gauss keeps its second value for the next call.
type random struct {
	*py.Random
	next    float64
	hasNext bool
}

func newRandom(seed int64) *random { return &random{Random: py.NewRandom(seed)} }

// gauss is random.gauss(0, 1) (the Box–Muller pair of CPython).
func (r *random) gauss() float64 {
	if r.hasNext {
		r.hasNext = false
		return r.next
	}
	x2pi := r.Float64() * 2 * math.Pi
	g2rad := math.Sqrt(-2 * math.Log(1-r.Float64()))
	r.next, r.hasNext = math.Sin(x2pi)*g2rad, true
	return math.Cos(x2pi) * g2rad
}
