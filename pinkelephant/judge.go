package pinkelephant

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/lm"
)

// LLMJudge asks a language model, through any chat backend, whether each
// response mentions the Pink Elephant: a second opinion beside the
// lexical mention judge, for references it cannot see ("the swoosh
// brand").
type LLMJudge struct {
	Model lm.Model
	Chat  lm.ChatTemplater
	// Templates supply the judge template; nil means the defaults.
	Templates *Templates
	// MaxTokens caps each verdict. The default is 16.
	MaxTokens int
}

// ErrNoVerdict counts (in JudgeStats.Unparsed) answers that start with
// neither yes nor no.
var ErrNoVerdict = errors.New("pinkelephant: judge answer is neither yes nor no")

// ParseVerdict reads a yes/no answer: its first word, case and
// punctuation aside.
func ParseVerdict(answer string) (bool, error) {
	f := strings.Fields(strings.ToLower(answer))
	if len(f) > 0 {
		switch strings.Trim(f[0], ".,!:;\"'*") {
		case "yes":
			return true, nil
		case "no":
			return false, nil
		}
	}
	return false, fmt.Errorf("%w: %q", ErrNoVerdict, answer)
}

// Judge asks the judge about every response of res and fills in
// LLMMention, the LLM rate (over the responses with a verdict) and the
// agreement with the mention judge. It returns how many answers had no
// verdict.
func (j *LLMJudge) Judge(ctx context.Context, res *EvalResult) (unparsed int, err error) {
	tpl := j.Templates
	if tpl == nil {
		tpl = DefaultTemplates()
	}
	maxTok := j.MaxTokens
	if maxTok == 0 {
		maxTok = 16
	}
	reqs := make([]lm.GenerateRequest, len(res.Responses))
	for i, r := range res.Responses {
		text, err := tpl.Render(TemplateJudge, map[string]any{"entity": r.Pink, "aliases": nonNil(r.PinkAliases), "response": r.Response})
		if err != nil {
			return 0, err
		}
		prompt, err := j.Chat.ApplyChatTemplate([]lm.Message{{Role: "user", Content: text}}, true)
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrNoChatTemplate, err)
		}
		reqs[i] = lm.GenerateRequest{Context: prompt, MaxTokens: maxTok}
	}
	answers, err := j.Model.GenerateUntil(ctx, reqs, nil)
	if err != nil {
		return 0, fmt.Errorf("pinkelephant: LLM judge: %w", err)
	}
	var yes, agree, n int
	for i, a := range answers {
		v, err := ParseVerdict(a)
		if err != nil {
			unparsed++
			res.Responses[i].LLMMention = nil
			continue
		}
		res.Responses[i].LLMMention = &v
		n++
		if v {
			yes++
		}
		if v == res.Responses[i].Mention {
			agree++
		}
	}
	rate := Rate{Rate: math.NaN(), Stderr: math.NaN(), N: n}
	if n > 0 {
		p := float64(yes) / float64(n)
		rate.Rate = p
		if n > 1 {
			// The harness's stderr of a mean of 0/1 values (sample
			// standard deviation over √n).
			rate.Stderr = math.Sqrt(p * (1 - p) * float64(n) / float64(n-1) / float64(n))
		}
		a := float64(agree) / float64(n)
		res.Agreement = &a
	}
	res.LLM = &rate
	return unparsed, nil
}
