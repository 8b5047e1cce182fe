package grok

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// MaxN is the largest degree the package supports: S_6 has 518,400 pairs
// and a Fourier table of 720² numbers; S_7's 25 million pairs are past
// what the analysis is for.
const MaxN = 6

// Config describes a run: the group, the model's shape, the split and the
// training hyperparameters. It is stored as config.json in a run
// directory. The training fields are read by the trainer; the analysis
// needs only N, EmbedDim, HiddenDim, FracTrain and Seed.
type Config struct {
	// N is the degree of the symmetric group S_N whose multiplication the
	// model learns.
	N int `json:"n"`
	// EmbedDim is the width E of each of the two embeddings. The paper
	// uses 256 for S_5 and 512 for S_6.
	EmbedDim int `json:"embed_dim"`
	// HiddenDim is the number of hidden neurons H (sn-grok's model_dim).
	// The paper uses 128 for S_5 and 256 for S_6.
	HiddenDim int `json:"hidden_dim"`
	// FracTrain is the fraction of the |G|² pairs used for training; the
	// paper's sweeps use 0.4.
	FracTrain float64 `json:"frac_train"`
	// Seed seeds the split (NewSplit: PCG(Seed, Seed)) and the
	// initialisation (NewTrainer: PCG(Seed, Seed+1)).
	Seed uint64 `json:"seed"`
	// Epochs is the number of optimizer steps (one per epoch).
	Epochs int `json:"epochs"`
	// BatchSize is the minibatch size whose mean-loss gradients are summed
	// into each epoch's single step; 0 means the full training set at once.
	BatchSize int `json:"batch_size"`
	// LR, WeightDecay, Betas and Eps are AdamW's hyperparameters; weight
	// decay applies to every parameter, biases and embeddings included.
	LR          float64    `json:"lr"`
	WeightDecay float64    `json:"weight_decay"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	// TestEvery is how often (in epochs) the test loss is logged.
	TestEvery int `json:"test_every"`
	// CheckpointEvery is how often (in epochs) weights are saved; the last
	// epoch is always saved.
	CheckpointEvery int `json:"checkpoint_every"`
}

// PaperConfig returns the paper's configuration for S_n: E = 256, H = 128
// and 250,000 full-batch epochs for S_5; E = 512, H = 256, 50,000 epochs of
// minibatches of 16,384 for S_6 (its 40% sweep); for other n the S_5 shape.
// AdamW with lr 1e-3, weight decay 1.0, betas (0.9, 0.98), eps 1e-8; 40% of
// the pairs train; the test loss every 10 epochs.
func PaperConfig(n int) Config {
	c := Config{
		N: n, EmbedDim: 256, HiddenDim: 128, FracTrain: 0.4, Seed: 0,
		Epochs: 250_000, LR: 1e-3, WeightDecay: 1.0, Betas: [2]float64{0.9, 0.98}, Eps: 1e-8,
		TestEvery: 10, CheckpointEvery: 10_000,
	}
	if n == 6 {
		c.EmbedDim, c.HiddenDim, c.Epochs, c.BatchSize, c.CheckpointEvery = 512, 256, 50_000, 16_384, 1_000
	}
	return c
}

// DefaultConfig returns the configuration `fmkit sn train` starts from:
// PaperConfig for S_5 and S_6. The paper trained neither S_4 nor smaller
// groups; for n ≤ 4 it returns the S_5 shape and hyperparameters with 60%
// of the pairs for training and 30,000 epochs (checkpoints every 1,000),
// which groks S_4 in minutes: at 40% the S_4 model memorises at once but
// had reached only 7% test accuracy after 310,000 epochs (seed 0).
func DefaultConfig(n int) Config {
	c := PaperConfig(n)
	if n <= 4 {
		c.FracTrain, c.Epochs, c.CheckpointEvery = 0.6, 30_000, 1_000
	}
	return c
}

// ErrConfig marks an invalid configuration.
var ErrConfig = errors.New("grok: invalid config")

// Validate reports every invalid field at once, naming each field and its
// value.
func (c *Config) Validate() error {
	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	check(c.N >= 2 && c.N <= MaxN, "n (%d) must be in 2..%d", c.N, MaxN)
	check(c.EmbedDim >= 1, "embed_dim (%d) must be ≥ 1", c.EmbedDim)
	check(c.HiddenDim >= 1, "hidden_dim (%d) must be ≥ 1", c.HiddenDim)
	check(finite(c.FracTrain) && c.FracTrain > 0 && c.FracTrain < 1, "frac_train (%v) must be in (0, 1)", c.FracTrain)
	check(c.Epochs >= 0, "epochs (%d) must be ≥ 0", c.Epochs)
	check(c.BatchSize >= 0, "batch_size (%d) must be ≥ 0 (0: full batch)", c.BatchSize)
	check(finite(c.LR) && c.LR >= 0, "lr (%v) must be a finite number ≥ 0", c.LR)
	check(finite(c.WeightDecay) && c.WeightDecay >= 0, "weight_decay (%v) must be a finite number ≥ 0", c.WeightDecay)
	for i, b := range c.Betas {
		check(finite(b) && b >= 0 && b < 1, "betas[%d] (%v) must be in [0, 1)", i, b)
	}
	check(finite(c.Eps) && c.Eps >= 0, "eps (%v) must be a finite number ≥ 0", c.Eps)
	check(c.TestEvery >= 0, "test_every (%d) must be ≥ 0", c.TestEvery)
	check(c.CheckpointEvery >= 0, "checkpoint_every (%d) must be ≥ 0", c.CheckpointEvery)
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(bad, "; "))
	}
	return nil
}
