package pii

import (
	"regexp"
	"strings"
)

// numberRun is a maximal run of digits joined by single separators
// (space, dot, dash) and parentheses, with an optional leading +: the
// shape of phone numbers. Deciding on the whole run keeps a long number
// (an IBAN's digits, a card) from yielding a phone number from its middle.
func numberRuns(text string) [][2]int {
	var runs [][2]int
	i := 0
	for i < len(text) {
		c := text[i]
		if !(isDigit(c) || c == '+' || c == '(') || wordBefore(text, i) || (i > 0 && (text[i-1] == '.' || text[i-1] == '-' || text[i-1] == '/')) {
			i++
			continue
		}
		s, j := i, i
		if text[j] == '+' {
			j++
		}
		last := -1 // end of the last digit
		for j < len(text) {
			c := text[j]
			switch {
			case isDigit(c):
				j++
				last = j
			case c == '(' || c == ')':
				j++
			case (c == ' ' || c == '.' || c == '-') && j+1 < len(text) && (isDigit(text[j+1]) || text[j+1] == '('):
				j++
			default:
				goto done
			}
		}
	done:
		if last > s {
			runs = append(runs, [2]int{s, last})
			i = max(j, last)
		} else {
			i = s + 1
		}
	}
	return runs
}

var dateRE = regexp.MustCompile(`^(?:\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4})$`)
var isbnBefore = regexp.MustCompile(`(?i)isbn(?:-1[03])?:?\s*$`)

func appendPhones(dst []Span, text string) []Span {
	for _, r := range numberRuns(text) {
		s, e := r[0], r[1]
		if s > 0 && text[s] == '(' && text[s-1] == '(' {
			continue
		}
		run := text[s:e]
		if e < len(text) && isLetter(text[e]) {
			continue
		}
		digits := countDigits(run)
		groups := len(strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' }))
		if digits < 7 || digits > 15 || (groups < 2 && run[0] != '+') {
			continue
		}
		if dateRE.MatchString(run) || isbnBefore.MatchString(text[max(0, s-10):s]) || strings.Count(run, ".") >= 3 && !strings.ContainsAny(run, " -()") {
			continue // a date, an ISBN, an IP address, an OID or version
		}
		dst = append(dst, Span{s, e, Phone})
	}
	return dst
}

var (
	ssnRE      = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)
	cardRE     = regexp.MustCompile(`\b\d(?:[ \-]?\d){12,18}\b`)
	ibanRE     = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`)
	passportRE = regexp.MustCompile(`\b[A-Z]{1,2}\d{6,9}\b`)
	digitsRE   = regexp.MustCompile(`\b\d{8,}\b`)
)

func appendIDs(dst []Span, text string) []Span {
	for _, m := range ssnRE.FindAllStringIndex(text, -1) {
		dst = append(dst, Span{m[0], m[1], ID})
	}
	for _, m := range cardRE.FindAllStringIndex(text, -1) {
		if luhn(text[m[0]:m[1]]) {
			dst = append(dst, Span{m[0], m[1], ID})
		}
	}
	for _, m := range ibanRE.FindAllStringIndex(text, -1) {
		if ibanValid(text[m[0]:m[1]]) {
			dst = append(dst, Span{m[0], m[1], ID})
		}
	}
	for _, m := range passportRE.FindAllStringIndex(text, -1) {
		dst = append(dst, Span{m[0], m[1], ID})
	}
	for _, m := range digitsRE.FindAllStringIndex(text, -1) {
		if !standalone(text, m[0], m[1]) {
			continue
		}
		dst = append(dst, Span{m[0], m[1], ID})
	}
	return dst
}

// standalone reports whether the digits text[s:e] stand alone: not part of
// a word, an id with dashes, a formatted amount or a spaced number (such
// as the last group of a phone number).
func standalone(text string, s, e int) bool {
	if s > 0 {
		c := text[s-1]
		if isAlnum(c) || c == '-' || c == '.' || c == ',' || c == '+' || (c == ' ' && s > 1 && isDigit(text[s-2])) {
			return false
		}
	}
	if e < len(text) {
		c := text[e]
		if isAlnum(c) || c == '-' || (c == ',' || c == '.') && e+1 < len(text) && isDigit(text[e+1]) || (c == ' ' && e+1 < len(text) && isDigit(text[e+1])) {
			return false
		}
	}
	return true
}

// luhn checks a card number's check digit.
func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		if !isDigit(s[i]) {
			continue
		}
		d := int(s[i] - '0')
		if n%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && sum%10 == 0
}

// ibanValid checks an IBAN's mod-97 checksum.
func ibanValid(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	r := s[4:] + s[:4]
	rem := 0
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return rem == 1
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}
