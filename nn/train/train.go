package train

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/nn/transformer"
)

// LM trains a causal language model on next-token prediction: the loss is
// the mean cross-entropy over every predicted token of an optimizer step's
// batch (all its micro-batches together, as Hugging Face's Trainer counts
// them since version 4.46), labels being the input ids shifted by one.
type LM struct {
	Model *transformer.Model[float32]
	// ConfigJSON is written with every checkpoint (the config.json the
	// model came from).
	ConfigJSON []byte
	Data       *Dataset
	Options    *Options
	// Out is the output directory: checkpoints go to Out/checkpoint-STEP
	// and the final model to Out. Empty: nothing is written.
	Out string
	// Extra files (tokenizer files, say) copied into every saved model.
	Extra []string
	// OnStep, if set, receives every step's metrics. An error stops the
	// run (after saving a checkpoint).
	OnStep func(Metrics) error

	core     core
	ex       *examples
	prepared bool
}

// Prepare checks the options and the data against the model and sets up
// the run (examples, optimizer, length). Run and Resume call it when it has
// not been called; calling it first reports bad input before any work.
func (t *LM) Prepare() error {
	if t.prepared {
		return nil
	}
	t.Options = t.Options.EnsureDefaults()
	o := t.Options
	if err := o.Validate(); err != nil {
		return err
	}
	if err := t.Data.CheckVocab(t.Model.Config.Vocab); err != nil {
		return err
	}
	eos := -1
	if len(t.Model.Config.EOS) > 0 {
		eos = t.Model.Config.EOS[0]
	}
	if *o.Shuffle {
		t.ex = t.Data.pack(o.SeqLen, eos)
	} else {
		t.ex = t.Data.whole(o.SeqLen)
	}
	if len(t.ex.seqs) == 0 {
		return fmt.Errorf("%w: %s: %d tokens make no training example of %d tokens", ErrData, t.Data.Path, t.Data.Tokens(), o.SeqLen)
	}
	t.core = core{model: t.Model, configJSON: t.ConfigJSON, options: o, out: t.Out, extra: t.Extra, onStep: t.OnStep}
	if err := t.core.setup("lm", len(t.ex.seqs), hashSeqs(t.Data.Len(), t.Data.Seq)); err != nil {
		return err
	}
	t.prepared = true
	return nil
}

// Run trains until the run's last step, Ctrl-C (ctx) or a non-finite loss.
// With Out set it writes a checkpoint every SaveEvery steps, when stopped
// early (ctx's error is returned), and before reporting a non-finite loss;
// at the end it writes the final model into Out.
func (t *LM) Run(ctx context.Context) error {
	if err := t.Prepare(); err != nil {
		return err
	}
	t.core.onStep = t.OnStep
	return t.core.run(ctx, t.step)
}

// step adds the gradients of GradAccum micro-batches from first on. Each
// micro-batch's summed loss is divided by the step's whole count of
// predicted tokens, so the gradients add up to those of the mean.
func (t *LM) step(ctx context.Context, g *nn.Tape[float32], first int) (stepResult, error) {
	o := t.Options
	batches := make([]*batch, o.GradAccum)
	count := 0
	var r stepResult
	for a := range batches {
		var idx []int
		idx, r.epoch = t.core.microBatch(first + a)
		seqs := make([][]int32, len(idx))
		for i, j := range idx {
			seqs[i] = t.ex.seqs[j]
		}
		batches[a] = makeBatch(seqs)
		count += batches[a].count
	}
	var lossSum float64
	for a, b := range batches {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		key := nn.DropoutKey(o.Seed, uint64(t.core.state.Step), uint64(a))
		logits, err := t.Model.Logits(g, b.ids, b.size, b.seq, transformer.RunOptions{Train: true, Key: key})
		if err != nil {
			return r, err
		}
		sum := g.CrossEntropy(logits, b.labels, nn.CrossEntropyOptions{Sum: true})
		lossSum += float64(sum.Item())
		g.Backward(g.Scale(sum, 1/float64(count)))
		g.Reset()
		r.tokens += len(b.ids)
	}
	r.loss = lossSum / float64(count)
	return r, nil
}

// Step returns the number of optimizer steps done.
func (t *LM) Step() int { return t.core.state.Step }

// TotalSteps returns the run's length (after Prepare or Resume).
func (t *LM) TotalSteps() int { return t.core.state.TotalSteps }

// SaveCheckpoint writes Out/checkpoint-STEP (see core.saveCheckpoint).
func (t *LM) SaveCheckpoint() error { return t.core.saveCheckpoint() }

// Resume restores the weights, the optimizer state and the run's position
// from a checkpoint directory, after which Run continues exactly where the
// checkpointed run was. A checkpoint of other data is refused.
func (t *LM) Resume(dir string) error {
	if err := t.Prepare(); err != nil {
		return err
	}
	return t.core.resume(dir)
}
