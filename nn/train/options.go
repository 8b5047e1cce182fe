package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/nn"
)

// Options configure a training run. Field names follow Hugging Face's
// TrainingArguments where one exists. A nil *Options means the defaults.
type Options struct {
	// SeqLen is the length of the token blocks packed data is cut into,
	// and the most tokens of one sequence otherwise (longer ones are
	// truncated). The default is 256.
	SeqLen int
	// BatchSize is the number of sequences per micro-batch. The default is
	// 8.
	BatchSize int
	// GradAccum is the number of micro-batches whose gradients add up to
	// one optimizer step. The default is 1.
	GradAccum int
	// Steps is the number of optimizer steps. When 0, Epochs decides.
	Steps int
	// Epochs is the number of passes over the data when Steps is 0. The
	// default is 1.
	Epochs float64

	// Optimizer is "adamw" (the default), "adam" or "sgd".
	Optimizer string
	// LR is the peak learning rate. The default is 5e-5, Hugging Face's.
	LR float64
	// WeightDecay applies to every parameter but biases and normalisation
	// weights. The default is 0.
	WeightDecay float64
	// Beta1 and Beta2 are Adam's; the defaults are 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps is Adam's epsilon; the default is 1e-8.
	Eps float64
	// Momentum is SGD's (default 0); Nesterov turns on Nesterov momentum.
	Momentum float64
	Nesterov bool

	// Schedule is "constant", "linear" (the default, as Hugging Face's) or
	// "cosine"; WarmupSteps rise linearly from 0; MinLRRatio is the cosine
	// floor as a fraction of LR.
	Schedule    string
	WarmupSteps int
	MinLRRatio  float64
	// MaxGradNorm clips the global gradient norm; 0 turns clipping off.
	// The default is 1.0, Hugging Face's; set NoClip to train unclipped.
	MaxGradNorm float64
	NoClip      bool

	// Dropout, when set (≥ 0), replaces every dropout probability of the
	// model's config; nil keeps the config's.
	Dropout *float64
	// Shuffle packs all sequences into SeqLen blocks and visits them in a
	// new random order each epoch. Off, each sequence is one example,
	// taken in file order, and batches are padded to their longest
	// sequence. The default (nil) is on.
	Shuffle *bool
	// Seed drives shuffling and dropout (0 is a seed like any other; the
	// command line's default is DefaultSeed, Hugging Face's 42).
	Seed uint64

	// SaveEvery writes a checkpoint every this many steps (0: only at the
	// end, at Ctrl-C and before a non-finite loss stops the run).
	SaveEvery int
	// SaveTotalLimit keeps only the newest this many step checkpoints (0:
	// keep all).
	SaveTotalLimit int
}

// Defaults of the Options fields that have one.
const (
	DefaultSeqLen    = 256
	DefaultBatchSize = 8
	DefaultLR        = 5e-5
	DefaultSeed      = 42
)

// EnsureDefaults fills in zero fields with their defaults and returns o (a
// new Options if o is nil).
func (o *Options) EnsureDefaults() *Options {
	if o == nil {
		o = &Options{}
	}
	if o.SeqLen == 0 {
		o.SeqLen = DefaultSeqLen
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.GradAccum == 0 {
		o.GradAccum = 1
	}
	if o.Steps == 0 && o.Epochs == 0 {
		o.Epochs = 1
	}
	if o.Optimizer == "" {
		o.Optimizer = "adamw"
	}
	if o.LR == 0 {
		o.LR = DefaultLR
	}
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	if o.Schedule == "" {
		o.Schedule = "linear"
	}
	if o.MaxGradNorm == 0 && !o.NoClip {
		o.MaxGradNorm = 1
	}
	if o.Shuffle == nil {
		on := true
		o.Shuffle = &on
	}
	return o
}

// Validate reports every invalid field at once, naming each with its value.
func (o *Options) Validate() error {
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	positive := func(name string, v int) {
		if v <= 0 {
			add("%s %d must be positive", name, v)
		}
	}
	positive("seq-len", o.SeqLen)
	positive("batch-size", o.BatchSize)
	positive("grad-accum", o.GradAccum)
	if o.Steps < 0 {
		add("steps %d must not be negative", o.Steps)
	}
	finite := func(name string, v float64, ok bool, want string) {
		if math.IsNaN(v) || math.IsInf(v, 0) || !ok {
			add("%s %v must be %s", name, v, want)
		}
	}
	finite("epochs", o.Epochs, o.Epochs >= 0, "a finite number ≥ 0")
	finite("lr", o.LR, o.LR > 0, "a finite number > 0")
	finite("weight-decay", o.WeightDecay, o.WeightDecay >= 0, "a finite number ≥ 0")
	finite("beta1", o.Beta1, o.Beta1 >= 0 && o.Beta1 < 1, "in [0, 1)")
	finite("beta2", o.Beta2, o.Beta2 >= 0 && o.Beta2 < 1, "in [0, 1)")
	finite("eps", o.Eps, o.Eps > 0, "a finite number > 0")
	finite("momentum", o.Momentum, o.Momentum >= 0, "a finite number ≥ 0")
	finite("max-grad-norm", o.MaxGradNorm, o.MaxGradNorm >= 0, "a finite number ≥ 0")
	if o.Dropout != nil {
		finite("dropout", *o.Dropout, *o.Dropout >= 0 && *o.Dropout < 1, "in [0, 1)")
	}
	switch o.Optimizer {
	case "adamw", "adam", "sgd":
	default:
		add("optimizer %q is not adamw, adam or sgd", o.Optimizer)
	}
	if o.Nesterov && o.Optimizer == "sgd" && o.Momentum == 0 {
		add("nesterov needs momentum > 0")
	}
	if err := (nn.Schedule{Kind: o.Schedule, Warmup: o.WarmupSteps, Total: 1, MinRatio: o.MinLRRatio}).Validate(); err != nil {
		add("%s", strings.TrimPrefix(err.Error(), "nn: schedule: "))
	}
	if o.SaveEvery < 0 || o.SaveTotalLimit < 0 {
		add("save-every %d and save-total-limit %d must not be negative", o.SaveEvery, o.SaveTotalLimit)
	}
	if len(bad) > 0 {
		return fmt.Errorf("train: options: %s", strings.Join(bad, "; "))
	}
	return nil
}

// newOptimizer returns the configured optimizer over params.
func (o *Options) newOptimizer(params []*nn.Param[float32]) nn.Optimizer[float32] {
	switch o.Optimizer {
	case "sgd":
		return nn.NewSGD(params, nn.SGDOptions{Momentum: o.Momentum, Nesterov: o.Nesterov, WeightDecay: o.WeightDecay})
	case "adam":
		return nn.NewAdam(params, nn.AdamOptions{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay})
	}
	return nn.NewAdamW(params, nn.AdamOptions{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay})
}
