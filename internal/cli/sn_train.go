package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/group/grok"
)

// snTrainFlags are the flags of `fmkit sn train`. The hyperparameters
// default to the configuration for --n (grok.DefaultConfig: the paper's for
// S5 and S6); only flags given on the command line override it.
type snTrainFlags struct {
	n, epochs, embed, hidden, batch, testEvery, ckptEvery int
	frac, lr, wd, eps                                     float64
	betas, out                                            string
	seed                                                  uint64
	resume, quiet, asJSON                                 bool
	// config is the run's configuration, once trainer has made or opened it.
	config grok.Config
}

// hyperFlags are the flags that describe a run; --resume takes the run's
// config.json instead, except for --epochs.
var hyperFlags = []string{"n", "frac", "embed-dim", "hidden-dim", "seed", "batch-size", "lr", "weight-decay", "betas", "eps", "test-every", "checkpoint-every"}

func newSnTrainCmd() *cobra.Command {
	var f snTrainFlags
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the paper's SnMLP on the multiplication of S_n; write a run directory",
		Long: `train trains the one-hidden-layer network of "Grokking Group Multiplication
with Cosets" (sn-grok's SnMLP: left and right embeddings, Linear without bias,
ReLU, unembedding with bias) on the multiplication table of S_n and writes
the run directory that ` + "`fmkit sn analyze --run DIR`" + ` reads: config.json,
split.npy, metrics.jsonl (train and test loss and accuracy every
--test-every epochs), checkpoints/epoch_NNNNNNNN.safetensors (at epoch 0,
at powers of two below --checkpoint-every, every --checkpoint-every epochs
and at the end) and train_state.safetensors (weights and AdamW state).

As in the paper's code: a seeded --frac of all |G|² pairs trains; AdamW with
weight decay on every parameter; float32 logits cast to float64 before the
log-softmax; one optimizer step per epoch, over all training pairs at once
(--batch-size 0) or as the sum of the mean-loss gradients of minibatches.
The defaults are the paper's for --n: S5 E = 256, H = 128, full batch,
250,000 epochs; S6 E = 512, H = 256, minibatches of 16,384, 50,000 epochs;
both --frac 0.4, lr 1e-3, weight decay 1.0, betas 0.9,0.98, eps 1e-8, test
every 10 epochs. The paper has no S4 run: S4 (and smaller) default to the S5
shape and hyperparameters with --frac 0.6 and 30,000 epochs, which groks in
minutes (at 0.4 it had reached 7% test accuracy after 310,000 epochs).

Ctrl-C saves the weights and optimizer state; --resume continues the run in
--out exactly where it stopped (with --epochs, to a new length).

` + snConventions,
		Example: `  fmkit sn train --n 4 --out runs/s4                      # groks S4 in minutes (--frac 0.6)
  fmkit sn train --n 5 --frac 0.4 --epochs 250000 --out runs/s5
  fmkit sn train --out runs/s5 --resume --epochs 300000     # continue, longer
  fmkit sn analyze --run runs/s5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSnTrain(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.n, "n", 5, "degree n of S_n (2 to 6)")
	floatVar(fl, &f.frac, "frac", 0, "fraction of the pairs used for training (default: 0.4, 0.6 for S4)")
	fl.IntVar(&f.epochs, "epochs", 0, "epochs, one optimizer step each (default: 250000 for S5, 50000 for S6, 30000 for S4)")
	fl.IntVar(&f.embed, "embed-dim", 0, "width E of each embedding (default: 256, 512 for S6)")
	fl.IntVar(&f.hidden, "hidden-dim", 0, "hidden neurons H (default: 128, 256 for S6)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the split and the initialisation")
	fl.IntVar(&f.batch, "batch-size", 0, "minibatch size whose gradients are summed into each step; 0: all training pairs at once (default: 0, 16384 for S6)")
	floatVar(fl, &f.lr, "lr", 1e-3, "AdamW learning rate")
	floatVar(fl, &f.wd, "weight-decay", 1.0, "AdamW weight decay, on every parameter")
	fl.StringVar(&f.betas, "betas", "0.9,0.98", "AdamW beta1,beta2")
	floatVar(fl, &f.eps, "eps", 1e-8, "AdamW epsilon")
	fl.IntVar(&f.testEvery, "test-every", 10, "measure the test split and log a line every N epochs")
	fl.IntVar(&f.ckptEvery, "checkpoint-every", 0, "save weights every N epochs (default: 10000; 1000 for S4 and S6; 0 with the flag given: only powers of two and the end)")
	fl.StringVar(&f.out, "out", "", "run directory to write (required)")
	fl.BoolVar(&f.resume, "resume", false, "continue the run in --out from its training state")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress line")
	fl.BoolVar(&f.asJSON, "json", false, "print a JSON summary")
	return cmd
}

type snTrainJSON struct {
	Run       string  `json:"run"`
	Epoch     int     `json:"epoch"`
	Epochs    int     `json:"epochs_trained"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"epochs_per_second"`
	// Last is the last logged line of metrics.jsonl.
	Last      *grok.EpochMetrics `json:"last,omitempty"`
	GrokEpoch int                `json:"grok_epoch"`
}

func runSnTrain(cmd *cobra.Command, f *snTrainFlags) error {
	if f.out == "" {
		return fmt.Errorf("--out: required (the run directory to write)")
	}
	tr, err := f.trainer(cmd)
	if err != nil {
		return err
	}
	defer tr.Close()
	stderr := cmd.ErrOrStderr()
	c := tr.Model()
	cfg := f.config
	fmt.Fprintf(stderr, "training S%d (E = %d, H = %d) on %s from epoch %d to %d\n", cfg.N, c.EmbedDim, c.HiddenDim, f.out, tr.Epoch(), cfg.Epochs)
	bar := &snTrainBar{w: stderr, tty: isTerminal(stderr), quiet: f.quiet}
	start, from := time.Now(), tr.Epoch()
	err = tr.Train(cmd.Context(), bar.update)
	bar.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("stopped at epoch %d; weights and optimizer state saved in %s, continue with --resume: %w", tr.Epoch(), f.out, err)
		}
		return err
	}
	secs := time.Since(start).Seconds()
	res := snTrainJSON{Run: f.out, Epoch: tr.Epoch(), Epochs: tr.Epoch() - from, Seconds: secs, GrokEpoch: -1}
	if secs > 0 {
		res.PerSecond = float64(res.Epochs) / secs
	}
	if err := f.summarise(&res); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.asJSON {
		return newJSONEncoder(w).Encode(res)
	}
	printSnTrain(w, res)
	return nil
}

// trainer opens or creates the run and returns its trainer; f.config holds
// the run's configuration afterwards.
func (f *snTrainFlags) trainer(cmd *cobra.Command) (*grok.Trainer, error) {
	fl := cmd.Flags()
	if f.resume {
		for _, name := range hyperFlags {
			if fl.Changed(name) {
				return nil, fmt.Errorf("--%s: --resume takes the run's config.json; only --epochs may change", name)
			}
		}
		r, err := grok.OpenRun(f.out)
		if err != nil {
			return nil, err
		}
		tr, err := grok.ResumeTrainer(r)
		if err != nil {
			return nil, err
		}
		if fl.Changed("epochs") {
			err := fmt.Errorf("--epochs %d: the run has already trained %d epochs", f.epochs, tr.Epoch())
			if f.epochs >= tr.Epoch() {
				err = r.SetEpochs(f.epochs)
			}
			if err != nil {
				tr.Close()
				return nil, err
			}
		}
		f.config = r.Config
		return tr, nil
	}
	cfg, err := f.newConfig(cmd)
	if err != nil {
		return nil, err
	}
	d, err := grok.NewDataset(cfg.N)
	if err != nil {
		return nil, err
	}
	split, err := grok.NewSplit(d, cfg.FracTrain, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("--frac %v: %w", cfg.FracTrain, err)
	}
	r, err := grok.CreateRun(f.out, cfg, split)
	if errors.Is(err, grok.ErrRunExists) {
		return nil, fmt.Errorf("%w (continue it with --resume, or choose another --out)", err)
	}
	if err != nil {
		return nil, err
	}
	f.config = cfg
	return grok.NewTrainer(r, nil)
}

// newConfig starts from the paper's configuration for --n and applies the
// flags given, checking each; it names every bad flag at once.
func (f *snTrainFlags) newConfig(cmd *cobra.Command) (grok.Config, error) {
	if f.n < 2 || f.n > grok.MaxN {
		return grok.Config{}, fmt.Errorf("--n %d: expected 2 ≤ n ≤ %d", f.n, grok.MaxN)
	}
	c := grok.DefaultConfig(f.n)
	fl := cmd.Flags()
	var bad []string
	check := func(name string, ok bool, want string) {
		if !ok {
			v := fl.Lookup(name).Value.String()
			bad = append(bad, fmt.Sprintf("--%s %s: expected %s", name, v, want))
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	set := func(name string, dst *int, v, lo int, want string) {
		if fl.Changed(name) {
			check(name, v >= lo, want)
			*dst = v
		}
	}
	set("epochs", &c.Epochs, f.epochs, 0, "a number of epochs ≥ 0")
	set("embed-dim", &c.EmbedDim, f.embed, 1, "a width ≥ 1")
	set("hidden-dim", &c.HiddenDim, f.hidden, 1, "a number of neurons ≥ 1")
	set("batch-size", &c.BatchSize, f.batch, 0, "a minibatch size ≥ 1, or 0 for all training pairs at once")
	set("test-every", &c.TestEvery, f.testEvery, 0, "a number of epochs ≥ 0")
	set("checkpoint-every", &c.CheckpointEvery, f.ckptEvery, 0, "a number of epochs ≥ 0")
	if fl.Changed("frac") {
		check("frac", finite(f.frac) && f.frac > 0 && f.frac < 1, "a fraction strictly between 0 and 1")
		c.FracTrain = f.frac
	}
	check("lr", finite(f.lr) && f.lr > 0, "a finite learning rate > 0")
	check("weight-decay", finite(f.wd) && f.wd >= 0, "a finite weight decay ≥ 0")
	check("eps", finite(f.eps) && f.eps > 0, "a finite epsilon > 0")
	b1, b2, err := parseBetas(f.betas)
	check("betas", err == nil, "two numbers in [0, 1), beta1,beta2 (such as 0.9,0.98)")
	if len(bad) > 0 {
		return c, errors.New(strings.Join(bad, "; "))
	}
	c.Seed, c.LR, c.WeightDecay, c.Eps, c.Betas = f.seed, f.lr, f.wd, f.eps, [2]float64{b1, b2}
	return c, c.Validate()
}

func parseBetas(s string) (b1, b2 float64, err error) {
	x, y, ok := strings.Cut(s, ",")
	b1, err1 := strconv.ParseFloat(strings.TrimSpace(x), 64)
	b2, err2 := strconv.ParseFloat(strings.TrimSpace(y), 64)
	inRange := func(b float64) bool { return b >= 0 && b < 1 }
	if !ok || err1 != nil || err2 != nil || !inRange(b1) || !inRange(b2) {
		return 0, 0, fmt.Errorf("betas %q", s)
	}
	return b1, b2, nil
}

// summarise adds the last logged line and the epoch of grokking.
func (f *snTrainFlags) summarise(res *snTrainJSON) error {
	r, err := grok.OpenRun(f.out)
	if err != nil {
		return err
	}
	ms, err := r.Metrics()
	if err != nil {
		return err
	}
	if len(ms) > 0 {
		res.Last = &ms[len(ms)-1]
	}
	res.GrokEpoch = grok.GrokEpoch(ms)
	return nil
}

func printSnTrain(w io.Writer, res snTrainJSON) {
	fmt.Fprintf(w, "trained to epoch %d: %d epochs in %s (%.1f epochs/s)\n", res.Epoch, res.Epochs, time.Duration(res.Seconds*float64(time.Second)).Round(time.Second), res.PerSecond)
	if m := res.Last; m != nil && m.TrainLoss != nil && m.TestLoss != nil {
		fmt.Fprintf(w, "epoch %d: train loss %.4g, accuracy %.2f%%; test loss %.4g, accuracy %.2f%%\n",
			m.Epoch, *m.TrainLoss, 100**m.TrainAcc, *m.TestLoss, 100**m.TestAcc)
	}
	if res.GrokEpoch >= 0 {
		fmt.Fprintf(w, "grokked (test accuracy ≥ %.0f%%) at epoch %d\n", 100*grok.GrokAccuracy, res.GrokEpoch)
	} else {
		fmt.Fprintf(w, "not grokked yet (test accuracy below %.0f%%)\n", 100*grok.GrokAccuracy)
	}
	fmt.Fprintf(w, "run: %s (dissect it with fmkit sn analyze --run %s)\n", res.Run, res.Run)
}

// snTrainBar shows the latest logged epoch on one line of a terminal, or a
// plain line every ten seconds when stderr is a file.
type snTrainBar struct {
	w         io.Writer
	tty       bool
	quiet     bool
	lastPrint time.Time
	shown     bool
}

func (b *snTrainBar) update(p grok.TrainProgress) {
	if b.quiet {
		return
	}
	m := p.Metrics
	rate := float64(p.EpochsDone) / max(p.Elapsed.Seconds(), 1e-9)
	eta := time.Duration(float64(p.Epochs-m.Epoch) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	line := fmt.Sprintf("epoch %d/%d  train loss %.3e acc %5.1f%%  test loss %.3e acc %5.1f%%  %.1f epochs/s  ETA %s",
		m.Epoch, p.Epochs, *m.TrainLoss, 100**m.TrainAcc, *m.TestLoss, 100**m.TestAcc, rate, eta)
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		b.shown = true
		return
	}
	if time.Since(b.lastPrint) >= 10*time.Second || m.Epoch == p.Epochs {
		fmt.Fprintln(b.w, line)
		b.lastPrint = time.Now()
	}
}

func (b *snTrainBar) finish() {
	if b.shown {
		fmt.Fprintln(b.w)
	}
}
