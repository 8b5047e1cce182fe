package native

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
)

// TokenRequest is a loglikelihood request already tokenised.
type TokenRequest struct {
	Context, Continuation []int
}

// scored is one request laid out for the engine: the model runs prefix
// (whose last logits predict cont[0]) and then cont[:len-1].
type scored struct {
	index  int
	prefix []int
	cont   []int
}

// LoglikelihoodTokens scores tokenised requests as the harness's
// _loglikelihood_tokens does: context and continuation are joined and cut
// from the left to MaxLength+1 tokens; the last token is never input. Requests
// with the same context share one context pass: the context runs once and
// each continuation runs in a fork of its cache.
func (n *Model) LoglikelihoodTokens(ctx context.Context, reqs []TokenRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	L := n.opts.MaxLength
	groups := map[string][]scored{}
	var order []string
	for i, r := range reqs {
		if len(r.Continuation) == 0 {
			return nil, fmt.Errorf("native: request %d has an empty continuation", i)
		}
		if len(r.Continuation) > L {
			return nil, fmt.Errorf("native: request %d: continuation of %d tokens is longer than the max length %d", i, len(r.Continuation), L)
		}
		if err := n.checkTokens(r.Context, r.Continuation); err != nil {
			return nil, fmt.Errorf("native: request %d: %w", i, err)
		}
		whole := append(append([]int(nil), r.Context...), r.Continuation...)
		if len(whole) > L+1 {
			whole = whole[len(whole)-L-1:]
		}
		prefix := whole[:len(whole)-len(r.Continuation)]
		if len(prefix) == 0 {
			return nil, fmt.Errorf("native: request %d has an empty context", i)
		}
		key := lm.TokenKey(prefix)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], scored{index: i, prefix: prefix, cont: r.Continuation})
	}
	out := make([]lm.LoglikelihoodResult, len(reqs))
	done := 0
	for start := 0; start < len(order); {
		end, tokens := start, 0
		for end < len(order) && (end == start || tokens+groupTokens(groups[order[end]]) <= n.opts.BatchTokens) {
			tokens += groupTokens(groups[order[end]])
			end++
		}
		var chunk [][]scored
		for _, k := range order[start:end] {
			chunk = append(chunk, groups[k])
		}
		if err := n.scoreChunk(ctx, chunk, out); err != nil {
			return nil, err
		}
		for _, g := range chunk {
			done += len(g)
		}
		if progress != nil {
			progress(done)
		}
		start = end
	}
	return out, nil
}

// checkTokens rejects token ids outside the model's vocabulary before any
// work: the last continuation token is never input, only looked up in the
// logits, so the engine's own check does not see it. A tokenizer.json with
// more tokens than the config's vocab_size produces such ids.
func (n *Model) checkTokens(lists ...[]int) error {
	v := n.m.Config.Vocab
	for _, ids := range lists {
		for _, id := range ids {
			if id < 0 || id >= v {
				return fmt.Errorf("token %d is outside the model's vocabulary [0, %d)", id, v)
			}
		}
	}
	return nil
}

func groupTokens(g []scored) int {
	n := len(g[0].prefix)
	for _, s := range g {
		n += len(s.cont) - 1
	}
	return n
}

// scoreChunk runs the contexts of a chunk of groups in one step, then all
// their continuations as forks in a second step.
func (n *Model) scoreChunk(ctx context.Context, chunk [][]scored, out []lm.LoglikelihoodResult) error {
	m := n.m
	var seqs []*model.Sequence
	defer func() {
		for i := len(seqs) - 1; i >= 0; i-- {
			seqs[i].Release()
		}
	}()
	parents := make([]model.Input, len(chunk))
	for i, g := range chunk {
		s, err := m.NewSequence(len(g[0].prefix))
		if err != nil {
			return err
		}
		seqs = append(seqs, s)
		parents[i] = model.Input{Seq: s, Tokens: g[0].prefix, Logits: 1}
	}
	err := m.Forward(ctx, parents, &model.ForwardOptions{Logits: func(r model.Row, logits []float32) error {
		for _, s := range chunk[r.Input] {
			lp, greedy := logProbOf(logits, s.cont[0])
			out[s.index] = lm.LoglikelihoodResult{LogProb: lp, IsGreedy: greedy}
		}
		return nil
	}})
	if err != nil {
		return err
	}
	var children []model.Input
	var owner []scored
	for i, g := range chunk {
		for _, s := range g {
			if len(s.cont) == 1 {
				continue
			}
			child, err := parents[i].Seq.Fork(len(s.cont) - 1)
			if err != nil {
				return err
			}
			seqs = append(seqs, child)
			children = append(children, model.Input{Seq: child, Tokens: s.cont[:len(s.cont)-1], Logits: model.AllLogits})
			owner = append(owner, s)
		}
	}
	if len(children) == 0 {
		return nil
	}
	return m.Forward(ctx, children, &model.ForwardOptions{Logits: func(r model.Row, logits []float32) error {
		s := owner[r.Input]
		j := r.Pos - len(s.prefix) + 1 // the continuation token this row predicts
		lp, greedy := logProbOf(logits, s.cont[j])
		res := &out[s.index]
		res.LogProb += lp
		res.IsGreedy = res.IsGreedy && greedy
		return nil
	}})
}
