package nltk

import (
	"strings"
	"unicode"
)

// Lower is Python's str.lower: the full lower-case mapping, so İ becomes
// "i̇" (two code points) and a final capital sigma becomes ς.
func Lower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		switch {
		case c == 'İ':
			b.WriteString("i\u0307")
		case c == 'Σ' && finalSigma(r, i):
			b.WriteRune('ς')
		default:
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition as CPython tests it: a
// cased letter before (skipping case-ignorable ones) and none after.
func finalSigma(r []rune, i int) bool {
	before := false
	for j := i - 1; j >= 0; j-- {
		if caseIgnorable(r[j]) {
			continue
		}
		before = cased(r[j])
		break
	}
	if !before {
		return false
	}
	for j := i + 1; j < len(r); j++ {
		if caseIgnorable(r[j]) {
			continue
		}
		return !cased(r[j])
	}
	return true
}

func caseIgnorable(c rune) bool {
	return unicode.In(c, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) ||
		c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == '·' || c == '\u2019'
}

func cased(c rune) bool { return IsUpperRune(c) || IsLowerRune(c) || unicode.IsTitle(c) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// IsUpperRune is Python's str.isupper on one character: the Uppercase
// property (Lu and Other_Uppercase).
func IsUpperRune(c rune) bool {
	return unicode.IsUpper(c) || unicode.Is(unicode.Other_Uppercase, c)
}

// IsLowerRune is Python's str.islower on one character: the Lowercase
// property (Ll and Other_Lowercase).
func IsLowerRune(c rune) bool {
	return unicode.IsLower(c) || unicode.Is(unicode.Other_Lowercase, c)
}

// IsUpper is Python's str.isupper: no lower-case or title-case character
// and at least one upper-case one.
func IsUpper(s string) bool {
	upper := false
	for _, c := range s {
		if IsLowerRune(c) || unicode.IsTitle(c) {
			return false
		}
		if IsUpperRune(c) {
			upper = true
		}
	}
	return upper
}

// IsLower is Python's str.islower: no upper-case or title-case character
// and at least one lower-case one.
func IsLower(s string) bool {
	lower := false
	for _, c := range s {
		if IsUpperRune(c) || unicode.IsTitle(c) {
			return false
		}
		if IsLowerRune(c) {
			lower = true
		}
	}
	return lower
}

// IsWordRune is Python's \w in a str pattern: alphanumeric (a letter or
// any numeric character) or the underscore.
func IsWordRune(c rune) bool {
	return c == '_' || unicode.IsLetter(c) || unicode.IsNumber(c)
}

// CountWords is instructions_util.count_words: the number of \w+ runs
// (nltk's RegexpTokenizer(r"\w+")).
func CountWords(s string) int {
	n := 0
	in := false
	for _, c := range s {
		w := IsWordRune(c)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}
