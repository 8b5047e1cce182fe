package pinkelephant

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrEmptyEntity is returned (wrapped) for an entity without a name: a
// matcher for it would match nothing, which would make every response look
// compliant.
var ErrEmptyEntity = errors.New("pinkelephant: entity name is empty")

// Match is one mention found in a text. Start and End are byte offsets into
// the normalized text (see Normalize), and Text is the matched part of it.
type Match struct {
	Start, End int
	Text       string
}

// Matcher finds mentions of one entity, given by its name and aliases, in
// free text. A mention is any of the names or their variants, compared
// after Normalize (so case, accents and curly apostrophes do not matter),
// standing as a word of its own: a name inside a longer word ("apple" in
// "pineapple", "Java" in "JavaScript") is no mention. The variants are the
// plural of the last word (s, es, and y→ies after a consonant) and the
// possessives ('s, and a bare ' after s); inside a name, a space matches
// any run of spaces or hyphens and a hyphen matches a hyphen, spaces or
// nothing ("Coca-Cola", "Coca Cola", "CocaCola").
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	names []string
	re    *regexp.Regexp
}

// NewMatcher returns a matcher for an entity called name, also known by
// aliases. Empty aliases are ignored; an empty name is an error.
func NewMatcher(name string, aliases ...string) (*Matcher, error) {
	if strings.TrimFunc(name, isSeparator) == "" {
		return nil, fmt.Errorf("%w: %q", ErrEmptyEntity, name)
	}
	var forms []string
	var names []string
	for _, n := range append([]string{name}, aliases...) {
		n = Normalize(strings.TrimSpace(n))
		if n == "" || slices.Contains(names, n) {
			continue
		}
		names = append(names, n)
		forms = append(forms, variants(n)...)
	}
	// Longest first, so that the alternation prefers "nikes'" to "nike"
	// at the same position (RE2 alternation is leftmost-first).
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	parts := make([]string, 0, len(forms))
	seen := map[string]bool{}
	for _, f := range forms {
		if strings.TrimFunc(f, isSeparator) == "" {
			// A name of hyphens alone would match between any two
			// characters.
			continue
		}
		p := formPattern(f)
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: %q has nothing to match but hyphens and spaces", ErrEmptyEntity, name)
	}
	re, err := regexp.Compile("(?:" + strings.Join(parts, "|") + ")")
	if err != nil {
		return nil, fmt.Errorf("pinkelephant: entity %q: %w", name, err)
	}
	return &Matcher{names: names, re: re}, nil
}

// Names returns the normalized names the matcher looks for.
func (m *Matcher) Names() []string { return slices.Clone(m.names) }

// Mentions reports whether text mentions the entity.
func (m *Matcher) Mentions(text string) bool { return len(m.find(Normalize(text), 1)) > 0 }

// Find returns every mention of the entity in text, in order.
func (m *Matcher) Find(text string) []Match { return m.find(Normalize(text), -1) }

func (m *Matcher) find(s string, limit int) []Match {
	var out []Match
	for pos := 0; pos <= len(s) && (limit < 0 || len(out) < limit); {
		loc := m.re.FindStringIndex(s[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		if end > start && standsAlone(s, start, end) {
			out = append(out, Match{Start: start, End: end, Text: s[start:end]})
			pos = end
			continue
		}
		// A rejected candidate may overlap an acceptable one that starts
		// later: retry one character on.
		_, size := utf8.DecodeRuneInString(s[start:])
		pos = start + max(size, 1)
	}
	return out
}

// standsAlone reports whether s[start:end] is not part of a longer word:
// no letter, digit or underscore touches it on either side. Names that
// begin or end with punctuation ("C++", ".NET") are bounded by that
// punctuation itself.
func standsAlone(s string, start, end int) bool {
	if start > 0 && isWordRune(lastRune(s[:start])) && isWordRune(firstRuneOnly(s[start:end])) {
		return false
	}
	if end < len(s) && isWordRune(firstRuneOnly(s[end:])) && isWordRune(lastRune(s[start:end])) {
		return false
	}
	return true
}

// isSeparator reports the characters that join the words of a name.
func isSeparator(r rune) bool { return r == '-' || unicode.IsSpace(r) }

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func firstRuneOnly(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

func lastRune(s string) rune { r, _ := utf8.DecodeLastRuneInString(s); return r }

// variants returns a normalized name with its plural and possessive forms.
func variants(n string) []string {
	out := []string{n}
	last := lastRune(n)
	if !unicode.IsLetter(last) {
		// "C++", "4.0": no inflection.
		return out
	}
	var plurals []string
	switch {
	case strings.HasSuffix(n, "s") || strings.HasSuffix(n, "x") || strings.HasSuffix(n, "z") ||
		strings.HasSuffix(n, "ch") || strings.HasSuffix(n, "sh"):
		plurals = append(plurals, n+"es")
	case strings.HasSuffix(n, "y") && len(n) > 1 && !strings.ContainsRune("aeiou", lastRune(n[:len(n)-1])):
		plurals = append(plurals, n[:len(n)-1]+"ies", n+"s")
	default:
		plurals = append(plurals, n+"s", n+"es")
	}
	out = append(out, plurals...)
	if strings.HasSuffix(n, "s") {
		out = append(out, n+"'", n+"'s")
	} else {
		out = append(out, n+"'s")
	}
	for _, p := range plurals {
		out = append(out, p+"'")
	}
	return out
}

// formPattern quotes a form for the regular expression, loosening the
// spaces and hyphens inside it.
func formPattern(f string) string {
	var b strings.Builder
	for i, field := range strings.Fields(f) {
		if i > 0 {
			b.WriteString(`[\s\-]+`)
		}
		var pieces []string
		for _, piece := range strings.Split(field, "-") {
			if piece != "" {
				pieces = append(pieces, regexp.QuoteMeta(piece))
			}
		}
		b.WriteString(strings.Join(pieces, `[\s\-]*`))
	}
	return b.String()
}

// Normalize prepares text for matching: compatibility decomposition (NFKD)
// with the combining marks dropped ("Pokémon" → "pokemon", "ﬁ" → "fi"),
// lower case, and the typographic apostrophes and dashes folded into ' and
// -. Offsets reported by Matcher.Find are into this form.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '\u2019' || r == '\u2018' || r == '\u02bc' || r == '\u2032' || r == '`':
			b.WriteByte('\'')
		case r == '\u2010' || r == '\u2011' || r == '\u2012' || r == '\u2013' || r == '\u2014':
			b.WriteByte('-')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
