package mathcheck

import (
	"regexp"
	"sort"
	"strings"
)

// The math_verify metric. lm-evaluation-harness's minerva_math passes the
// whole gold solution and the whole generation to Hugging Face's
// Math-Verify, which extracts an answer from each by a fixed order of
// patterns and compares them with SymPy. MathVerify follows the same
// extraction order and compares with the Checker:
//
//	priority 0    "final answer is" + a LaTeX span or number + ". I hope"
//	priority 50   the last \boxed{…}; "final answer … is" + span or number
//	priority 100  "answer:" + (up to 50 characters) + span or number
//	priority 200  "answer" + (up to 50 characters) + span or number
//	priority 300  any LaTeX span ($…$, $$…$$, \[…\], \(…\), \frac{a}{b});
//	              any number
//
// Within a priority the rightmost match that parses wins, and the first
// priority with a parsed match ends the search. Math-Verify's own LaTeX
// normalization and parser (latex2sympy2) are not reproduced: verdicts
// can differ where the two parsers read an answer differently.

// verifyMatch is one extracted candidate.
type verifyMatch struct {
	priority   int
	start, end int
	text       string
}

var (
	finalIsRe     = regexp.MustCompile(`(?i)final answer is:?\s*`)
	finalLooseRe  = regexp.MustCompile(`(?is)final answer.{0,100}?\s+is:?\s*`)
	answerColonRe = regexp.MustCompile(`(?i)answer:`)
	answerWordRe  = regexp.MustCompile(`(?i)answer`)
	hopeRe        = regexp.MustCompile(`^\.?\s?I hope`)
	plainNumberRe = regexp.MustCompile(`(?:^|[\s=])(?:\*\*)?[$€£]?(-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:[.,]\d+)?|\.\d+)(\s*(?:%|[Pp]ercent))?`)
	// numberAtRe is plainNumberRe anchored at the start, without the
	// character before the number (which the caller has checked).
	numberAtRe     = regexp.MustCompile(`^(?:\*\*)?[$€£]?(-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:[.,]\d+)?|\.\d+)(\s*(?:%|[Pp]ercent))?`)
	plainFractionR = regexp.MustCompile(`-?\\frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\}`)
)

// latexSpan returns the LaTeX span starting exactly at i: its content and
// end, or ok false.
func latexSpan(s string, i int) (content string, end int, ok bool) {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "$$"):
		if j := strings.Index(rest[2:], "$$"); j > 0 {
			return rest[2 : 2+j], i + 2 + j + 2, true
		}
	case strings.HasPrefix(rest, `\[`):
		if j := strings.Index(rest[2:], `\]`); j > 0 {
			return rest[2 : 2+j], i + 2 + j + 2, true
		}
	case strings.HasPrefix(rest, `\(`):
		if j := strings.Index(rest[2:], `\)`); j > 0 && !strings.Contains(rest[2:2+j], "\n") {
			return rest[2 : 2+j], i + 2 + j + 2, true
		}
	case strings.HasPrefix(rest, "$") && (i == 0 || s[i-1] != '\\' && !isDigitByte(s[i-1])):
		for j := 1; j < len(rest); j++ {
			switch rest[j] {
			case '\n':
				return "", 0, false
			case '\\':
				j++
			case '$':
				if j > 1 {
					return rest[1:j], i + j + 1, true
				}
				return "", 0, false
			}
		}
	}
	return "", 0, false
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// spanOrNumber returns the LaTeX span or number that starts at i (after
// spaces).
func spanOrNumber(s string, i int) (string, int, bool) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i >= len(s) {
		return "", 0, false
	}
	if c, end, ok := latexSpan(s, i); ok {
		return c, end, true
	}
	if loc := numberAtRe.FindStringSubmatchIndex(s[i:]); loc != nil {
		text := s[i+loc[2] : i+loc[3]]
		if loc[4] >= 0 {
			text += `\%`
		}
		return text, i + loc[1], true
	}
	return "", 0, false
}

// verifyPriorities are the priorities in the order they are tried.
var verifyPriorities = [...]int{0, 50, 100, 200, 300}

// verifyCandidates lists the candidates of one priority, rightmost end
// first (then leftmost start), as Math-Verify orders them.
func verifyCandidates(s string, priority int) []verifyMatch {
	var out []verifyMatch
	switch priority {
	case 0:
		for _, m := range finalIsRe.FindAllStringIndex(s, -1) {
			if text, end, ok := spanOrNumber(s, m[1]); ok && hopeRe.MatchString(s[end:]) {
				out = append(out, verifyMatch{0, m[0], end, text})
			}
		}
	case 50:
		for _, m := range finalLooseRe.FindAllStringIndex(s, -1) {
			if text, end, ok := spanOrNumber(s, m[1]); ok {
				out = append(out, verifyMatch{50, m[0], end, text})
			}
		}
		if at := strings.LastIndex(s, `\boxed`); at >= 0 {
			if content, err := lastBoxContent(s); err == nil {
				out = append(out, verifyMatch{50, at, len(s), content})
			}
		}
	case 100, 200:
		re := answerColonRe
		if priority == 200 {
			re = answerWordRe
		}
		for _, m := range re.FindAllStringIndex(s, -1) {
			for k := m[1]; k <= m[1]+50 && k < len(s); k++ {
				if text, end, ok := spanOrNumber(s, k); ok {
					out = append(out, verifyMatch{priority, m[0], end, text})
					break
				}
			}
		}
	case 300:
		for i := 0; i < len(s); i++ {
			if s[i] != '$' && s[i] != '\\' {
				continue
			}
			if c, end, ok := latexSpan(s, i); ok {
				out = append(out, verifyMatch{300, i, end, c})
				i = end - 1
			}
		}
		for _, m := range plainFractionR.FindAllStringIndex(s, -1) {
			out = append(out, verifyMatch{300, m[0], m[1], s[m[0]:m[1]]})
		}
		for _, m := range plainNumberRe.FindAllStringSubmatchIndex(s, -1) {
			text := s[m[2]:m[3]]
			if m[4] >= 0 {
				text += `\%`
			}
			out = append(out, verifyMatch{300, m[2], m[1], text})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].end != out[j].end {
			return out[i].end > out[j].end
		}
		return out[i].start < out[j].start
	})
	return out
}

// VerifyAnswer extracts an answer from a whole solution or generation in
// Math-Verify's order; ok is false when nothing parses.
func (c *Checker) VerifyAnswer(text string) (string, bool) {
	for _, p := range verifyPriorities {
		for _, m := range verifyCandidates(text, p) {
			if a := verifyClean(m.text); a != "" {
				if _, err := c.parse(a); err == nil {
					return a, true
				}
			}
		}
	}
	return "", false
}

// verifyClean applies the light normalization Math-Verify applies before
// parsing: the box unwrapped, the last side of an equation (unless the
// answer is a list), trailing punctuation dropped.
func verifyClean(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, `\boxed`) {
		if c, err := lastBoxContent(s); err == nil {
			s = c
		}
	}
	if !strings.ContainsAny(s, ",;") {
		if i := strings.LastIndexByte(s, '='); i >= 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimRight(strings.TrimSpace(s), ".,")
}

// MathVerify scores a generation against a gold solution as the
// math_verify metric does: an answer extracted from each, in Math-Verify's
// order, then compared.
func (c *Checker) MathVerify(solution, generation string) Verdict {
	gold, ok := c.VerifyAnswer(solution)
	if !ok {
		return Verdict{Reason: "no answer found in the gold solution"}
	}
	pred, ok := c.VerifyAnswer(generation)
	if !ok {
		return Verdict{Reason: "no answer found in the generation"}
	}
	return c.Check(gold, pred)
}
