package train

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/nn/transformer"
)

// DPO losses, as TRL's DPOTrainer names them.
const (
	// DPOSigmoid is the DPO paper's loss, -log σ(β·margin), with label
	// smoothing ε mixing in -log σ(-β·margin) (conservative DPO).
	DPOSigmoid = "sigmoid"
	// DPOIPO is IPO's (margin - 1/(2β))², on log-probabilities averaged
	// over each response's tokens, as TRL computes it.
	DPOIPO = "ipo"
	// DPOHinge is SLiC's max(0, 1 - β·margin).
	DPOHinge = "hinge"
)

// DPO fine-tunes a causal language model on preference pairs with Direct
// Preference Optimization. For a prompt x with chosen response y_w and
// rejected y_l, the margin is
//
//	[log πθ(y_w|x) - log π_ref(y_w|x)] - [log πθ(y_l|x) - log π_ref(y_l|x)]
//
// with log-probabilities summed over the response tokens only, π_ref the
// frozen reference; the loss is the mean over an optimizer step's pairs of
// the configured loss of the margin. The rewards it reports are β times each
// bracket, as TRL reports them.
//
// The reference's log-probabilities are computed once, before the first
// step (TRL's precompute_ref_log_probs): they never change, and the
// reference model need not stay in memory. Dropout is off unless
// Options.Dropout asks for it, as TRL's disable_dropout does.
type DPO struct {
	Model *transformer.Model[float32]
	// Ref is the frozen reference model; nil means Model's own weights at
	// the start of training.
	Ref        *transformer.Model[float32]
	ConfigJSON []byte
	Data       *Preferences
	Options    *Options
	// Beta is the DPO temperature; the default is 0.1.
	Beta float64
	// Loss is DPOSigmoid (the default), DPOIPO or DPOHinge.
	Loss string
	// LabelSmoothing is the sigmoid loss's ε, in [0, 0.5).
	LabelSmoothing float64
	Out            string
	Extra          []string
	OnStep         func(Metrics) error

	core     core
	ref      []refLogProbs
	prepared bool
}

// refLogProbs are a pair's reference log-probabilities.
type refLogProbs struct{ chosen, rejected float64 }

// Prepare checks the settings and the data, sets up the run and computes
// the reference log-probabilities.
func (t *DPO) Prepare() error {
	if t.prepared {
		return nil
	}
	t.Options = t.Options.EnsureDefaults()
	if t.Beta == 0 {
		t.Beta = 0.1
	}
	if t.Loss == "" {
		t.Loss = DPOSigmoid
	}
	if err := t.validate(); err != nil {
		return err
	}
	if err := t.Data.checkVocab(t.Model.Config.Vocab); err != nil {
		return err
	}
	if t.Options.Dropout == nil {
		t.Model.Dropout = transformer.Dropout{}
	}
	t.core = core{model: t.Model, configJSON: t.ConfigJSON, options: t.Options, out: t.Out, extra: t.Extra, onStep: t.OnStep}
	if err := t.core.setup("dpo", len(t.Data.Pairs), t.Data.id()); err != nil {
		return err
	}
	ref := t.Ref
	if ref == nil {
		ref = t.Model
	}
	var err error
	if t.ref, err = t.referenceLogProbs(ref); err != nil {
		return err
	}
	t.Ref = nil // not needed any more
	t.prepared = true
	return nil
}

func (t *DPO) validate() error {
	var bad []string
	if err := t.Options.Validate(); err != nil {
		bad = append(bad, strings.TrimPrefix(err.Error(), "train: options: "))
	}
	if !(t.Beta > 0) || math.IsInf(t.Beta, 0) {
		bad = append(bad, fmt.Sprintf("beta %v must be a finite number > 0", t.Beta))
	}
	switch t.Loss {
	case DPOSigmoid, DPOIPO, DPOHinge:
	default:
		bad = append(bad, fmt.Sprintf("loss %q is not sigmoid, ipo or hinge", t.Loss))
	}
	if !(t.LabelSmoothing >= 0 && t.LabelSmoothing < 0.5) {
		bad = append(bad, fmt.Sprintf("label smoothing %v outside [0, 0.5)", t.LabelSmoothing))
	}
	if t.LabelSmoothing != 0 && t.Loss != DPOSigmoid {
		bad = append(bad, "label smoothing applies to the sigmoid loss only")
	}
	if t.Ref != nil && t.Ref.Config.Vocab != t.Model.Config.Vocab {
		bad = append(bad, fmt.Sprintf("the reference's vocabulary (%d) differs from the model's (%d)", t.Ref.Config.Vocab, t.Model.Config.Vocab))
	}
	if len(bad) > 0 {
		return fmt.Errorf("train: dpo: %s", strings.Join(bad, "; "))
	}
	return nil
}

// pairBatch is the chosen and rejected sequences of some pairs, chosen
// first, right-padded, with labels only on response tokens.
type pairBatch struct {
	*batch
	pairs  []int
	counts []int // response tokens of each sequence
}

func (t *DPO) makePairBatch(idx []int) *pairBatch {
	seqs := make([][]int32, 2*len(idx))
	starts := make([]int, 2*len(idx))
	for i, j := range idx {
		p := &t.Data.Pairs[j]
		seqs[i] = append(append([]int32(nil), p.Prompt...), p.Chosen...)
		seqs[len(idx)+i] = append(append([]int32(nil), p.Prompt...), p.Rejected...)
		starts[i], starts[len(idx)+i] = len(p.Prompt), len(p.Prompt)
	}
	b := makeBatch(seqs)
	pb := &pairBatch{batch: b, pairs: idx, counts: make([]int, len(seqs))}
	b.count = 0
	for r := range seqs {
		// position t predicts token t+1: keep labels of response tokens only
		for t := 0; t < starts[r]-1 && t < b.seq; t++ {
			b.labels[r*b.seq+t] = nn.IgnoreIndex
		}
		for t := range b.seq {
			if b.labels[r*b.seq+t] != nn.IgnoreIndex {
				pb.counts[r]++
			}
		}
		b.count += pb.counts[r]
	}
	return pb
}

// sequenceLogProbs returns the summed (or, for IPO, averaged) response
// log-probabilities of a pair batch's sequences, [2·pairs].
func (t *DPO) sequenceLogProbs(g *nn.Tape[float32], m *transformer.Model[float32], b *pairBatch, opts transformer.RunOptions) (*nn.Tensor[float32], error) {
	logits, err := m.Logits(g, b.ids, b.size, b.seq, opts)
	if err != nil {
		return nil, err
	}
	lp := g.TokenLogProbs(logits, b.labels)
	sums := g.Sum(g.Reshape(lp, b.size, b.seq), false, 1)
	if t.Loss != DPOIPO {
		return sums, nil
	}
	inv := make([]float32, b.size)
	for i, c := range b.counts {
		inv[i] = 1 / float32(max(c, 1))
	}
	return g.Mul(sums, nn.FromData(inv, b.size)), nil
}

// referenceLogProbs computes every pair's reference log-probabilities,
// BatchSize pairs at a time, without recording.
func (t *DPO) referenceLogProbs(ref *transformer.Model[float32]) ([]refLogProbs, error) {
	g := &nn.Tape[float32]{NoGrad: true}
	out := make([]refLogProbs, len(t.Data.Pairs))
	bs := t.Options.BatchSize
	for lo := 0; lo < len(out); lo += bs {
		idx := make([]int, 0, bs)
		for j := lo; j < min(lo+bs, len(out)); j++ {
			idx = append(idx, j)
		}
		b := t.makePairBatch(idx)
		lp, err := t.sequenceLogProbs(g, ref, b, transformer.RunOptions{})
		if err != nil {
			return nil, err
		}
		d := lp.Data()
		for i, j := range idx {
			out[j] = refLogProbs{float64(d[i]), float64(d[len(idx)+i])}
		}
		g.Reset()
	}
	return out, nil
}

// Run trains until the last step, Ctrl-C (ctx) or a non-finite loss, with
// checkpoints and the final model as LM.Run writes them.
func (t *DPO) Run(ctx context.Context) error {
	if err := t.Prepare(); err != nil {
		return err
	}
	t.core.onStep = t.OnStep
	return t.core.run(ctx, t.step)
}

// step adds the gradients of GradAccum micro-batches of pairs: each
// micro-batch's summed loss is divided by the step's number of pairs.
func (t *DPO) step(ctx context.Context, g *nn.Tape[float32], first int) (stepResult, error) {
	o := t.Options
	var r stepResult
	batches := make([]*pairBatch, o.GradAccum)
	pairs := 0
	for a := range batches {
		var idx []int
		idx, r.epoch = t.core.microBatch(first + a)
		batches[a] = t.makePairBatch(idx)
		pairs += len(idx)
	}
	var lossSum, rc, rr, acc float64
	for a, b := range batches {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		key := nn.DropoutKey(o.Seed, uint64(t.core.state.Step), uint64(a))
		lp, err := t.sequenceLogProbs(g, t.Model, b, transformer.RunOptions{Train: true, Key: key})
		if err != nil {
			return r, err
		}
		n := len(b.pairs)
		refC, refR := make([]float32, n), make([]float32, n)
		for i, j := range b.pairs {
			refC[i], refR[i] = float32(t.ref[j].chosen), float32(t.ref[j].rejected)
		}
		lc := g.Sub(g.Slice(lp, 0, 0, n), nn.FromData(refC, n))
		lr := g.Sub(g.Slice(lp, 0, n, 2*n), nn.FromData(refR, n))
		losses := t.pairLosses(g, g.Sub(lc, lr))
		sum := g.Sum(losses, false)
		lossSum += float64(sum.Item())
		for i := range n {
			c, rj := t.Beta*float64(lc.Data()[i]), t.Beta*float64(lr.Data()[i])
			rc += c
			rr += rj
			if c > rj {
				acc++
			}
		}
		g.Backward(g.Scale(sum, 1/float64(pairs)))
		g.Reset()
		r.tokens += len(b.ids)
	}
	np := float64(pairs)
	r.loss = lossSum / np
	chosen, rejected, accuracy, margin := rc/np, rr/np, acc/np, (rc-rr)/np
	r.extra = func(m *Metrics) {
		m.RewardsChosen, m.RewardsRejected, m.RewardAccuracy, m.RewardMargin = &chosen, &rejected, &accuracy, &margin
	}
	return r, nil
}

// pairLosses returns each pair's loss of its margin.
func (t *DPO) pairLosses(g *nn.Tape[float32], margin *nn.Tensor[float32]) *nn.Tensor[float32] {
	switch t.Loss {
	case DPOIPO:
		d := g.AddScalar(margin, -1/(2*t.Beta))
		return g.Mul(d, d)
	case DPOHinge:
		return g.ReLU(g.AddScalar(g.Scale(margin, -t.Beta), 1))
	}
	eps := t.LabelSmoothing
	loss := g.Scale(g.LogSigmoid(g.Scale(margin, t.Beta)), -(1 - eps))
	if eps == 0 {
		return loss
	}
	return g.Add(loss, g.Scale(g.LogSigmoid(g.Scale(margin, -t.Beta)), -eps))
}

// Step returns the number of optimizer steps done.
func (t *DPO) Step() int { return t.core.state.Step }

// TotalSteps returns the run's length (after Prepare or Resume).
func (t *DPO) TotalSteps() int { return t.core.state.TotalSteps }

// Resume restores the weights, the optimizer state and the run's position
// from a checkpoint. The reference log-probabilities are those of the
// reference given (Ref, or the --init weights), computed again.
func (t *DPO) Resume(dir string) error {
	if err := t.Prepare(); err != nil {
		return err
	}
	return t.core.resume(dir)
}
