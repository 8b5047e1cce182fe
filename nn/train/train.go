package train

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/nn/transformer"
)

// ErrNonFinite is returned (wrapped, with the step) when the loss or the
// gradient norm becomes NaN or infinite. The weights from before that step
// are saved first.
var ErrNonFinite = errors.New("train: loss is not finite")

// Metrics describe one optimizer step; they are what the JSONL log holds.
type Metrics struct {
	Step       int     `json:"step"`
	Epoch      float64 `json:"epoch"`
	Loss       float64 `json:"loss"`
	LR         float64 `json:"lr"`
	GradNorm   float64 `json:"grad_norm"`
	Tokens     int     `json:"tokens"`
	TokensPerS float64 `json:"tokens_per_s"`
	ElapsedS   float64 `json:"elapsed_s"`
}

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

	opt     nn.Optimizer[float32]
	ex      *examples
	state   State
	perm    []int // the order of the current epoch
	permFor int   // which epoch perm belongs to
}

// State is where a run stands; it is saved with each checkpoint.
type State struct {
	// Step is the number of optimizer steps done.
	Step int `json:"global_step"`
	// MicroBatches is the number of micro-batches consumed.
	MicroBatches int `json:"micro_batches"`
	// TotalSteps is the run's length.
	TotalSteps int `json:"max_steps"`
	// Data identifies the dataset (path, sequences, tokens), so that a
	// resume on other data is refused.
	Data string `json:"data"`
	// Options are the run's options, as given.
	Options *Options `json:"options"`
}

// Prepare checks the options and the data against the model and sets up
// the run (examples, optimizer, length). Run and Resume call it when it has
// not been called; calling it first reports bad input before any work.
func (t *LM) Prepare() error {
	if t.opt != nil {
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
	if o.Dropout != nil {
		p := *o.Dropout
		t.Model.Dropout = transformer.Dropout{Embed: p, Residual: p, Attention: p}
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
	perEpoch := (len(t.ex.seqs) + o.BatchSize - 1) / o.BatchSize
	total := o.Steps
	if total == 0 {
		total = max(1, int(math.Ceil(o.Epochs*float64(perEpoch)/float64(o.GradAccum))))
	}
	t.state = State{TotalSteps: total, Data: t.dataID(), Options: o}
	t.opt = o.newOptimizer(t.Model.Params())
	t.permFor = -1
	return nil
}

// dataID identifies the dataset by content: its size and a hash of its
// sequences (not its path, which may change between machines).
func (t *LM) dataID() string {
	h := fnv.New64a()
	var buf [4]byte
	for i := range t.Data.Len() {
		for _, id := range t.Data.Seq(i) {
			binary.LittleEndian.PutUint32(buf[:], uint32(id))
			h.Write(buf[:])
		}
		h.Write([]byte{0xff, 0xff, 0xff, 0xff}) // no id is this large: a separator
	}
	return fmt.Sprintf("%d sequences, %d tokens, fnv64a %016x", t.Data.Len(), t.Data.Tokens(), h.Sum64())
}

// microBatch returns global micro-batch k: batch k mod (batches per epoch)
// of epoch k / (batches per epoch).
func (t *LM) microBatch(k int) (*batch, float64) {
	o := t.Options
	n := len(t.ex.seqs)
	perEpoch := (n + o.BatchSize - 1) / o.BatchSize
	epoch, i := k/perEpoch, k%perEpoch
	if t.permFor != epoch {
		t.perm, t.permFor = t.ex.order(epoch, *o.Shuffle, o.Seed), epoch
	}
	var seqs [][]int32
	for j := i * o.BatchSize; j < min(n, (i+1)*o.BatchSize); j++ {
		seqs = append(seqs, t.ex.seqs[t.perm[j]])
	}
	return makeBatch(seqs), float64(epoch) + float64(i+1)/float64(perEpoch)
}

// Run trains until the run's last step, Ctrl-C (ctx) or a non-finite loss.
// With Out set it writes a checkpoint every SaveEvery steps, when stopped
// early (ctx's error is returned), and before reporting a non-finite loss;
// at the end it writes the final model into Out.
func (t *LM) Run(ctx context.Context) error {
	if err := t.Prepare(); err != nil {
		return err
	}
	g := nn.NewTape[float32]()
	start := time.Now()
	for t.state.Step < t.state.TotalSteps {
		if err := ctx.Err(); err != nil {
			return t.stop(err)
		}
		m, err := t.step(ctx, g)
		if err != nil {
			return t.stop(err)
		}
		m.ElapsedS = time.Since(start).Seconds()
		if t.OnStep != nil {
			if err := t.OnStep(m); err != nil {
				return t.stop(err)
			}
		}
		if o := t.Options; o.SaveEvery > 0 && t.state.Step%o.SaveEvery == 0 && t.state.Step < t.state.TotalSteps {
			if err := t.SaveCheckpoint(); err != nil {
				return err
			}
		}
	}
	return t.SaveFinal()
}

// stop saves a checkpoint (the weights are always those after the last
// complete step) and returns err.
func (t *LM) stop(err error) error {
	if serr := t.SaveCheckpoint(); serr != nil {
		return fmt.Errorf("%w (and saving a checkpoint failed: %v)", err, serr)
	}
	return err
}

// step runs one optimizer step: forward and backward over GradAccum
// micro-batches, clipping, the update.
func (t *LM) step(ctx context.Context, g *nn.Tape[float32]) (Metrics, error) {
	o := t.Options
	began := time.Now()
	params := t.Model.Params()
	nn.ZeroGrad(params)
	batches := make([]*batch, o.GradAccum)
	count := 0
	var epoch float64
	for a := range batches {
		batches[a], epoch = t.microBatch(t.state.MicroBatches + a)
		count += batches[a].count
	}
	var lossSum float64
	tokens := 0
	for a, b := range batches {
		if err := ctx.Err(); err != nil {
			return Metrics{}, err // nothing applied yet: the weights are the last step's
		}
		key := nn.DropoutKey(o.Seed, uint64(t.state.Step), uint64(a))
		logits, err := t.Model.Logits(g, b.ids, b.size, b.seq, transformer.RunOptions{Train: true, Key: key})
		if err != nil {
			return Metrics{}, err
		}
		// Each micro-batch's summed loss is divided by the step's whole
		// count, so the gradients add up to those of the mean.
		sum := g.CrossEntropy(logits, b.labels, nn.CrossEntropyOptions{Sum: true})
		loss := g.Scale(sum, 1/float64(count))
		lossSum += float64(sum.Item())
		g.Backward(loss)
		g.Reset()
		tokens += len(b.ids)
	}
	loss := lossSum / float64(count)
	norm := nn.ClipGradNorm(params, o.MaxGradNorm)
	if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return Metrics{}, fmt.Errorf("%w at step %d (loss %v, gradient norm %v); the weights from before it are kept", ErrNonFinite, t.state.Step+1, loss, norm)
	}
	sched := nn.Schedule{Kind: o.Schedule, Warmup: o.WarmupSteps, Total: t.state.TotalSteps, MinRatio: o.MinLRRatio}
	lr := o.LR * sched.Factor(t.state.Step)
	t.opt.Step(lr)
	t.state.Step++
	t.state.MicroBatches += o.GradAccum
	secs := time.Since(began).Seconds()
	return Metrics{Step: t.state.Step, Epoch: epoch, Loss: loss, LR: lr, GradNorm: norm, Tokens: tokens, TokensPerS: float64(tokens) / secs}, nil
}

// Step returns the number of optimizer steps done.
func (t *LM) Step() int { return t.state.Step }

// TotalSteps returns the run's length (after prepare or Resume).
func (t *LM) TotalSteps() int { return t.state.TotalSteps }
