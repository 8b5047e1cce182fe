package native

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
)

// GenerateOptions configures Generate.
type GenerateOptions struct {
	// MaxTokens caps the new tokens; 0 means Options.MaxGenTokens.
	MaxTokens int
	// Until lists stop strings: the output ends before the first one.
	Until   []string
	Sampler model.SamplerOptions
}

// Generate continues each prompt in one batch and returns the texts, each
// cut before its first stop string. stream, if set, receives text as it is
// produced: only text that can no longer turn into a stop string or into a
// longer UTF-8 character, so the streamed pieces of prompt i concatenate to
// the returned text i.
func (n *Model) Generate(ctx context.Context, prompts []string, opts GenerateOptions, stream func(i int, text string) error) ([]string, error) {
	ids, maxNew, err := n.GenerationPrompts(prompts, opts.MaxTokens)
	if err != nil {
		return nil, err
	}
	texts := lm.NewTextBatch(n.tok, len(prompts), opts.Until, stream)
	_, err = n.m.Generate(ctx, ids, &model.GenerateOptions{
		MaxNewTokens: maxNew,
		Sampler:      opts.Sampler,
		StopTokens:   n.eos,
		Stop:         func(i int, gen []int) bool { return texts.Add(i, gen[len(gen)-1]) },
	})
	if err != nil {
		return nil, err
	}
	return texts.Finish()
}

// GenerationPrompts tokenises prompts as Generate does: each is encoded
// (an empty one as the prefix token) and cut from the left so that it and
// the new tokens fit in the max length, as the harness does. maxTokens <= 0
// means Options.MaxGenTokens; the number of new tokens used is returned.
func (n *Model) GenerationPrompts(prompts []string, maxTokens int) (ids [][]int, maxNew int, err error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, 0, err
	}
	maxNew = maxTokens
	if maxNew <= 0 {
		maxNew = n.opts.MaxGenTokens
	}
	if maxNew >= n.opts.MaxLength {
		return nil, 0, fmt.Errorf("native: %d new tokens leave no room for a context in the max length %d", maxNew, n.opts.MaxLength)
	}
	ids = make([][]int, len(prompts))
	for i, p := range prompts {
		ids[i] = n.encode(p)
		if len(ids[i]) == 0 {
			ids[i] = []int{n.prefix}
		}
		if keep := n.opts.MaxLength - maxNew; len(ids[i]) > keep {
			ids[i] = ids[i][len(ids[i])-keep:]
		}
	}
	return ids, maxNew, nil
}

// EOSText returns the decoded end-of-sequence token, which the harness adds
// to every request's stop strings: "" when there is none.
func (n *Model) EOSText() string {
	if len(n.eos) == 0 {
		return ""
	}
	return n.tok.Decode(n.eos[:1], false)
}

// GenerateUntil answers generation requests as the harness does: greedy
// unless DoSample, the decoded end-of-sequence token added to the stop
// strings, contexts left-truncated to leave room for the new tokens, and the
// output cut before the first stop string.
func (n *Model) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	const batch = 16
	return lm.GenerateInGroups(ctx, reqs, n.EOSText(), batch, progress, func(ctx context.Context, prompts []string, r lm.GenerateRequest) ([]string, error) {
		return n.Generate(ctx, prompts, GenerateOptions{MaxTokens: r.MaxTokens, Until: r.Until, Sampler: r.SamplerOptions()}, nil)
	})
}
