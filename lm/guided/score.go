package guided

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

// scoreBufferFloats bounds the conditional rows held while waiting for the
// unconditional rows of the same positions (32 MB of float32): continuations
// longer than that run in several steps.
const scoreBufferFloats = 1 << 23

// scored is one request laid out for the engine: each branch runs its
// prefix (whose last logits predict cont[0]) and then cont[:len-1].
type scored struct {
	index int
	cont  []int
}

// scoreGroup is the requests that share both branches' prefixes: the
// prefixes run once and every continuation runs in forks of them.
type scoreGroup struct {
	prefix, unc []int // unc is nil at scale 1
	reqs        []scored
}

func (gr *scoreGroup) tokens(branches int) int {
	n := len(gr.prefix) + len(gr.unc)
	for _, s := range gr.reqs {
		n += branches * (len(s.cont) - 1)
	}
	return n
}

// LoglikelihoodTokens scores tokenised requests: the sum of the guided
// log-probabilities of the continuation's tokens and whether each is the
// first maximum of the guided distribution. Context and continuation are
// joined and cut from the left to MaxLength+1 tokens, as the harness does;
// the unconditional branch is cut the same way. Both branches of every
// request run in the same steps; requests with the same context share its
// pass. At scale 1 only the conditional branch runs and the numbers are the
// unguided backend's.
func (g *Model) LoglikelihoodTokens(ctx context.Context, reqs []TokenRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	L := g.lim.MaxLength
	groups := map[string]*scoreGroup{}
	var order []*scoreGroup
	for i, r := range reqs {
		if len(r.Continuation) == 0 {
			return nil, fmt.Errorf("guided: request %d has an empty continuation", i)
		}
		if len(r.Continuation) > L {
			return nil, fmt.Errorf("guided: request %d: continuation of %d tokens is longer than the max length %d", i, len(r.Continuation), L)
		}
		if err := g.checkTokens(r.Context, r.Continuation); err != nil {
			return nil, fmt.Errorf("guided: request %d: %w", i, err)
		}
		prefix := truncatePrefix(r.Context, r.Continuation, L)
		if len(prefix) == 0 {
			return nil, fmt.Errorf("guided: request %d has an empty context", i)
		}
		var unc []int
		if !g.unguided() {
			unc = truncatePrefix(g.uncondPrompt(prefix), r.Continuation, L)
		}
		key := lm.TokenKey(prefix) + "|" + lm.TokenKey(unc)
		gr, ok := groups[key]
		if !ok {
			gr = &scoreGroup{prefix: prefix, unc: unc}
			groups[key] = gr
			order = append(order, gr)
		}
		gr.reqs = append(gr.reqs, scored{index: i, cont: r.Continuation})
	}
	branches := 2
	if g.unguided() {
		branches = 1
	}
	out := make([]lm.LoglikelihoodResult, len(reqs))
	sc := &scorer{g: g, out: out}
	done := 0
	for start := 0; start < len(order); {
		end, tokens := start, 0
		for end < len(order) && (end == start || tokens+order[end].tokens(branches) <= g.opts.BatchTokens) {
			tokens += order[end].tokens(branches)
			end++
		}
		if err := sc.chunk(ctx, order[start:end]); err != nil {
			return nil, err
		}
		for _, gr := range order[start:end] {
			done += len(gr.reqs)
		}
		if progress != nil {
			progress(done)
		}
		start = end
	}
	return out, nil
}

// checkTokens rejects ids outside the vocabulary; a continuation's last
// token is only ever a target, so the engine would not see it.
func (g *Model) checkTokens(lists ...[]int) error {
	for _, ids := range lists {
		for _, id := range ids {
			if id < 0 || id >= g.lim.Vocab {
				return fmt.Errorf("token %d is outside the vocabulary [0, %d)", id, g.lim.Vocab)
			}
		}
	}
	return nil
}

// truncatePrefix joins context and continuation, keeps the last maxLen+1
// tokens and returns what remains of the context.
func truncatePrefix(context, cont []int, maxLen int) []int {
	if extra := len(context) + len(cont) - (maxLen + 1); extra > 0 {
		if extra >= len(context) {
			return nil
		}
		return context[extra:]
	}
	return context
}

// scorer runs chunks of groups and holds the conditional rows of the pair
// being combined.
type scorer struct {
	g     *Model
	out   []lm.LoglikelihoodResult
	buf   []float32       // conditional logits rows of the current pair
	stats []rowLogSoftmax // their log-softmax constants
	seqs  []*model.Sequence
}

// rowBudget is the number of continuation rows per branch and step.
func (s *scorer) rowBudget() int {
	return max(1, scoreBufferFloats/s.g.lim.Vocab)
}

func (s *scorer) release() {
	for i := len(s.seqs) - 1; i >= 0; i-- {
		s.seqs[i].Release()
	}
	s.seqs = s.seqs[:0]
}

func (s *scorer) newSequence(capacity int) (*model.Sequence, error) {
	seq, err := s.g.m.NewSequence(capacity)
	if err == nil {
		s.seqs = append(s.seqs, seq)
	}
	return seq, err
}

func (s *scorer) fork(parent *model.Sequence, capacity int) (*model.Sequence, error) {
	seq, err := parent.Fork(capacity)
	if err == nil {
		s.seqs = append(s.seqs, seq)
	}
	return seq, err
}

// keep stores a conditional row until its unconditional twin arrives.
func (s *scorer) keep(pos int, logits []float32) {
	V := len(logits)
	if need := (pos + 1) * V; len(s.buf) < need {
		s.buf = append(s.buf, make([]float32, need-len(s.buf))...)
	}
	for len(s.stats) <= pos {
		s.stats = append(s.stats, rowLogSoftmax{})
	}
	copy(s.buf[pos*V:(pos+1)*V], logits)
	s.stats[pos] = logSoftmaxOf(logits)
}

// branchRows is one scored position: the rows of both branches (uncond nil
// when unguided), their log-softmax constants and the guided argmax.
type branchRows struct {
	cond, uncond []float32
	sc, su       rowLogSoftmax
	scale        float64
	arg          int
}

// rows pairs the logits just received with the conditional row kept for
// position pos (or uses them alone when unguided).
func (s *scorer) rows(pos int, logits []float32) branchRows {
	b := branchRows{scale: s.g.scale}
	if s.g.unguided() {
		b.cond, b.sc = logits, logSoftmaxOf(logits)
	} else {
		V := len(logits)
		b.cond, b.sc = s.buf[pos*V:(pos+1)*V], s.stats[pos]
		b.uncond, b.su = logits, logSoftmaxOf(logits)
	}
	b.arg = guidedArgmax(b.cond, b.uncond, b.sc, b.su, b.scale)
	return b
}

// score returns target's guided log-probability and whether it is the
// guided argmax.
func (b *branchRows) score(target int) (float64, bool) {
	return guidedAt(b.cond, b.uncond, b.sc, b.su, b.scale, target), b.arg == target
}

// chunk scores the groups of one chunk: a step over both branches'
// prefixes, then steps over the continuations in forks of them.
func (s *scorer) chunk(ctx context.Context, chunk []*scoreGroup) error {
	return s.chunkWithBudget(ctx, chunk, s.rowBudget())
}

// chunkWithBudget is chunk with at most budget continuation positions per
// branch and step.
func (s *scorer) chunkWithBudget(ctx context.Context, chunk []*scoreGroup, budget int) error {
	defer s.release()
	guided := !s.g.unguided()
	per := 1
	if guided {
		per = 2
	}
	type parents struct{ cond, unc *model.Sequence }
	ps := make([]parents, len(chunk))
	batch := make([]model.Input, 0, per*len(chunk))
	for i, gr := range chunk {
		c, err := s.newSequence(len(gr.prefix))
		if err != nil {
			return err
		}
		ps[i].cond = c
		batch = append(batch, model.Input{Seq: c, Tokens: gr.prefix, Logits: 1})
		if guided {
			u, err := s.newSequence(len(gr.unc))
			if err != nil {
				return err
			}
			ps[i].unc = u
			batch = append(batch, model.Input{Seq: u, Tokens: gr.unc, Logits: 1})
		}
	}
	err := s.g.step(ctx, batch, func(input, _ int, logits []float32) error {
		if guided && input%2 == 0 {
			s.keep(0, logits)
			return nil
		}
		rows := s.rows(0, logits)
		for _, r := range chunk[input/per].reqs {
			lp, greedy := rows.score(r.cont[0])
			if err := s.g.checkLogProb(lp); err != nil {
				return err
			}
			s.out[r.index] = lm.LoglikelihoodResult{LogProb: lp, IsGreedy: greedy}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Continuations: each request's remaining tokens run in forks of its
	// group's prefixes, at most rowBudget positions per step so that the
	// conditional rows kept for combining stay bounded.
	type running struct {
		r         scored
		cond, unc *model.Sequence
		off       int // continuation tokens already input
	}
	var live []*running
	for i, gr := range chunk {
		for _, r := range gr.reqs {
			if len(r.cont) == 1 {
				continue
			}
			run := &running{r: r}
			if run.cond, err = s.fork(ps[i].cond, len(r.cont)-1); err != nil {
				return err
			}
			if guided {
				if run.unc, err = s.fork(ps[i].unc, len(r.cont)-1); err != nil {
					return err
				}
			}
			live = append(live, run)
		}
	}
	for len(live) > 0 {
		batch = batch[:0]
		for _, run := range live {
			seg := run.r.cont[run.off:min(run.off+budget, len(run.r.cont)-1)]
			batch = append(batch, model.Input{Seq: run.cond, Tokens: seg, Logits: model.AllLogits})
			if guided {
				batch = append(batch, model.Input{Seq: run.unc, Tokens: seg, Logits: model.AllLogits})
			}
		}
		err := s.g.step(ctx, batch, func(input, pos int, logits []float32) error {
			if guided && input%2 == 0 {
				s.keep(pos, logits)
				return nil
			}
			run := live[input/per]
			rows := s.rows(pos, logits)
			lp, greedy := rows.score(run.r.cont[run.off+pos+1])
			if err := s.g.checkLogProb(lp); err != nil {
				return err
			}
			res := &s.out[run.r.index]
			res.LogProb += lp
			res.IsGreedy = res.IsGreedy && greedy
			return nil
		})
		if err != nil {
			return err
		}
		next := live[:0]
		for _, run := range live {
			run.off = min(run.off+budget, len(run.r.cont)-1)
			if run.off < len(run.r.cont)-1 {
				next = append(next, run)
			}
		}
		live = next
	}
	return nil
}
