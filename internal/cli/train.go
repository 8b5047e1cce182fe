package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/nn/train"
	"github.com/fmkit/fmkit/nn/transformer"
	"github.com/fmkit/fmkit/tokenizer"
)

func newTrainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train or fine-tune models natively (causal LM, DPO)",
	}
	cmd.AddCommand(newTrainLMCmd(), newTrainDPOCmd())
	return cmd
}

// trainFlags are the flags of `fmkit train lm`, named after Hugging Face's
// TrainingArguments where one exists.
type trainFlags struct {
	init, config, data, tokenizer, out, log, resume, betas, sampleBy string
	seed                                                             uint64
	initStd                                                          float64
	opts                                                             train.Options
	dropout                                                          float64
	dropoutSet, shuffle, quiet                                       bool
}

func (f *trainFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.init, "init", "", "start from this checkpoint (a model directory, or hf:ORG/NAME)")
	fl.StringVar(&f.config, "config", "", "start from random weights of this config.json (with --seed)")
	floatVar(fl, &f.initStd, "init-std", 0.02, "standard deviation of random weights (the configs' initializer_range)")
	fl.StringVar(&f.data, "data", "", `training data: JSONL with one {"text": ...} or {"ids": [...]} per line, or plain text with one sequence per line`)
	fl.StringVar(&f.sampleBy, "sample-by", "line", "how a plain text file is cut into sequences: line, paragraph or document")
	fl.IntVar(&f.opts.SeqLen, "seq-len", train.DefaultSeqLen, "tokens per packed block (the longest sequence without packing)")
	fl.IntVar(&f.opts.BatchSize, "batch-size", train.DefaultBatchSize, "sequences per micro-batch")
	floatVar(fl, &f.opts.LR, "lr", train.DefaultLR, "peak learning rate")
	fl.BoolVar(&f.shuffle, "shuffle", true, "pack sequences into --seq-len blocks in random order; --shuffle=false takes each line as one sequence, in file order")
	f.registerCommon(cmd)
}

// registerCommon registers the flags that every training command has.
func (f *trainFlags) registerCommon(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.Uint64Var(&f.seed, "seed", train.DefaultSeed, "seed of the random weights, the shuffling and dropout")
	fl.StringVar(&f.tokenizer, "tokenizer", "", `tokenizer.json (or its directory) for text data; default: the --init model's`)
	fl.IntVar(&f.opts.GradAccum, "grad-accum", 1, "micro-batches per optimizer step")
	fl.IntVar(&f.opts.Steps, "steps", 0, "optimizer steps (0: run --epochs)")
	floatVar(fl, &f.opts.Epochs, "epochs", 1, "passes over the data when --steps is 0")
	fl.StringVar(&f.opts.Optimizer, "optimizer", "adamw", "adamw, adam or sgd")
	floatVar(fl, &f.opts.WeightDecay, "weight-decay", 0, "weight decay (not on biases and norms)")
	fl.StringVar(&f.betas, "betas", "0.9,0.999", "Adam's beta1,beta2")
	floatVar(fl, &f.opts.Eps, "eps", 1e-8, "Adam's epsilon")
	floatVar(fl, &f.opts.Momentum, "momentum", 0, "SGD momentum")
	fl.BoolVar(&f.opts.Nesterov, "nesterov", false, "SGD with Nesterov momentum")
	fl.StringVar(&f.opts.Schedule, "schedule", "linear", "learning-rate schedule: constant, linear or cosine")
	fl.IntVar(&f.opts.WarmupSteps, "warmup-steps", 0, "steps of linear warm-up from 0")
	floatVar(fl, &f.opts.MinLRRatio, "min-lr-ratio", 0, "floor of the cosine schedule, as a fraction of --lr")
	floatVar(fl, &f.opts.MaxGradNorm, "max-grad-norm", 1, "clip the global gradient norm (0: no clipping)")
	floatVar(fl, &f.dropout, "dropout", 0, "dropout probability at every site (default: the config's own; DPO: off)")
	fl.IntVar(&f.opts.SaveEvery, "save-every", 0, "write a checkpoint every N steps (0: only at the end and when stopped)")
	fl.IntVar(&f.opts.SaveTotalLimit, "save-total-limit", 0, "keep only the newest N step checkpoints (0: all)")
	fl.StringVar(&f.resume, "resume", "", "continue from a checkpoint directory (bare --resume: the newest in --out)")
	fl.Lookup("resume").NoOptDefVal = "latest"
	fl.StringVar(&f.out, "out", "", "output directory: checkpoint-STEP folders and the final model")
	fl.StringVar(&f.log, "log", "", "write one JSON line of metrics per step to this file")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress line")
}

// options turns the flags into training options, naming the flag of any
// value that cannot be right.
func (f *trainFlags) options() (*train.Options, error) {
	o := f.opts
	b1, b2, ok := strings.Cut(f.betas, ",")
	var err1, err2 error
	o.Beta1, err1 = strconv.ParseFloat(strings.TrimSpace(b1), 64)
	o.Beta2, err2 = strconv.ParseFloat(strings.TrimSpace(b2), 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("--betas %q: expected two numbers, beta1,beta2 (such as 0.9,0.999)", f.betas)
	}
	o.Shuffle = &f.shuffle
	o.Seed = f.seed
	if o.MaxGradNorm == 0 {
		o.NoClip = true
	}
	if f.dropoutSet {
		d := f.dropout
		o.Dropout = &d
	}
	// Every field is set from a flag, so validate before defaults could
	// hide a zero the user typed.
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o.EnsureDefaults(), nil
}

func newTrainLMCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "lm",
		Short: "Train a causal language model on next-token prediction",
		Long: `lm trains a GPT-NeoX, Llama or GPT-2 model (from a checkpoint with --init, or
from random weights of a config.json with --config) on data with one
sequence per line: JSONL (.jsonl) lines {"text": "..."} (tokenized with
--tokenizer, special tokens included, as Hugging Face's tokenizer(text) does)
or {"ids": [...]}, or any other file as plain text, one sequence per
non-empty line (--sample-by paragraph: per paragraph; document: the whole
file).

The loss is the mean next-token cross-entropy over every predicted token of
an optimizer step's batch, as Hugging Face's causal-LM models and Trainer
compute it. By default sequences are packed into --seq-len blocks (an EOS
after each text) and shuffled every epoch; --shuffle=false takes each line as
one sequence, in file order, padded per batch.

--out receives checkpoint-STEP folders (weights, optimizer state and the
run's position, for --resume) and at the end the trained model in Hugging
Face layout, which fmkit generate, score and eval run unchanged. Ctrl-C
writes a checkpoint before exiting; a loss that becomes NaN or infinite stops
the run and keeps the weights from before that step.`,
		Example: `  fmkit train lm --config config.json --tokenizer tokenizer.json --data text.jsonl \
      --steps 2000 --lr 1e-3 --warmup-steps 100 --out runs/tiny --log runs/tiny/log.jsonl
  fmkit train lm --init ./pythia-70m --data ids.jsonl --shuffle=false --steps 3 --out ft/
  fmkit train lm --config config.json --data text.jsonl --out runs/tiny --resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dropoutSet = cmd.Flags().Changed("dropout")
			return runTrainLM(cmd, &f)
		},
	}
	f.register(cmd)
	return cmd
}

func runTrainLM(cmd *cobra.Command, f *trainFlags) error {
	stderr := cmd.ErrOrStderr()
	switch {
	case f.data == "":
		return fmt.Errorf("--data is required: a JSONL file of training sequences")
	case f.out == "":
		return fmt.Errorf("--out is required: the directory for checkpoints and the trained model")
	case (f.init == "") == (f.config == ""):
		return fmt.Errorf("give exactly one of --init (a checkpoint to start from) and --config (a config.json for random weights)")
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	m, configJSON, modelDir, err := f.loadModel(cmd.Context(), stderr)
	if err != nil {
		return err
	}
	tok, tokFiles, err := f.loadTokenizer(modelDir)
	if err != nil {
		return err
	}
	data, err := train.ReadFile(f.data, tok, f.sampleBy)
	if err != nil {
		return err
	}
	lm := &train.LM{Model: m, ConfigJSON: configJSON, Data: data, Options: opts, Out: f.out, Extra: tokFiles}
	if err := lm.Prepare(); err != nil {
		return err
	}
	header := fmt.Sprintf("training %s (%.2fM parameters) on %s: %d sequences, %d tokens", m.Config.ModelType, float64(m.NumParams())/1e6, f.data, data.Len(), data.Tokens())
	return runTraining(cmd, f, &lm.OnStep, lm, header)
}

// trainer is what runTraining drives: train.LM or train.DPO.
type trainer interface {
	Resume(dir string) error
	Run(ctx context.Context) error
	Step() int
	TotalSteps() int
}

// runTraining resumes if asked, wires the log and the progress line into
// onStep, runs, and reports.
func runTraining(cmd *cobra.Command, f *trainFlags, onStep *func(train.Metrics) error, t trainer, header string) error {
	stderr := cmd.ErrOrStderr()
	if f.resume != "" {
		dir := f.resume
		if dir == "latest" {
			var err error
			if dir, err = train.LatestCheckpoint(f.out); err != nil {
				return fmt.Errorf("--resume: %w", err)
			}
		}
		if err := t.Resume(dir); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "resumed from %s at step %d\n", dir, t.Step())
	}
	logw, closeLog, err := openTrainLog(f.log, t.Step())
	if err != nil {
		return err
	}
	defer closeLog()
	bar := &trainBar{w: stderr, tty: isTerminal(stderr), quiet: f.quiet}
	var last train.Metrics
	*onStep = func(x train.Metrics) error {
		last = x
		bar.update(x, t.TotalSteps())
		if logw != nil {
			return logw(x)
		}
		return nil
	}
	fmt.Fprintln(stderr, header)
	err = t.Run(cmd.Context())
	bar.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("stopped at step %d; checkpoint in %s, continue with --resume: %w", t.Step(), f.out, err)
		}
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "trained %d steps, final loss %.4f; model in %s\n", t.Step(), last.Loss, f.out)
	return nil
}

// loadModel returns the model to train, the config JSON to save with it,
// and the directory it came from ("" for random weights).
func (f *trainFlags) loadModel(ctx context.Context, stderr io.Writer) (*transformer.Model[float32], []byte, string, error) {
	if f.config != "" {
		cfg, raw, err := transformer.ReadConfig(f.config)
		if err != nil {
			return nil, nil, "", fmt.Errorf("--config: %w", err)
		}
		m, err := transformer.New[float32](cfg, f.initStd, f.seed)
		if err != nil {
			return nil, nil, "", err
		}
		return m, raw, "", nil
	}
	dir, err := resolveModelFlag(ctx, "--init", f.init, stderr)
	if err != nil {
		return nil, nil, "", err
	}
	m, unused, err := transformer.Load[float32](dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("--init: %w", err)
	}
	if len(unused) > 0 {
		fmt.Fprintf(stderr, "note: %s holds %d tensors the model does not use (such as %s)\n", dir, len(unused), unused[0])
	}
	_, raw, err := transformer.ReadConfig(filepath.Join(dir, transformer.ConfigFile))
	return m, raw, dir, err
}

// tokenizerFiles are copied beside a trained model.
var tokenizerFiles = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}

// loadTokenizer loads --tokenizer (or the --init model's tokenizer, if it
// has one) and lists the files to copy into the outputs.
func (f *trainFlags) loadTokenizer(modelDir string) (*tokenizer.Tokenizer, []string, error) {
	src := f.tokenizer
	if src == "" {
		if modelDir == "" {
			return nil, nil, nil
		}
		if _, err := os.Stat(filepath.Join(modelDir, "tokenizer.json")); err != nil {
			return nil, nil, nil
		}
		src = modelDir
	}
	tok, err := tokenizer.Load(src)
	if err != nil {
		return nil, nil, fmt.Errorf("--tokenizer: %w", err)
	}
	dir := src
	if st, err := os.Stat(src); err == nil && !st.IsDir() {
		dir = filepath.Dir(src)
	}
	var files []string
	for _, n := range tokenizerFiles {
		p := filepath.Join(dir, n)
		if n == "tokenizer.json" && dir != src {
			p = src
		}
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		}
	}
	return tok, files, nil
}

// openTrainLog opens the metrics log: it keeps the lines of steps up to
// resumedAt (dropping those a resumed run will redo) and returns a writer of
// one flushed JSON line per step.
func openTrainLog(path string, resumedAt int) (func(train.Metrics) error, func(), error) {
	if path == "" {
		return nil, func() {}, nil
	}
	var keep []byte
	if resumedAt > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("--log: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(old))
		for sc.Scan() {
			var m struct{ Step int }
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Step <= resumedAt {
				keep = append(append(keep, sc.Bytes()...), '\n')
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	if _, err := file.Write(keep); err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	write := func(m train.Metrics) error {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if _, err := file.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("--log %s: %w", path, err)
		}
		return nil
	}
	return write, func() { file.Close() }, nil
}

// trainBar shows the latest step on one line of a terminal, or a plain line
// every ten seconds when stderr is a file.
type trainBar struct {
	w         io.Writer
	tty       bool
	quiet     bool
	lastPrint time.Time
	shown     bool
}

func (b *trainBar) update(m train.Metrics, total int) {
	if b.quiet {
		return
	}
	eta := time.Duration(float64(total-m.Step) * m.ElapsedS / float64(max(m.Step, 1)) * float64(time.Second)).Round(time.Second)
	line := fmt.Sprintf("step %d/%d  epoch %.2f  loss %.4f  lr %.3g  grad norm %.3g  %.0f tok/s  ETA %s",
		m.Step, total, m.Epoch, m.Loss, m.LR, m.GradNorm, m.TokensPerS, eta)
	if m.RewardAccuracy != nil {
		line += fmt.Sprintf("  reward acc %.2f  margin %.3g", *m.RewardAccuracy, *m.RewardMargin)
	}
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		b.shown = true
		return
	}
	if time.Since(b.lastPrint) >= 10*time.Second || m.Step == total || m.Step == 1 {
		fmt.Fprintln(b.w, line)
		b.lastPrint = time.Now()
	}
}

func (b *trainBar) finish() {
	if b.shown {
		fmt.Fprintln(b.w)
	}
}
