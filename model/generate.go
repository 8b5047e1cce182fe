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

// Generation is one sequence being generated: its sampler, the tokens it
// has seen (for the repetition penalty) and those it has produced. Decoding
// loops that feed their own batches (guided decoding runs two branches per
// sequence) share it with Generate, so that they stop and stream alike.
type Generation struct {
	sampler *Sampler
	history []int
	out     []int
	budget  int
	done    bool
}

// NewGeneration starts generating after prompt with at most budget new
// tokens, sampling from random stream stream of opts.
func NewGeneration(prompt []int, opts SamplerOptions, stream uint64, budget int) *Generation {
	return &Generation{sampler: NewSampler(opts, stream), history: slices.Clone(prompt), budget: budget}
}

// Sample chooses the next token from logits (which it may modify).
func (g *Generation) Sample(logits []float32) int {
	return g.sampler.Sample(logits, g.history)
}

// Advance takes tok, the token chosen for sequence i: a stop token ends the
// sequence and is not output; any other is appended, streamed, and checked
// against opts.Stop and the budget. It reports whether the sequence needs
// another step; the error is opts.Stream's.
func (g *Generation) Advance(i, tok int, opts *GenerateOptions) (bool, error) {
	if slices.Contains(opts.StopTokens, tok) {
		g.done = true
		return false, nil
	}
	g.out = append(g.out, tok)
	g.history = append(g.history, tok)
	if opts.Stream != nil {
		if err := opts.Stream(i, tok); err != nil {
			return false, err
		}
	}
	if (opts.Stop != nil && opts.Stop(i, g.out)) || len(g.out) >= g.budget {
		g.done = true
		return false, nil
	}
	return true, nil
}

// Done reports whether the sequence has ended.
func (g *Generation) Done() bool { return g.done }

// Tokens returns the tokens generated so far.
func (g *Generation) Tokens() []int { return g.out }

// Last returns the latest generated token as a one-token slice: the input
// of the next step.
func (g *Generation) Last() []int { return g.out[len(g.out)-1:] }

// Generate continues each prompt, all prompts in one batch: a prefill step
// for the prompts, then one step per new token over the sequences still
// running. Sequences stop independently. It returns the generated tokens
// per prompt.
func (m *Model) Generate(ctx context.Context, prompts [][]int, opts *GenerateOptions) ([][]int, error) {
	if opts == nil {
		opts = &GenerateOptions{}
	}
	if err := opts.Sampler.Validate(); err != nil {
		return nil, err
	}
	maxNew := opts.MaxNewTokens
	if maxNew <= 0 {
		maxNew = 256
	}
	limit := m.Config.PositionLimit()
	gens := make([]*Generation, len(prompts))
	seqs := make([]*Sequence, len(prompts))
	defer func() {
		for _, seq := range seqs {
			if seq != nil {
				seq.Release()
			}
		}
	}()
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
		seqs[i] = seq
		gens[i] = NewGeneration(p, opts.Sampler, uint64(i), budget)
	}
	batch := make([]Input, 0, len(prompts))
	owner := make([]int, 0, len(prompts))
	for i, p := range prompts {
		batch = append(batch, Input{Seq: seqs[i], Tokens: p, Logits: 1})
		owner = append(owner, i)
	}
	next := make([]int, len(prompts))
	fopts := &ForwardOptions{Logits: func(r Row, logits []float32) error {
		i := owner[r.Input]
		next[i] = gens[i].Sample(logits)
		return nil
	}}
	for len(batch) > 0 {
		if err := m.Forward(ctx, batch, fopts); err != nil {
			return nil, err
		}
		batch, owner = batch[:0], owner[:0]
		for i, g := range gens {
			if g.Done() {
				continue
			}
			more, err := g.Advance(i, next[i], opts)
			if err != nil {
				return nil, err
			}
			if more {
				batch = append(batch, Input{Seq: seqs[i], Tokens: g.Last(), Logits: 1})
				owner = append(owner, i)
			}
		}
	}
	out := make([][]int, len(prompts))
	for i, g := range gens {
		out[i] = g.Tokens()
	}
	return out, nil
}
