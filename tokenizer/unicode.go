package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Character classes as the reference implementation sees them. The regular
// expressions of tokenizer.json files (Oniguruma in the reference) use \s for
// the Unicode White_Space property and \p{L}, \p{N} for the general
// categories; Rust's char methods used by the simpler pre-tokenizers use the
// same properties. ASCII is answered from a table because almost all text
// is ASCII.

const (
	classLetter uint8 = 1 << iota
	classNumber
	classSpace
	classWord  // \w of Rust's regex crate: Alphabetic, M, Nd, Pc, Join_Control
	classPunct // Rust's is_ascii_punctuation || unicode_categories is_punctuation
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		t[c] = unicodeClass(rune(c))
	}
	return t
}()

func unicodeClass(r rune) uint8 {
	var c uint8
	if unicode.IsLetter(r) {
		c |= classLetter
	}
	if unicode.IsNumber(r) {
		c |= classNumber
	}
	if isWhiteSpace(r) {
		c |= classSpace
	}
	if unicode.In(r, unicode.Letter, unicode.Mark, unicode.Nd, unicode.Pc, unicode.Join_Control, unicode.Other_Alphabetic, unicode.Nl) {
		c |= classWord
	}
	if unicode.IsPunct(r) || (r < 128 && unicode.IsPrint(r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ') {
		c |= classPunct
	}
	return c
}

// isWhiteSpace reports the Unicode White_Space property (Rust's
// char::is_whitespace, Oniguruma's and regexp2's \s).
func isWhiteSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	if r < 0x1680 {
		return false
	}
	return unicode.Is(unicode.White_Space, r)
}

// classOf returns the classes of the character starting at s[i] and its
// length in bytes. An invalid UTF-8 byte is a one-byte character of no class.
func classOf(s []byte, i int) (uint8, int) {
	b := s[i]
	if b < utf8.RuneSelf {
		return asciiClass[b], 1
	}
	r, n := utf8.DecodeRune(s[i:])
	if r == utf8.RuneError && n == 1 {
		return 0, 1
	}
	return unicodeClass(r), n
}

// runeAt decodes the character at s[i]; an invalid byte decodes as
// utf8.RuneError with length 1.
func runeAt(s []byte, i int) (rune, int) {
	if s[i] < utf8.RuneSelf {
		return rune(s[i]), 1
	}
	return utf8.DecodeRune(s[i:])
}

// charBounds returns the byte range of the character that contains byte i
// of s. An invalid byte is a character of its own.
func charBounds(s []byte, i int) (int, int) {
	j := i
	for j > 0 && i-j < 3 && s[j]&0xC0 == 0x80 {
		j--
	}
	for ; j <= i; j++ {
		r, n := utf8.DecodeRune(s[j:])
		if !(r == utf8.RuneError && n == 1) && j+n > i {
			return j, j + n
		}
	}
	return i, i + 1
}
