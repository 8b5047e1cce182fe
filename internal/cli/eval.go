package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
	"github.com/fmkit/fmkit/lm/native"
)

// openModel turns --model into a backend and a function that releases it.
// openai:URL... is a set of OpenAI-compatible servers (concurrency: requests
// in flight, 0 for the default); a local directory or hf:ORG/NAME runs on
// the native engine.
func openModel(ctx context.Context, spec, dtype string, concurrency int, stderr io.Writer) (lm.Model, func(), error) {
	if rest, ok := strings.CutPrefix(spec, "openai:"); ok {
		m, err := openOpenAI(ctx, rest, concurrency)
		return m, func() {}, err
	}
	b, m, err := openNative(ctx, spec, dtype, stderr, native.Options{})
	if err != nil {
		return nil, nil, err
	}
	return b, func() { m.Close() }, nil
}

func newEvalCmd() *cobra.Command {
	var (
		modelSpec, dtype, tasksArg, output, sysInstr, genKwargs, seeds string
		cachePath                                                      string
		concurrency                                                    int
		includes                                                       []string
		numFewshot, batchSize, bootstrap                               int
		limit                                                          float64
		logSamples, chat, asJSON                                       bool
	)
	cmd := &cobra.Command{
		Use:   "eval --model SPEC --tasks LIST",
		Short: "Evaluate a model on lm-evaluation-harness tasks (KMMLU built in)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if modelSpec == "" || tasksArg == "" {
				return errors.New("--model and --tasks are required")
			}
			ix, err := taskIndex(includes)
			if err != nil {
				return err
			}
			suite, err := ix.Load(splitList(tasksArg))
			if err != nil {
				return err
			}
			opts := eval.Options{Limit: limit, LogSamples: logSamples}
			if cmd.Flags().Changed("num-fewshot") {
				opts.NumFewshot = &numFewshot
			}
			if cmd.Flags().Changed("bootstrap-iters") {
				opts.BootstrapIters = &bootstrap
			}
			randomSeed := int64(0)
			if seeds != "" {
				parts := strings.Split(seeds, ",")
				vals := make([]int64, 4)
				vals[0], vals[1], vals[2], vals[3] = 0, 1234, 1234, 1234
				for i, p := range parts {
					if i >= 4 {
						return fmt.Errorf("--seed %s: at most four seeds (random, numpy, torch, fewshot)", seeds)
					}
					n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
					if err != nil {
						return fmt.Errorf("--seed %s: %q is not an integer", seeds, p)
					}
					vals[i] = n
				}
				if len(parts) == 1 {
					vals[3] = vals[0]
				}
				randomSeed = vals[0]
				opts.FewshotSeed = &vals[3]
			}
			if genKwargs != "" {
				kw, err := eval.ParseArgs(genKwargs)
				if err != nil {
					return fmt.Errorf("--gen-kwargs: %w", err)
				}
				opts.GenKwargs = kw
			}
			opts.Prompt.SystemInstruction = sysInstr
			if batchSize > 0 {
				opts.ChunkSize = batchSize
			}
			if concurrency < 0 {
				return fmt.Errorf("--concurrency %d: expected 1 or more", concurrency)
			}
			model, closeModel, err := openModel(cmd.Context(), modelSpec, dtype, concurrency, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer closeModel()
			if chat {
				ct, ok := model.(lm.ChatTemplater)
				if !ok || !model.Capabilities().ChatTemplate {
					return fmt.Errorf("--apply-chat-template: model %s has no chat template", model.Name())
				}
				opts.Prompt.ChatTemplate = ct
			}
			if cachePath != "" {
				// Answers are stored as they arrive, so an interrupted run
				// (Ctrl-C, a dead server) resumes where it stopped.
				c, err := cache.Open(cachePath, nil)
				if err != nil {
					return fmt.Errorf("--cache: %w", err)
				}
				defer c.Close()
				model = cache.Wrap(model, c)
			}
			stderr := cmd.ErrOrStderr()
			bar := &progressBar{w: stderr}
			opts.Progress = bar.update
			loader := &data.Loader{Hub: hub.FromEnvironment(), Progress: func(file string, done, total int64) {
				fmt.Fprintf(stderr, "\rdownloading %s %d/%d bytes", file, done, total)
			}}
			run, runErr := eval.Evaluate(cmd.Context(), model, suite, loader, opts)
			bar.finish()
			if len(run.Results) == 0 {
				return runErr
			}
			info := eval.RunInfo{Model: modelSpec, BatchSize: strconv.Itoa(batchSize), Limit: limit, RandomSeed: randomSeed}
			if output != "" {
				path, err := run.WriteFiles(output, info)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "results written to %s\n", path)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				fmt.Fprintln(w, eval.ResultsJSONString(run, info))
			} else {
				io.WriteString(w, eval.Table(run))
			}
			return runErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelSpec, "model", "", "model: a local directory, hf:ORG/NAME, or openai:URL[,URL...][,model=NAME,tokenizer=DIR,...] for OpenAI-compatible servers")
	f.IntVar(&concurrency, "concurrency", 0, "requests in flight to model servers (default 32)")
	f.StringVar(&cachePath, "cache", "", "SQLite file caching every answer; a rerun resumes without repeating finished requests")
	f.StringVar(&dtype, "dtype", "", "native engine: convert weights to f32, bf16 or f16 (default: as stored)")
	f.StringVar(&tasksArg, "tasks", "", "comma-separated tasks, groups or tags")
	f.IntVar(&numFewshot, "num-fewshot", 0, "few-shot examples (overrides the tasks, except those fixed at 0)")
	f.IntVar(&batchSize, "batch-size", 0, "requests per model call (default 256)")
	f.Float64Var(&limit, "limit", 0, "evaluate only the first N documents of each task (or a fraction below 1)")
	f.StringVar(&seeds, "seed", "", "seeds: random[,numpy,torch,fewshot] (fewshot default 1234)")
	f.StringVar(&output, "output", "", "folder for results_<date>.json (and sample logs)")
	f.BoolVar(&logSamples, "log-samples", false, "write samples_<task>_<date>.jsonl per task")
	f.StringSliceVar(&includes, "include-path", nil, "extra folders of lm-eval task YAMLs")
	f.BoolVar(&chat, "apply-chat-template", false, "render prompts with the model's chat template")
	f.StringVar(&sysInstr, "system-instruction", "", "system instruction prepended to every prompt")
	f.StringVar(&genKwargs, "gen-kwargs", "", "generation settings for generate_until tasks, k=v,...")
	f.IntVar(&bootstrap, "bootstrap-iters", 100000, "bootstrap replicates for non-mean standard errors (0 disables)")
	f.BoolVar(&asJSON, "json", false, "print the results JSON instead of the table")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// progressBar renders progress with an ETA and requests/s on one line.
type progressBar struct {
	w    io.Writer
	last time.Time
	line bool
}

func (b *progressBar) update(p eval.Progress) {
	if time.Since(b.last) < 200*time.Millisecond && p.Done != p.Total {
		return
	}
	b.last = time.Now()
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Done) / s
	}
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.Total-p.Done)/rate) * time.Second).Round(time.Second).String()
	}
	const width = 30
	filled := 0
	if p.Total > 0 {
		filled = width * p.Done / p.Total
	}
	fmt.Fprintf(b.w, "\r[%d/%d] %-28.28s [%s%s] %d/%d  %.1f req/s  ETA %s ", p.TaskIndex+1, p.Tasks, p.Task,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, p.Total, rate, eta)
	b.line = true
}

func (b *progressBar) finish() {
	if b.line {
		fmt.Fprintln(b.w)
	}
}
