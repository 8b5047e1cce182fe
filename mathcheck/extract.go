package mathcheck

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// Errors of extraction. Match them with errors.Is.
var (
	// ErrNoAnswer means the text holds no answer in the expected place: no
	// "Final Answer: The final answer is … I hope it is correct." in a
	// generation, no \boxed{…} in a solution.
	ErrNoAnswer = errors.New("mathcheck: no answer found")
	// ErrNotBoxed means the published remove_boxed would raise: the last
	// box is not "\boxed{…}" or "\boxed …" (an \fbox{…}, or a \boxed whose
	// braces do not follow it). Only MinervaCompat reports it.
	ErrNotBoxed = errors.New(`mathcheck: last box is not \boxed{...}`)
)

// Source says what kind of text an answer is extracted from.
type Source int

// The kinds of text Extract reads.
const (
	// FromAnswer is an answer string, taken as it is.
	FromAnswer Source = iota
	// FromSolution is a reference solution: its last \boxed{…} (or \fbox{…}).
	FromSolution
	// FromGeneration is a model output in the Minerva format: the text
	// between "Final Answer: The final answer is" and ". I hope it is
	// correct."
	FromGeneration
)

// ParseSource reads "answer", "solution" or "generation".
func ParseSource(s string) (Source, error) {
	switch s {
	case "answer":
		return FromAnswer, nil
	case "solution":
		return FromSolution, nil
	case "generation":
		return FromGeneration, nil
	}
	return 0, fmt.Errorf("mathcheck: unknown source %q (expected answer, solution or generation)", s)
}

// Extract takes the answer out of text and normalizes it. It returns an
// error wrapping ErrNoAnswer (or, in MinervaCompat mode for solutions,
// ErrNotBoxed) where nothing can be extracted.
func Extract(text string, from Source, mode Mode) (string, error) {
	var raw string
	var err error
	switch from {
	case FromAnswer:
		raw = text
	case FromSolution:
		raw, err = SolutionAnswer(text, mode)
	case FromGeneration:
		var ok bool
		if raw, ok = GenerationAnswer(text); !ok {
			err = fmt.Errorf("%w: no \"Final Answer: The final answer is ... I hope it is correct.\"", ErrNoAnswer)
		}
	default:
		return "", fmt.Errorf("mathcheck: unknown source %d", from)
	}
	if err != nil {
		return "", err
	}
	return Normalize(raw, mode), nil
}

// finalAnswerRe is the published pattern; its dots are wildcards, as in
// the original.
var finalAnswerRe = regexp.MustCompile(`Final Answer: The final answer is(.*?). I hope it is correct.`)

// GenerationAnswer returns the unnormalized answer of a Minerva-format
// generation: the text after "Final Answer: The final answer is" up to the
// ". I hope it is correct." that follows on the same line (the generation
// may stop right before "I hope it is correct.", as when that is the stop
// sequence), stripped. ok is false where the published function returns
// "[invalidanswer]".
func GenerationAnswer(text string) (answer string, ok bool) {
	m := finalAnswerRe.FindStringSubmatch(text + "I hope it is correct.")
	if m == nil {
		return "", false
	}
	return py.Strip(m[1], nil), true
}

// LastBoxed is the published last_boxed_only_string: the last "\boxed{…}"
// with its braces matched (falling back to the last "\fbox{…}"), or, if
// "\boxed " with a space occurs anywhere, the text after the last "\boxed "
// up to the next "$". ok is false where it returns None.
func LastBoxed(s string) (string, bool) {
	if strings.Contains(s, `\boxed `) {
		parts := strings.Split(s, `\boxed `)
		last := parts[len(parts)-1]
		if i := strings.IndexByte(last, '$'); i >= 0 {
			last = last[:i]
		}
		return `\boxed ` + last, true
	}
	idx := strings.LastIndex(s, `\boxed`)
	if idx < 0 {
		if idx = strings.LastIndex(s, `\fbox`); idx < 0 {
			return "", false
		}
	}
	depth := 0
	for i := idx; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[idx : i+1], true
			}
		}
	}
	return "", false
}

// removeBoxed is the published remove_boxed; it fails where Python's
// asserts would.
func removeBoxed(s string) (string, error) {
	if strings.Contains(s, `\boxed `) {
		if !strings.HasPrefix(s, `\boxed `) {
			return "", fmt.Errorf("%w: %q", ErrNotBoxed, s)
		}
		return s[len(`\boxed `):], nil
	}
	if !strings.HasPrefix(s, `\boxed{`) || !strings.HasSuffix(s, "}") {
		return "", fmt.Errorf("%w: %q", ErrNotBoxed, shorten(s))
	}
	return s[len(`\boxed{`) : len(s)-1], nil
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// SolutionAnswer returns the unnormalized answer of a reference solution:
// its last boxed expression, unboxed. In MinervaCompat mode it is the
// published remove_boxed(last_boxed_only_string(solution)), failing where
// that raises (an \fbox, no box at all). In Fixed mode \fbox{…} counts as
// a box and the last box of either form, "\boxed{…}" or "\boxed …$", wins.
func SolutionAnswer(solution string, mode Mode) (string, error) {
	if mode == MinervaCompat {
		b, ok := LastBoxed(solution)
		if !ok {
			return "", fmt.Errorf("%w: no \\boxed{...} in the solution", ErrNoAnswer)
		}
		return removeBoxed(b)
	}
	return lastBoxContent(solution)
}

// lastBoxContent finds the last of "\boxed{…}", "\fbox{…}" and "\boxed …"
// (up to "$" or the end) and returns its content.
func lastBoxContent(s string) (string, error) {
	type box struct {
		at     int
		spaced bool
	}
	var boxes []box
	for _, cmd := range []string{`\boxed`, `\fbox`} {
		for off := 0; ; {
			i := strings.Index(s[off:], cmd)
			if i < 0 {
				break
			}
			at := off + i
			rest := s[at+len(cmd):]
			switch {
			case strings.HasPrefix(rest, "{"):
				boxes = append(boxes, box{at: at})
			case cmd == `\boxed` && strings.HasPrefix(rest, " "):
				boxes = append(boxes, box{at: at, spaced: true})
			}
			off = at + len(cmd)
		}
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].at > boxes[j].at })
	for _, b := range boxes {
		if b.spaced {
			rest := s[b.at+len(`\boxed `):]
			if i := strings.IndexByte(rest, '$'); i >= 0 {
				rest = rest[:i]
			}
			return rest, nil
		}
		open := strings.IndexByte(s[b.at:], '{') + b.at
		if end := matchBrace(s, open); end >= 0 {
			return s[open+1 : end], nil
		}
	}
	return "", fmt.Errorf("%w: no \\boxed{...} or \\fbox{...} in the solution", ErrNoAnswer)
}
