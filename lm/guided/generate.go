package guided

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

// TokenOptions configures GenerateTokens.
type TokenOptions struct {
	// MaxNewTokens caps the tokens generated per prompt; 0 means the
	// backend's MaxGenTokens. It is lowered where a branch would run past
	// the position limit.
	MaxNewTokens int
	// Sampler chooses tokens from the guided distribution (after guidance:
	// repetition penalty, temperature, top-k, top-p, min-p); the zero value
	// is greedy. Every prompt samples from its own stream (Seed, 0), so a
	// prompt's tokens do not depend on the rest of the batch.
	Sampler model.SamplerOptions
	// StopTokens end a prompt's generation; they are not output.
	StopTokens []int
	// Stop, if set, is called after each new token with the tokens
	// generated so far for prompt i; true ends that prompt.
	Stop func(i int, generated []int) bool
	// Stream, if set, receives each token as it is chosen; an error ends
	// generation and is returned.
	Stream func(i int, token int) error
}

// genState is one prompt being continued: its two branches and its
// generation.
type genState struct {
	cond, unc *model.Sequence
	*model.Generation
}

// GenerateTokens continues each prompt with guided decoding, all prompts in
// one batch and both branches of each in the same steps: a prefill step of
// the prompts and their unconditional prompts, then one step per token in
// which each branch is fed the chosen token. It returns the generated
// tokens per prompt.
func (g *Model) GenerateTokens(ctx context.Context, prompts [][]int, opts *TokenOptions) ([][]int, error) {
	if opts == nil {
		opts = &TokenOptions{}
	}
	if err := opts.Sampler.Validate(); err != nil {
		return nil, fmt.Errorf("guided: %w", err)
	}
	maxNew := opts.MaxNewTokens
	if maxNew <= 0 {
		maxNew = g.lim.MaxGenTokens
	}
	guided := !g.unguided()
	limit := g.lim.PositionLimit
	states := make([]*genState, len(prompts))
	defer func() {
		for _, s := range states {
			if s == nil {
				continue
			}
			s.cond.Release()
			if s.unc != nil {
				s.unc.Release()
			}
		}
	}()
	per := 1
	if guided {
		per = 2
	}
	batch := make([]model.Input, 0, per*len(prompts))
	owner := make([]int, 0, len(prompts))
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("guided: generate: prompt %d is empty", i)
		}
		var unc []int
		longest := len(p)
		if guided {
			unc = g.uncondPrompt(p)
			longest = max(longest, len(unc))
		}
		if longest >= limit {
			return nil, fmt.Errorf("guided: generate: prompt %d has %d tokens, the position limit is %d", i, longest, limit)
		}
		budget := min(maxNew, limit-longest)
		s := &genState{Generation: model.NewGeneration(p, opts.Sampler, 0, budget)}
		var err error
		if s.cond, err = g.m.NewSequence(len(p) + budget); err != nil {
			return nil, err
		}
		states[i] = s
		batch = append(batch, model.Input{Seq: s.cond, Tokens: p, Logits: 1})
		if guided {
			if s.unc, err = g.m.NewSequence(len(unc) + budget); err != nil {
				return nil, err
			}
			batch = append(batch, model.Input{Seq: s.unc, Tokens: unc, Logits: 1})
		}
		owner = append(owner, i)
	}
	next := make([]int, len(prompts))
	var condLP []float32
	if guided {
		condLP = make([]float32, g.lim.Vocab)
	}
	// Rows come in batch order, so a prompt's conditional row is followed
	// by its unconditional row: one buffer holds the first until the
	// second arrives.
	onLogits := func(input, _ int, logits []float32) error {
		i := owner[input/per]
		s := states[i]
		switch {
		case !guided:
			next[i] = s.Sample(logits)
		case input%2 == 0:
			tensor.LogSoftmaxTo(condLP, logits)
		default:
			mixTo(condLP, logits, g.scale)
			if err := g.checkFinite(condLP); err != nil {
				return err
			}
			next[i] = s.Sample(condLP)
		}
		return nil
	}
	stepOpts := model.GenerateOptions{StopTokens: opts.StopTokens, Stop: opts.Stop, Stream: opts.Stream}
	for len(batch) > 0 {
		if err := g.step(ctx, batch, onLogits); err != nil {
			return nil, err
		}
		batch, owner = batch[:0], owner[:0]
		for i, s := range states {
			if s.Done() {
				continue
			}
			more, err := s.Advance(i, next[i], &stepOpts)
			if err != nil {
				return nil, err
			}
			if !more {
				continue
			}
			last := s.Last()
			batch = append(batch, model.Input{Seq: s.cond, Tokens: last, Logits: 1})
			if guided {
				batch = append(batch, model.Input{Seq: s.unc, Tokens: last, Logits: 1})
			}
			owner = append(owner, i)
		}
	}
	out := make([][]int, len(prompts))
	for i, s := range states {
		out[i] = s.Tokens()
	}
	return out, nil
}

// GenerateOptions configures Generate.
type GenerateOptions struct {
	// MaxTokens caps the new tokens; 0 means the backend's MaxGenTokens.
	MaxTokens int
	// Until lists stop strings: the output ends before the first one.
	Until   []string
	Sampler model.SamplerOptions
}

// Generate continues each prompt with guided decoding and returns the
// texts, each cut before its first stop string; generation also ends at the
// backend's end-of-sequence tokens. Prompts are tokenised and left-truncated
// to leave room for the new tokens as the backend does. stream, if set,
// receives text as soon as it can no longer turn into a stop string or a
// longer UTF-8 character, so the pieces of prompt i concatenate to text i.
func (g *Model) Generate(ctx context.Context, prompts []string, opts GenerateOptions, stream func(i int, text string) error) ([]string, error) {
	ids, maxNew, err := g.n.GenerationPrompts(prompts, opts.MaxTokens)
	if err != nil {
		return nil, fmt.Errorf("guided: %w", err)
	}
	dec, err := g.n.Decoder()
	if err != nil {
		return nil, err
	}
	texts := lm.NewTextBatch(dec, len(prompts), opts.Until, stream)
	_, err = g.GenerateTokens(ctx, ids, &TokenOptions{
		MaxNewTokens: maxNew,
		Sampler:      opts.Sampler,
		StopTokens:   g.lim.StopTokens,
		Stop:         func(i int, gen []int) bool { return texts.Add(i, gen[len(gen)-1]) },
	})
	if err != nil {
		return nil, err
	}
	return texts.Finish()
}

// GenerateUntil answers generation requests as the harness does, with
// guided decoding: greedy unless DoSample (temperature 0 then means 1), the
// decoded end-of-sequence token added to the stop strings, contexts
// left-truncated to leave room for the new tokens, and the output cut before
// the first stop string. At scale 1 the requests pass through to the
// backend.
func (g *Model) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	if g.unguided() {
		return g.n.GenerateUntil(ctx, reqs, progress)
	}
	return lm.GenerateInGroups(ctx, reqs, g.n.EOSText(), g.opts.GenerateBatch, progress, func(ctx context.Context, prompts []string, r lm.GenerateRequest) ([]string, error) {
		return g.Generate(ctx, prompts, GenerateOptions{MaxTokens: r.MaxTokens, Until: r.Until, Sampler: r.SamplerOptions()}, nil)
	})
}
