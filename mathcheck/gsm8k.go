package mathcheck

import (
	"regexp"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// The GSM8k patterns of Llemma's evaluation fork. Python's \d matches
// every Unicode decimal digit, hence \p{Nd}.
var (
	gsm8kGoldRe   = regexp.MustCompile(`#### (\-?[0-9\.\,]+)`)
	gsm8kLlemmaRe = regexp.MustCompile(`The answer is (\p{Nd}+)`)
)

// GSM8KGold is the gold answer of a GSM8k solution as Llemma's fork reads
// it: the number after "#### ", stripped, commas removed.
func GSM8KGold(solution string) (string, bool) {
	return firstGroup(gsm8kGoldRe, solution)
}

// GSM8KLlemmaAnswer is a model's answer as Llemma's fork reads it: the
// first "The answer is N" with N a non-negative integer, commas removed.
func GSM8KLlemmaAnswer(completion string) (string, bool) {
	return firstGroup(gsm8kLlemmaRe, completion)
}

func firstGroup(re *regexp.Regexp, s string) (string, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return strings.ReplaceAll(py.Strip(m[1], nil), ",", ""), true
}
