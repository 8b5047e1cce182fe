package mathcheck

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Mode says how the Minerva normalization treats its known bugs.
type Mode int

const (
	// Fixed is the default: the published steps, in the published order,
	// with the substring bugs fixed (the package documentation lists each
	// fix).
	Fixed Mode = iota
	// MinervaCompat reproduces the published function (Lewkowycz et al.
	// 2022, appendix D; lm-evaluation-harness's normalize_final_answer)
	// byte for byte, bugs included.
	MinervaCompat
)

// String names the mode as the CLI spells it.
func (m Mode) String() string {
	if m == MinervaCompat {
		return "minerva-compat"
	}
	return "fixed"
}

// substitutions are the published function's replacements, in order.
var substitutions = [...][2]string{
	{"an ", ""},
	{"a ", ""},
	{".$", "$"},
	{`\$`, ""},
	{`\ `, ""},
	{" ", ""},
	{"mbox", "text"},
	{`,\text{and}`, ","},
	{`\text{and}`, ","},
	{`\text{m}`, `\text{}`},
}

// removedExpressions are the published function's deletions, in order:
// unit words and TeX fragments.
var removedExpressions = [...]string{
	"square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours",
	"km", "units", `\ldots`, "sue", "points", "feet", "minutes", "digits",
	"cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges",
	"students", "childrentickets", "multiples", `\text{s}`, `\text{.}`,
	"\\text{\ns}", `\text{}^2`, `\text{}^3`, "\\text{\n}", `\text{}`,
	`\mathrm{th}`, `^\circ`, `^{\circ}`, `\;`, `,\!`, "{,}", `"`, `\dots`,
}

// The published regular expressions. Go's RE2 and Python's re agree on
// these: no empty matches, "." stops at a newline in both, and a negated
// class matches a newline in both.
var (
	dollarSpanRe = regexp.MustCompile(`(.*?)(\$)(.*?)(\$)(.*)`)
	textRe       = regexp.MustCompile(`(\\text\{)(.*?)(\})`)
	textbfRe     = regexp.MustCompile(`(\\textbf\{)(.*?)(\})`)
	overlineRe   = regexp.MustCompile(`(\\overline\{)(.*?)(\})`)
	boxedRe      = regexp.MustCompile(`(\\boxed\{)(.*)(\})`)
	fracShortRe  = regexp.MustCompile(`(frac)([^{])(.)`)
	sqrtShortRe  = regexp.MustCompile(`(sqrt)([^{])`)
)

// Normalize applies the Minerva answer normalization to a final answer:
// the text after the last "=", ten substring replacements, 42 deletions of
// unit words and TeX fragments, the first $…$ span, \text{}, \textbf{},
// \overline{} and \boxed{} unwrapped, \frac12 and \sqrt2 expanded, "$"
// removed and commas dropped from digit strings. In MinervaCompat mode the
// result is byte-identical to the published Python function.
func Normalize(answer string, mode Mode) string {
	if mode == MinervaCompat {
		return normalizeCompat(answer)
	}
	return normalizeFixed(answer)
}

func normalizeCompat(s string) string {
	s = afterLastEquals(s)
	for _, sub := range substitutions {
		s = strings.ReplaceAll(s, sub[0], sub[1])
	}
	for _, e := range removedExpressions {
		s = strings.ReplaceAll(s, e, "")
	}
	s = firstDollarSpans(s)
	// Each pattern runs only where its literal part occurs (the result is
	// the same; most answers skip them all).
	for _, r := range [...]struct {
		lit  string
		re   *regexp.Regexp
		repl string
	}{
		{`\text{`, textRe, "${2}"},
		{`\textbf{`, textbfRe, "${2}"},
		{`\overline{`, overlineRe, "${2}"},
		{`\boxed{`, boxedRe, "${2}"},
		{"frac", fracShortRe, "frac{${2}}{${3}}"},
		{"sqrt", sqrtShortRe, "sqrt{${2}}"},
	} {
		if strings.Contains(s, r.lit) {
			s = r.re.ReplaceAllString(s, r.repl)
		}
	}
	return finish(s)
}

func afterLastEquals(s string) string {
	if i := strings.LastIndexByte(s, '='); i >= 0 {
		return s[i+1:]
	}
	return s
}

// finish removes "$" and, where the rest is digits and commas, the commas
// ("100,000" -> "100000"), with Python's str.isdigit.
func finish(s string) string {
	s = strings.ReplaceAll(s, "$", "")
	if isDigitString(strings.ReplaceAll(s, ",", "")) {
		s = strings.ReplaceAll(s, ",", "")
	}
	return s
}

// isDigitString is Python's str.isdigit: not empty, and every code point a
// digit (Unicode Numeric_Type Digit or Decimal).
func isDigitString(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isPyDigit(r) {
			return false
		}
	}
	return true
}

func normalizeFixed(s string) string {
	s = afterLastEquals(s)
	for _, sub := range substitutions {
		switch sub[0] {
		case "an ", "a ":
			s = replaceArticle(s, sub[0])
		case "mbox":
			// The one rule meant to rewrite a command name (\mbox -> \text).
			s = strings.ReplaceAll(s, sub[0], sub[1])
		case " ":
			s = removeSpaces(s)
		default:
			s = replaceOutsideCommands(s, sub[0], sub[1])
		}
	}
	for _, e := range removedExpressions {
		s = replaceOutsideCommands(s, e, "")
	}
	s = removeSpaces(s) // the deletions can leave "\pi " at the end
	s = firstDollarSpans(s)
	for _, cmd := range []string{`\text`, `\textbf`, `\overline`, `\boxed`} {
		s = unwrapCommand(s, cmd)
	}
	s = expandShorthand(s)
	return finish(s)
}

// firstDollarSpans keeps, on every line with two "$", the text between the
// first two as "$…$" (what the published regular expression does).
func firstDollarSpans(s string) string {
	if strings.Count(s, "$") < 2 {
		return s
	}
	return dollarSpanRe.ReplaceAllString(s, "$$${3}$$")
}

// commandNames returns the byte spans of the names of TeX control words
// (the letters after a backslash) in s.
func commandNames(s string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '\\' {
			continue
		}
		if !isASCIILetter(s[i+1]) {
			i++ // a control symbol such as \\ or \{ : skip its character
			continue
		}
		j := i + 1
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		spans = append(spans, [2]int{i + 1, j})
		i = j - 1
	}
	return spans
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// replaceOutsideCommands replaces old with new wherever the match does not
// cut a command name in two, and, for an old that starts with a letter (a
// unit word), wherever it does not touch a command name at all: "ft" stays
// in \left and \infty, "square" in \square, while "\ldots" and "\text{s}"
// still match whole commands.
func replaceOutsideCommands(s, old, new string) string {
	if !strings.Contains(s, old) {
		return s
	}
	names := commandNames(s)
	word := isASCIILetter(old[0])
	var b strings.Builder
	last, k := 0, 0
	for i := 0; i+len(old) <= len(s); {
		if s[i:i+len(old)] != old {
			i++
			continue
		}
		end := i + len(old)
		for k < len(names) && names[k][1] <= i {
			k++
		}
		if cutsName(names[k:], i, end, word) || old[0] == '\\' && escapedAt(s, i) {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(new)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// escapedAt reports whether the backslash at i is the second half of a
// TeX line break, a double backslash, as between the rows of a pmatrix
// (the published rule for backslash-space deletes it and joins the rows).
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// cutsName reports whether [start, end) overlaps a name partly (or at all,
// when touchAtAll). names are sorted and end after start.
func cutsName(names [][2]int, start, end int, touchAtAll bool) bool {
	for _, n := range names {
		if n[0] >= end {
			return false
		}
		if touchAtAll || n[0] < start || n[1] > end {
			return true
		}
	}
	return false
}

// removeSpaces deletes spaces, except one that ends a command name before
// a letter: "\pi r^2" stays "\pi r^2" (the published rule makes it the
// unknown command \pir).
func removeSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	ends := map[int]bool{}
	for _, n := range commandNames(s) {
		ends[n[1]] = true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			b.WriteByte(s[i])
			continue
		}
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if ends[i] && j < len(s) && isASCIILetter(s[j]) {
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return b.String()
}

// replaceArticle deletes "a " or "an " where the article is a whole word:
// at the start or after a character that is not a letter or backslash
// (the published function also deletes the "an " of "\tan x" and the
// "a " of "\alpha x").
func replaceArticle(s, article string) string {
	if !strings.Contains(s, article) {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+len(article) <= len(s); {
		if s[i:i+len(article)] == article && (i == 0 || !isASCIILetter(s[i-1]) && s[i-1] != '\\') {
			b.WriteString(s[last:i])
			last = i + len(article)
			i = last
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// unwrapCommand replaces every cmd{…} by its brace-matched content; an
// unclosed group is left as it is.
func unwrapCommand(s, cmd string) string {
	open := cmd + "{"
	if !strings.Contains(s, open) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, open)
		if i < 0 {
			break
		}
		body := i + len(open)
		end := matchBrace(s, body-1)
		if end < 0 {
			b.WriteString(s[:body])
			s = s[body:]
			continue
		}
		if cmd == `\overline` && repeatingDecimal(s[:i], s[body:end]) {
			// 0.\overline{3} is a number: keep its bar.
			b.WriteString(s[:end+1])
			s = s[end+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(s[body:end])
		s = s[end+1:]
	}
	b.WriteString(s)
	return b.String()
}

// repeatingDecimal reports whether an \overline with this content, after
// this text, marks the repeating digits of a decimal (0.\overline{3},
// 1.2\overline{45}).
func repeatingDecimal(before, content string) bool {
	if !allDigits(content) {
		return false
	}
	i := len(before)
	for i > 0 && before[i-1] >= '0' && before[i-1] <= '9' {
		i--
	}
	return i > 0 && before[i-1] == '.'
}

// matchBrace returns the index of the "}" closing the "{" at open, or -1.
// Escaped braces (\{ and \}) do not count.
func matchBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// expandShorthand rewrites \frac12 as \frac{1}{2} and \sqrt2 as \sqrt{2}
// where the arguments are single letters or digits; \sqrt[3]{x} and
// \frac\pi2 are left for the parser, which reads TeX's one-token
// arguments (the published rule makes them \sqrt{[}3]{x} and
// \frac{\}{p}i2).
func expandShorthand(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, `\frac`) && len(rest) >= 7 && isAlnum(rest[5]) && isAlnum(rest[6]):
			b.WriteString(`\frac{`)
			b.WriteByte(rest[5])
			b.WriteString("}{")
			b.WriteByte(rest[6])
			b.WriteByte('}')
			i += 7
		case strings.HasPrefix(rest, `\sqrt`) && len(rest) >= 6 && isAlnum(rest[5]):
			b.WriteString(`\sqrt{`)
			b.WriteByte(rest[5])
			b.WriteByte('}')
			i += 6
		default:
			_, n := utf8.DecodeRuneInString(rest)
			b.WriteString(rest[:n])
			i += n
		}
	}
	return b.String()
}

func isAlnum(c byte) bool { return c >= '0' && c <= '9' || isASCIILetter(c) }

// isPyDigit is Python's str.isdigit for one code point.
func isPyDigit(r rune) bool {
	if r >= '0' && r <= '9' {
		return true
	}
	lo, hi := 0, len(pyDigitRanges)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < pyDigitRanges[m][0]:
			hi = m
		case r > pyDigitRanges[m][1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}
