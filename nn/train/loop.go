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
// The DPO fields are set by DPO runs only.
type Metrics struct {
	Step       int     `json:"step"`
	Epoch      float64 `json:"epoch"`
	Loss       float64 `json:"loss"`
	LR         float64 `json:"lr"`
	GradNorm   float64 `json:"grad_norm"`
	Tokens     int     `json:"tokens"`
	TokensPerS float64 `json:"tokens_per_s"`
	ElapsedS   float64 `json:"elapsed_s"`

	RewardsChosen   *float64 `json:"rewards_chosen,omitempty"`
	RewardsRejected *float64 `json:"rewards_rejected,omitempty"`
	RewardAccuracy  *float64 `json:"reward_accuracy,omitempty"`
	RewardMargin    *float64 `json:"reward_margin,omitempty"`
}

// State is where a run stands; it is saved with each checkpoint.
type State struct {
	// Step is the number of optimizer steps done.
	Step int `json:"global_step"`
	// MicroBatches is the number of micro-batches consumed.
	MicroBatches int `json:"micro_batches"`
	// TotalSteps is the run's length.
	TotalSteps int `json:"max_steps"`
	// Data identifies the training data by content, so that a resume on
	// other data is refused.
	Data string `json:"data"`
	// Objective is "lm" or "dpo".
	Objective string `json:"objective"`
	// Options are the run's options.
	Options *Options `json:"options"`
}

// core is what every training loop shares: the model and its optimizer,
// where the run stands, the schedule, clipping, the stop on a non-finite
// loss, checkpoints and resume.
type core struct {
	model      *transformer.Model[float32]
	configJSON []byte
	options    *Options
	out        string
	extra      []string
	onStep     func(Metrics) error

	opt   nn.Optimizer[float32]
	state State

	examples int   // examples per epoch
	perm     []int // the order of epoch permFor
	permFor  int
}

// stepResult is what an objective reports for one optimizer step, whose
// gradients it has added to the parameters.
type stepResult struct {
	loss   float64
	tokens int
	epoch  float64
	extra  func(*Metrics)
}

// objectiveStep computes the gradients of one optimizer step from the
// micro-batches [first, first+GradAccum).
type objectiveStep func(ctx context.Context, g *nn.Tape[float32], first int) (stepResult, error)

// setup validates the options, applies them to the model and sizes the run
// for examples examples per epoch.
func (c *core) setup(objective string, examples int, dataID string) error {
	o := c.options
	if examples == 0 {
		return fmt.Errorf("%w: no training examples", ErrData)
	}
	if o.Dropout != nil {
		p := *o.Dropout
		c.model.Dropout = transformer.Dropout{Embed: p, Residual: p, Attention: p}
	}
	c.examples = examples
	perEpoch := (examples + o.BatchSize - 1) / o.BatchSize
	total := o.Steps
	if total == 0 {
		total = max(1, int(math.Ceil(o.Epochs*float64(perEpoch)/float64(o.GradAccum))))
	}
	c.state = State{TotalSteps: total, Data: dataID, Objective: objective, Options: o}
	c.opt = o.newOptimizer(c.model.Params())
	c.permFor = -1
	return nil
}

// microBatch returns the example indices of global micro-batch k (batch k
// mod the batches per epoch, of epoch k / the batches per epoch) and the
// epoch, counted fractionally at its end.
func (c *core) microBatch(k int) ([]int, float64) {
	o := c.options
	perEpoch := (c.examples + o.BatchSize - 1) / o.BatchSize
	epoch, i := k/perEpoch, k%perEpoch
	if c.permFor != epoch {
		c.perm, c.permFor = order(c.examples, epoch, *o.Shuffle, o.Seed), epoch
	}
	return c.perm[i*o.BatchSize : min(c.examples, (i+1)*o.BatchSize)], float64(epoch) + float64(i+1)/float64(perEpoch)
}

// run trains until the last step, ctx's end, a non-finite loss or an error
// from onStep, saving checkpoints as Options says and the final model.
func (c *core) run(ctx context.Context, step objectiveStep) error {
	g := nn.NewTape[float32]()
	start := time.Now()
	for c.state.Step < c.state.TotalSteps {
		if err := ctx.Err(); err != nil {
			return c.stop(err)
		}
		m, err := c.step(ctx, g, step)
		if err != nil {
			return c.stop(err)
		}
		m.ElapsedS = time.Since(start).Seconds()
		if c.onStep != nil {
			if err := c.onStep(m); err != nil {
				return c.stop(err)
			}
		}
		if o := c.options; o.SaveEvery > 0 && c.state.Step%o.SaveEvery == 0 && c.state.Step < c.state.TotalSteps {
			if err := c.saveCheckpoint(); err != nil {
				return err
			}
		}
	}
	return c.saveFinal()
}

// stop saves a checkpoint (the weights are always those after the last
// complete step) and returns err.
func (c *core) stop(err error) error {
	if serr := c.saveCheckpoint(); serr != nil {
		return fmt.Errorf("%w (and saving a checkpoint failed: %v)", err, serr)
	}
	return err
}

// step runs one optimizer step: the objective's gradients, clipping, the
// check for non-finite values, the update.
func (c *core) step(ctx context.Context, g *nn.Tape[float32], objective objectiveStep) (Metrics, error) {
	o := c.options
	began := time.Now()
	params := c.model.Params()
	nn.ZeroGrad(params)
	r, err := objective(ctx, g, c.state.MicroBatches)
	g.Reset()
	if err != nil {
		return Metrics{}, err // nothing applied: the weights are the last step's
	}
	norm := nn.ClipGradNorm(params, o.MaxGradNorm)
	if math.IsNaN(r.loss) || math.IsInf(r.loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return Metrics{}, fmt.Errorf("%w at step %d (loss %v, gradient norm %v); the weights from before it are kept", ErrNonFinite, c.state.Step+1, r.loss, norm)
	}
	sched := nn.Schedule{Kind: o.Schedule, Warmup: o.WarmupSteps, Total: c.state.TotalSteps, MinRatio: o.MinLRRatio}
	lr := o.LR * sched.Factor(c.state.Step)
	c.opt.Step(lr)
	c.state.Step++
	c.state.MicroBatches += o.GradAccum
	secs := time.Since(began).Seconds()
	m := Metrics{Step: c.state.Step, Epoch: r.epoch, Loss: r.loss, LR: lr, GradNorm: norm, Tokens: r.tokens, TokensPerS: float64(r.tokens) / secs}
	if r.extra != nil {
		r.extra(&m)
	}
	return m, nil
}

// hashSeqs identifies token sequences by content: their number, total
// length and an FNV-64a hash (not a path, which may change between
// machines).
func hashSeqs(n int, seq func(i int) []int32) string {
	h := fnv.New64a()
	var buf [4]byte
	tokens := 0
	for i := range n {
		s := seq(i)
		tokens += len(s)
		for _, id := range s {
			binary.LittleEndian.PutUint32(buf[:], uint32(id))
			h.Write(buf[:])
		}
		h.Write([]byte{0xff, 0xff, 0xff, 0xff}) // no id is this large: a separator
	}
	return fmt.Sprintf("%d sequences, %d tokens, fnv64a %016x", n, tokens, h.Sum64())
}
