package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn/train"
	"github.com/fmkit/fmkit/nn/transformer"
	"github.com/fmkit/fmkit/recursion"
)

// recursionTrainFlags are `fmkit recursion train`'s own flags.
type recursionTrainFlags struct {
	tasks         string
	n             int
	traceFraction float64
	config        string
}

func newRecursionTrainCmd() *cobra.Command {
	var f trainFlags
	var r recursionTrainFlags
	cmd := &cobra.Command{
		Use:   "train --out DIR",
		Short: "Train a small transformer on the recursion tasks (the recipe of the built-in recursion-tiny)",
		Long: `train generates language-model text for the functions (as fmkit recursion
gen --lm text does: "succ (xI xH) = xO (xO xH)" lines, with the inputs of the
built-in test sets held out), and trains a model on it from random weights:
by default the Llama-style recursion.TinyModelConfig (0.82M parameters) over
the tasks' tokenizer, lines packed into --seq-len blocks with <|endoftext|>
between them. --out receives a model in Hugging Face layout, tokenizer
included, that fmkit eval runs on the built-in tasks:

  fmkit eval --model DIR --tasks recursion_succ

All other flags are fmkit train lm's. The defaults are the recipe of the
model that ships as builtin:recursion-tiny (models/recursion-tiny/train.sh).`,
		Example: `  fmkit recursion train --out runs/rec --steps 4000
  fmkit recursion train --task succ --n 50000 --out runs/succ --log runs/succ/log.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dropoutSet = cmd.Flags().Changed("dropout")
			return runRecursionTrain(cmd, &f, &r)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&r.tasks, "task", strings.Join(recursion.HarnessFuncs(), ","), "functions to train on, comma-separated")
	fl.IntVar(&r.n, "n", 20000, "training lines per function")
	floatVar(fl, &r.traceFraction, "trace-fraction", 0, "add this many reduction-step lines per input-output line")
	fl.StringVar(&r.config, "config", "", "config.json of the model (default: recursion.TinyModelConfig)")
	fl.IntVar(&f.opts.SeqLen, "seq-len", 128, "tokens per packed block")
	fl.IntVar(&f.opts.BatchSize, "batch-size", 16, "blocks per micro-batch")
	floatVar(fl, &f.opts.LR, "lr", 2e-3, "peak learning rate")
	floatVar(fl, &f.initStd, "init-std", 0.02, "standard deviation of the random weights")
	fl.BoolVar(&f.shuffle, "shuffle", true, "pack lines into --seq-len blocks in random order")
	f.registerCommon(cmd)
	fl.Lookup("schedule").DefValue, f.opts.Schedule = "cosine", "cosine"
	fl.Lookup("warmup-steps").DefValue, f.opts.WarmupSteps = "100", 100
	fl.Lookup("weight-decay").DefValue, f.opts.WeightDecay = "0.1", 0.1
	fl.Lookup("epochs").DefValue, f.opts.Epochs = "2", 2
	return cmd
}

func runRecursionTrain(cmd *cobra.Command, f *trainFlags, r *recursionTrainFlags) error {
	if f.out == "" {
		return fmt.Errorf("--out is required: the directory for the trained model")
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	configJSON := []byte(recursion.TinyModelConfig)
	if r.config != "" {
		_, raw, err := transformer.ReadConfig(r.config)
		if err != nil {
			return fmt.Errorf("--config: %w", err)
		}
		configJSON = raw
	}
	cfg, err := model.ParseConfig(configJSON)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	m, err := transformer.New[float32](cfg, f.initStd, f.seed)
	if err != nil {
		return err
	}
	tok, err := recursion.Tokenizer()
	if err != nil {
		return err
	}
	var funcs []string
	for _, s := range strings.Split(r.tasks, ",") {
		if s = strings.TrimSpace(s); s != "" {
			funcs = append(funcs, s)
		}
	}
	texts, err := recursion.LMCorpus(cmd.Context(), recursion.LMOptions{Funcs: funcs, N: r.n, TraceFraction: r.traceFraction, Seed: f.seed})
	if err != nil {
		return fmt.Errorf("--task %s: %w", r.tasks, err)
	}
	data, err := train.TextDataset("the recursion corpus", texts, tok)
	if err != nil {
		return err
	}
	// The tokenizer goes into the output first, so that every checkpoint
	// and the final model carry it.
	tokFiles := []string{filepath.Join(f.out, "tokenizer.json"), filepath.Join(f.out, "tokenizer_config.json")}
	for i, b := range [][]byte{recursion.TokenizerJSON(), recursion.TokenizerConfigJSON()} {
		if err := atomicfile.WriteFile(tokFiles[i], b); err != nil {
			return err
		}
	}
	lm := &train.LM{Model: m, ConfigJSON: configJSON, Data: data, Options: opts, Out: f.out, Extra: tokFiles}
	if err := lm.Prepare(); err != nil {
		return err
	}
	header := fmt.Sprintf("training %s (%.2fM parameters) on %d recursion lines (%s), %d tokens", m.Config.ModelType, float64(m.NumParams())/1e6, data.Len(), strings.Join(funcs, ", "), data.Tokens())
	return runTraining(cmd, f, &lm.OnStep, lm, header)
}
