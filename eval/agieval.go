package eval

import (
	"errors"
	"regexp"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// AGIEval's math tasks (gaokao-mathcloze, math): the answer parsed from
// the generation and the gold, then compared after Hendrycks' MATH
// normalization (_strip_string), falling back to the parsed strings where
// the Python normalization raises.
func init() {
	RegisterResultsFunction("agieval/utils.process_results", agievalMathResults)
}

// errPython marks where the Python code raises an exception.
var errPython = errors.New("python raised")

// optString is a Python str or None.
type optString struct {
	s     string
	valid bool
}

func some(s string) optString { return optString{s, true} }

var (
	agiDollar  = mustCompile(`\$(.*)\$`)
	agiLastNum = mustCompile(`(?:\$)?\d+(?:\.\d+)?(?![\w\d])`)
)

// agiIntRegex is what int(x) prints back unchanged: a canonical decimal
// integer.
var agiIntRegex = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)$`)

// agiParseAnswer is parse_math_answer.
func agiParseAnswer(raw string) optString {
	if strings.Contains(raw, `\boxed`) {
		return agiRemoveBoxed(agiLastBoxed(raw))
	}
	ans := optString{}
	if m, _ := agiDollar.FindAll(raw); len(m) > 0 {
		ans = some(py.Str(m[len(m)-1]))
		if strings.Contains(ans.s, "=") {
			parts := strings.Split(ans.s, "=")
			ans = some(strings.TrimLeft(parts[len(parts)-1], " "))
		}
	}
	if ans.valid && ans.s != "" {
		return ans
	}
	if strings.Contains(raw, "=") {
		parts := strings.Split(raw, "=")
		last := strings.TrimRight(strings.TrimLeft(parts[len(parts)-1], " "), ".")
		if strings.Contains(last, `\n`) {
			last = strings.Split(last, `\n`)[0]
		}
		return some(last)
	}
	if m, _ := agiLastNum.FindAll(raw); len(m) > 0 {
		return some(py.Str(m[len(m)-1]))
	}
	return optString{}
}

// agiLastBoxed is last_boxed_only_string (raw contains \boxed).
func agiLastBoxed(raw string) optString {
	idx := strings.LastIndex(raw, `\boxed`)
	open := 0
	for i := idx; i < len(raw); i++ {
		switch raw[i] {
		case '{':
			open++
		case '}':
			open--
			if open == 0 {
				return some(raw[idx : i+1])
			}
		}
	}
	return optString{}
}

// agiRemoveBoxed is remove_boxed: None unless s is \boxed{...}.
func agiRemoveBoxed(s optString) optString {
	const left = `\boxed{`
	if !s.valid || !strings.HasPrefix(s.s, left) || !strings.HasSuffix(s.s, "}") || len(s.s) < len(left) {
		return optString{}
	}
	r := []rune(s.s)
	ans := string(r[len([]rune(left)):max(len([]rune(left)), len(r)-1)])
	if strings.Contains(ans, "=") {
		parts := strings.Split(ans, "=")
		ans = strings.TrimLeft(parts[len(parts)-1], " ")
	}
	return some(ans)
}

func agiFixFracs(s string) (string, error) {
	subs := strings.Split(s, `\frac`)
	out := subs[0]
	for _, sub := range subs[1:] {
		out += `\frac`
		r := []rune(sub)
		if len(r) == 0 {
			return "", errPython // substr[0] on ""
		}
		if r[0] == '{' {
			out += sub
			continue
		}
		if len(r) < 2 {
			return s, nil
		}
		a, b := string(r[0]), string(r[1])
		post := string(r[2:])
		if b != "{" {
			out += "{" + a + "}{" + b + "}" + post
		} else {
			out += "{" + a + "}" + b + post
		}
	}
	return out, nil
}

func agiFixSlash(s string) string {
	parts := strings.Split(s, "/")
	if len(parts) != 2 || !agiIntRegex.MatchString(parts[0]) || !agiIntRegex.MatchString(parts[1]) || parts[0] == "-0" || parts[1] == "-0" {
		return s
	}
	return `\frac{` + parts[0] + "}{" + parts[1] + "}"
}

func agiFixSqrt(s string) (string, error) {
	if !strings.Contains(s, `\sqrt`) {
		return s, nil
	}
	parts := strings.Split(s, `\sqrt`)
	out := parts[0]
	for _, p := range parts[1:] {
		r := []rune(p)
		if len(r) == 0 {
			return "", errPython
		}
		if r[0] != '{' {
			out += `\sqrt{` + string(r[0]) + "}" + string(r[1:])
		} else {
			out += `\sqrt` + p
		}
	}
	return out, nil
}

// agiStrip is _strip_string.
func agiStrip(s string) (string, error) {
	for _, r := range [][2]string{{"\n", ""}, {`\!`, ""}, {`\\`, `\`}, {"tfrac", "frac"}, {"dfrac", "frac"},
		{`\left`, ""}, {`\right`, ""}, {`^{\circ}`, ""}, {`^\circ`, ""}, {`\$`, ""}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	if strings.Contains(s, `\text{ `) {
		parts := strings.Split(s, `\text{ `)
		if len(parts) != 2 {
			return "", errPython
		}
		s = parts[0]
	}
	s = strings.ReplaceAll(s, `\%`, "")
	s = strings.ReplaceAll(s, " .", " 0.")
	s = strings.ReplaceAll(s, "{.", "{0.")
	if s == "" {
		return s, nil
	}
	if s[0] == '.' {
		s = "0" + s
	}
	if parts := strings.Split(s, "="); len(parts) == 2 && len([]rune(parts[0])) <= 2 {
		s = parts[1]
	}
	s, err := agiFixSqrt(s)
	if err != nil {
		return "", err
	}
	s = strings.ReplaceAll(s, " ", "")
	if s, err = agiFixFracs(s); err != nil {
		return "", err
	}
	if s == "0.5" {
		s = `\frac{1}{2}`
	}
	return agiFixSlash(s), nil
}

// agiEquiv is is_equiv on a generation and a gold answer.
func agiEquiv(cand, gold string) bool {
	a, b := agiParseAnswer(cand), agiParseAnswer(gold)
	if a.valid && b.valid {
		sa, errA := agiStrip(a.s)
		sb, errB := agiStrip(b.s)
		if errA == nil && errB == nil {
			return sa == sb
		}
	}
	// _strip_string raised (on None too): compare the parsed answers.
	return a == b
}

// agievalMathResults is agieval's process_results.
func agievalMathResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	gens, err := generations(results)
	if err != nil {
		return nil, err
	}
	gold, err := docField(doc, "answer")
	if err != nil {
		return nil, err
	}
	gs, ok := gold.(string)
	if !ok {
		// is_equiv(str1, None) is False.
		return map[string]any{"acc": int64(0)}, nil
	}
	return map[string]any{"acc": boolInt(agiEquiv(gens[0], gs))}, nil
}
