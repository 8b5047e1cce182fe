package model

import (
	"context"
	"fmt"
	"slices"
)

// GenerateOptions configures Generate.
type GenerateOptions struct {
	// MaxNewTokens caps the tokens generated per sequence. The default, 0,
	// means 256. It is lowered where a prompt would otherwise run past
	// max_position_embeddings.
	MaxNewTokens int
	// Sampler chooses tokens; the zero value is greedy decoding. Sequence i
	// of the batch samples from its own random stream i.
	Sampler SamplerOptions
	// StopTokens end a sequence when generated (the end-of-sequence ids);
	// the stop token is not included in the output.
	StopTokens []int
	// Stop, if set, is called after each new token with the tokens
	// generated so far for sequence i; returning true ends that sequence
	// (for stop strings checked on decoded text).
	Stop func(i int, generated []int) bool
	// Stream, if set, receives every generated token as soon as it is
	// chosen. An error ends generation and is returned.
	Stream func(i int, token int) error
}

// Generate continues each prompt, all prompts in one batch: a prefill step
// for the prompts, then one step per new token over the sequences still
// running. Sequences stop independently. It returns the generated tokens
// per prompt.
func (m *Model) Generate(ctx context.Context, prompts [][]int, opts *GenerateOptions) ([][]int, error) {
	if opts == nil {
		opts = &GenerateOptions{}
	}
	maxNew := opts.MaxNewTokens
	if maxNew <= 0 {
		maxNew = 256
	}
	limit := m.Config.PositionLimit()
	type state struct {
		seq     *Sequence
		sampler *Sampler
		history []int
		out     []int
		budget  int
		done    bool
	}
	states := make([]*state, len(prompts))
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("model: generate: prompt %d is empty", i)
		}
		if len(p) >= limit {
			return nil, fmt.Errorf("model: generate: prompt %d has %d tokens, max_position_embeddings is %d", i, len(p), limit)
		}
		budget := min(maxNew, limit-len(p))
		seq, err := m.NewSequence(len(p) + budget)
		if err != nil {
			return nil, err
		}
		states[i] = &state{seq: seq, sampler: NewSampler(opts.Sampler, uint64(i)), history: slices.Clone(p), budget: budget}
	}
	defer func() {
		for _, s := range states {
			if s != nil {
				s.seq.Release()
			}
		}
	}()
	batch := make([]Input, 0, len(prompts))
	owner := make([]int, 0, len(prompts))
	for i, p := range prompts {
		batch = append(batch, Input{Seq: states[i].seq, Tokens: p, Logits: 1})
		owner = append(owner, i)
	}
	next := make([]int, len(prompts))
	fopts := &ForwardOptions{Logits: func(r Row, logits []float32) error {
		s := states[owner[r.Input]]
		next[owner[r.Input]] = s.sampler.Sample(logits, s.history)
		return nil
	}}
	for len(batch) > 0 {
		if err := m.Forward(ctx, batch, fopts); err != nil {
			return nil, err
		}
		batch, owner = batch[:0], owner[:0]
		for i, s := range states {
			if s.done {
				continue
			}
			tok := next[i]
			if slices.Contains(opts.StopTokens, tok) {
				s.done = true
				continue
			}
			s.out = append(s.out, tok)
			s.history = append(s.history, tok)
			if opts.Stream != nil {
				if err := opts.Stream(i, tok); err != nil {
					return nil, err
				}
			}
			stop := opts.Stop != nil && opts.Stop(i, s.out)
			if stop || len(s.out) >= s.budget {
				s.done = true
				continue
			}
			batch = append(batch, Input{Seq: s.seq, Tokens: s.out[len(s.out)-1:], Logits: 1})
			owner = append(owner, i)
		}
	}
	out := make([][]int, len(prompts))
	for i, s := range states {
		out[i] = s.out
	}
	return out, nil
}
