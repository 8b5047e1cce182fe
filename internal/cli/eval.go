package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/internal/sysmem"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// openModel turns --model into a backend and a function that releases it.
// openai:URL... is a set of OpenAI-compatible servers (concurrency: requests
// in flight, 0 for the default); a local directory or hf:ORG/NAME runs on
// the native engine.
func openModel(ctx context.Context, spec, dtype string, bf16Act bool, concurrency int, stderr io.Writer) (lm.Model, func(), error) {
	if rest, ok := strings.CutPrefix(spec, "openai:"); ok {
		m, err := openOpenAI(ctx, rest, concurrency)
		return m, func() {}, err
	}
	b, m, err := openNative(ctx, spec, dtype, bf16Act, stderr, native.Options{})
	if err != nil {
		return nil, nil, err
	}
	return b, func() { m.Close() }, nil
}

// evalCmdFlags are the flags of fmkit eval.
type evalCmdFlags struct {
	model, modelArgs, dtype, tasks, output, sysInstr, genKwargs, seeds, cache string
	batchSize, device                                                         string
	concurrency, numFewshot, bootstrap                                        int
	tasksFrom                                                                 taskFlags
	limit                                                                     float64
	logSamples, chat, asJSON, allowCode, predictOnly, multiturn, trustCode    bool
	bf16Act                                                                   bool
	codeTimeout                                                               time.Duration
	cfg                                                                       cfgFlags
	sweep, plot                                                               string
	samples                                                                   string

	// batchTokens is the native engine's forward-step size that
	// --batch-size auto chose (0: the default).
	batchTokens int
}

func (f *evalCmdFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.model, "model", "", "model: a local directory, hf:ORG/NAME, builtin:NAME, openai:URL[,URL...][,model=NAME,tokenizer=DIR,...] for OpenAI-compatible servers, or lm-eval's hf, local-completions or local-chat-completions with --model-args")
	fs.StringVar(&f.modelArgs, "model-args", "", "lm-eval's model arguments for --model hf (pretrained=ORG/NAME,revision=R,dtype=bfloat16) or local-completions (base_url=URL,model=NAME,tokenizer=...)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "requests in flight to model servers (default 32)")
	fs.StringVar(&f.cache, "cache", "", "SQLite file caching every answer; a rerun resumes without repeating finished requests")
	fs.StringVar(&f.dtype, "dtype", "", "native engine: convert weights to f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k (default: as stored)")
	registerBF16Activations(fs, &f.bf16Act)
	fs.StringVar(&f.tasks, "tasks", "", "comma-separated tasks, groups or tags (list, list_groups, list_tags or list_subtasks: print them)")
	fs.IntVar(&f.numFewshot, "num-fewshot", 0, "few-shot examples (overrides the tasks, except those fixed at 0)")
	fs.StringVar(&f.batchSize, "batch-size", "", "requests per model call (default 256), or auto: size the native engine's forward steps from free memory")
	floatVar(fs, &f.limit, "limit", 0, "evaluate only the first N documents of each task, or a fraction below 1 (0: all, as in lm-eval)")
	fs.StringVar(&f.samples, "samples", "", `evaluate only these documents: JSON {"task": [index, ...]} or a file holding it, such as the clean.json of fmkit eval decontaminate (lm-eval's --samples; not with --limit)`)
	fs.StringVar(&f.seeds, "seed", "", "seeds: random[,numpy,torch,fewshot] (fewshot default 1234)")
	fs.StringVar(&f.output, "output", "", "folder for results_<date>.json (and sample logs)")
	fs.BoolVar(&f.logSamples, "log-samples", false, "write samples_<task>_<date>.jsonl per task")
	fs.BoolVar(&f.predictOnly, "predict-only", false, "run the model and the filters but no metric (each task reports bypass); the outputs go to the sample logs (needs --output)")
	f.tasksFrom.register(fs)
	fs.BoolVar(&f.chat, "apply-chat-template", false, "render prompts with the model's chat template")
	fs.BoolVar(&f.multiturn, "fewshot-as-multiturn", false, "with --apply-chat-template: few-shot examples as alternating user and assistant turns")
	fs.StringVar(&f.sysInstr, "system-instruction", "", "system instruction prepended to every prompt")
	fs.StringVar(&f.genKwargs, "gen-kwargs", "", "generation settings for generate_until tasks, k=v,...")
	fs.IntVar(&f.bootstrap, "bootstrap-iters", 100000, "bootstrap replicates for non-mean standard errors (0 disables)")
	fs.BoolVar(&f.asJSON, "json", false, "print the results JSON instead of the table")
	fs.BoolVar(&f.allowCode, "allow-code-execution", false, "run the model-written programs of code tasks (humaneval, mbpp) in a python3 sandbox: scratch folder, time limit, no network where a network namespace can be made (HF_ALLOW_CODE_EVAL=1 does the same)")
	fs.DurationVar(&f.codeTimeout, "code-timeout", 3*time.Second, "time limit of each program run by --allow-code-execution")
	f.cfg.register(cmd)
	fs.StringVar(&f.sweep, "cfg-sweep", "", "evaluate at each guidance scale of a comma-separated list, e.g. 1,1.25,1.5,2")
	fs.StringVar(&f.plot, "cfg-plot", "", "PNG file for the --cfg-sweep plot (default: cfg_sweep.png in --output or here)")
	// lm-eval's flags that have nothing to do here, accepted so that its
	// command lines run: --device names where the model runs (fmkit's
	// engine is the CPU), --trust_remote_code allows a checkpoint's Python
	// code (fmkit runs none).
	fs.StringVar(&f.device, "device", "", "lm-eval's device: cpu")
	fs.BoolVar(&f.trustCode, "trust-remote-code", false, "lm-eval's flag; fmkit runs no checkpoint code")
	fs.MarkHidden("device")
	fs.MarkHidden("trust-remote-code")
	fs.SetNormalizeFunc(lmEvalNormalize)
}

// resolveModel turns lm-eval's --model TYPE --model_args into fmkit's
// --model and --dtype, and checks --device.
func (f *evalCmdFlags) resolveModel(cmd *cobra.Command) error {
	switch d := strings.ToLower(f.device); {
	case d == "" || d == "cpu":
	default:
		return &usageError{fmt.Sprintf("--device %s: fmkit's engine runs on the CPU; drop --device, or serve the model on the GPU (vllm serve) and evaluate it with --model local-completions --model_args base_url=http://HOST:PORT/v1/completions,model=NAME", f.device)}
	}
	spec, dtype, err := lmEvalModel(cmd.Context(), f.model, f.modelArgs, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if dtype != "" && f.dtype != "" && dtype != f.dtype {
		return &usageError{fmt.Sprintf("--dtype %s and --model_args dtype (%s) disagree", f.dtype, dtype)}
	}
	if dtype != "" {
		f.dtype = dtype
	}
	f.model = spec
	return nil
}

// options checks the flags and turns them into the run's options and the
// results file's run description.
func (f *evalCmdFlags) options(cmd *cobra.Command) (eval.Options, eval.RunInfo, error) {
	opts := eval.Options{Limit: f.limit, LogSamples: f.logSamples || f.predictOnly, PredictOnly: f.predictOnly}
	info := eval.RunInfo{Model: f.model, BatchSize: f.batchSize, Limit: f.limit}
	if f.model == "" || f.tasks == "" {
		return opts, info, errors.New("--model and --tasks are required")
	}
	if math.IsNaN(f.limit) || math.IsInf(f.limit, 0) || f.limit < 0 {
		return opts, info, fmt.Errorf("--limit %g: expected a non-negative number", f.limit)
	}
	if f.predictOnly && f.output == "" {
		return opts, info, &usageError{"--predict-only keeps the model's outputs in the sample logs: give --output DIR"}
	}
	if f.multiturn && !f.chat {
		return opts, info, &usageError{"--fewshot-as-multiturn needs --apply-chat-template"}
	}
	opts.Prompt.FewshotAsMultiturn = f.multiturn
	if cmd.Flags().Changed("num-fewshot") {
		n := f.numFewshot
		opts.NumFewshot = &n
	}
	if cmd.Flags().Changed("bootstrap-iters") {
		n := f.bootstrap
		opts.BootstrapIters = &n
	}
	if f.seeds != "" {
		random, fewshot, err := parseSeeds(f.seeds)
		if err != nil {
			return opts, info, err
		}
		info.RandomSeed, opts.FewshotSeed = random, &fewshot
	}
	if f.samples != "" {
		if f.limit != 0 {
			return opts, info, &usageError{"--samples and --limit cannot be combined: --samples names the documents"}
		}
		samples, err := readSamples(f.samples)
		if err != nil {
			return opts, info, err
		}
		opts.Samples = samples
	}
	if f.genKwargs != "" {
		kw, err := eval.ParseArgs(f.genKwargs)
		if err != nil {
			return opts, info, fmt.Errorf("--gen-kwargs: %w", err)
		}
		opts.GenKwargs = kw
	}
	opts.Prompt.SystemInstruction = f.sysInstr
	switch n, auto, err := parseBatchSize(f.batchSize); {
	case err != nil:
		return opts, info, err
	case auto:
		info.BatchSize = "auto"
	case n > 0:
		opts.ChunkSize = n
	default:
		info.BatchSize = "0"
	}
	if f.concurrency < 0 {
		return opts, info, fmt.Errorf("--concurrency %d: expected 1 or more", f.concurrency)
	}
	if f.allowCode || os.Getenv("HF_ALLOW_CODE_EVAL") == "1" {
		if f.codeTimeout <= 0 {
			return opts, info, fmt.Errorf("--code-timeout %s: expected a positive duration", f.codeTimeout)
		}
		python := f.tasksFrom.python
		if python == "none" {
			return opts, info, errors.New("--allow-code-execution needs python3; drop --python none")
		}
		opts.Code = &eval.CodeSandbox{Python: python, Timeout: f.codeTimeout}
	}
	return opts, info, nil
}

// parseBatchSize reads --batch-size: a positive count, or lm-eval's auto
// (and auto:N, whose N re-estimations fmkit has no use for).
func parseBatchSize(s string) (n int, auto bool, err error) {
	switch {
	case s == "":
		return 0, false, nil
	case s == "auto" || strings.HasPrefix(s, "auto:"):
		return 0, true, nil
	}
	n, err = strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false, &usageError{fmt.Sprintf("--batch-size %s: expected a positive number or auto", s)}
	}
	return n, false, nil
}

// open opens --model; with --batch-size auto on the native engine it
// sizes the forward steps from the memory available and says so.
func (f *evalCmdFlags) open(ctx context.Context, stderr io.Writer) (lm.Model, func(), error) {
	if f.batchSize == "" || !strings.HasPrefix(f.batchSize, "auto") {
		return openModel(ctx, f.model, f.dtype, f.bf16Act, f.concurrency, stderr)
	}
	if strings.HasPrefix(f.model, "openai:") {
		fmt.Fprintln(stderr, "--batch-size auto: the server batches requests itself; fmkit sends them in chunks of 256")
		return openModel(ctx, f.model, f.dtype, f.bf16Act, f.concurrency, stderr)
	}
	b, err := f.openNative(ctx, stderr)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { b.Close() }, nil
}

// openNative opens --model on the native engine with forward steps of
// --batch-size auto's size, chosen from the loaded weights. The caller
// closes the backend.
func (f *evalCmdFlags) openNative(ctx context.Context, stderr io.Writer) (*native.Model, error) {
	m, err := loadModel(ctx, f.model, f.dtype, f.bf16Act, stderr)
	if err != nil {
		return nil, err
	}
	tok, err := loadTokenizer(m)
	if err != nil {
		m.Close()
		return nil, err
	}
	f.chooseBatchTokens(m, stderr)
	b, err := native.New(m, tok, &native.Options{Name: f.model, BatchTokens: f.batchTokens})
	if err != nil {
		m.Close()
		return nil, err
	}
	return b, nil
}

// chooseBatchTokens sets f.batchTokens for --batch-size auto from the
// memory available, and reports the choice.
func (f *evalCmdFlags) chooseBatchTokens(m *model.Model, stderr io.Writer) {
	if !strings.HasPrefix(f.batchSize, "auto") {
		return
	}
	free, err := sysmem.Available()
	if err != nil {
		fmt.Fprintf(stderr, "--batch-size auto: %v; using the default of 4096 tokens per forward step\n", err)
		return
	}
	f.batchTokens = native.BatchTokensFor(m, free)
	fmt.Fprintf(stderr, "--batch-size auto: %d tokens per forward step (%s of memory available, about %s per token)\n",
		f.batchTokens, byteSize(free), byteSize(native.TokenBytes(m)))
}

// parseSeeds parses --seed random[,numpy,torch,fewshot]; one seed sets the
// few-shot seed too, as lm-eval does.
func parseSeeds(seeds string) (random, fewshot int64, err error) {
	parts := strings.Split(seeds, ",")
	vals := []int64{0, 1234, 1234, 1234}
	for i, p := range parts {
		if i >= 4 {
			return 0, 0, fmt.Errorf("--seed %s: at most four seeds (random, numpy, torch, fewshot)", seeds)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("--seed %s: %q is not an integer", seeds, p)
		}
		vals[i] = n
	}
	if len(parts) == 1 {
		vals[3] = vals[0]
	}
	return vals[0], vals[3], nil
}

// guidance checks the guidance flags: the sweep's scales (nil without
// --cfg-sweep) and the guidance options (nil without guidance).
func (f *evalCmdFlags) guidance(cmd *cobra.Command) ([]float64, *guided.Options, error) {
	var scales []float64
	if f.sweep != "" {
		if f.cfg.enabled(cmd) {
			return nil, nil, fmt.Errorf("--cfg and --cfg-sweep: give one of them")
		}
		var err error
		if scales, err = parseScales(f.sweep); err != nil {
			return nil, nil, err
		}
	} else if f.plot != "" {
		return nil, nil, fmt.Errorf("--cfg-plot needs --cfg-sweep")
	}
	guiding := f.cfg.enabled(cmd) || f.sweep != ""
	gopts, err := f.cfg.options(cmd, guiding)
	if err != nil || !guiding {
		return nil, nil, err
	}
	if strings.HasPrefix(f.model, "openai:") {
		return nil, nil, fmt.Errorf("--model %s: guidance needs whole next-token distributions, which OpenAI-compatible servers do not return; use a local directory or hf:ORG/NAME", f.model)
	}
	return scales, gopts, nil
}

func newEvalCmd() *cobra.Command {
	var f evalCmdFlags
	cmd := &cobra.Command{
		Use:   "eval --model SPEC --tasks LIST",
		Short: "Evaluate a model on lm-evaluation-harness tasks (KMMLU and the CFG paper's suite built in)",
		Long: `eval runs lm-evaluation-harness tasks (YAML task definitions; KMMLU and the
classifier-free guidance paper's nine zero-shot tasks, group cfg_paper, are
built in) on a model and prints lm-eval's results table.

--cfg SCALE evaluates with classifier-free guidance (every loglikelihood
and generation guided, the unconditional branch the prompt's last token, as
the paper's benchmarks, unless --cfg-uncond empty or --negative-prompt).
--cfg-sweep 1,1.25,1.5,2 evaluates at each scale and prints a task × scale
table, and draws it as a PNG (--cfg-plot, default cfg_sweep.png in --output
or the current folder).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listing, ok := taskListings[f.tasks]; ok {
				return listTasks(cmd, &f.tasksFrom, listing)
			}
			if err := f.resolveModel(cmd); err != nil {
				return err
			}
			opts, info, err := f.options(cmd)
			if err != nil {
				return err
			}
			scales, gopts, err := f.guidance(cmd)
			if err != nil {
				return err
			}
			suite, release, err := f.tasksFrom.loadTasks(cmd.ErrOrStderr(), splitList(f.tasks))
			if err != nil {
				return err
			}
			defer release()
			if gopts != nil {
				return evalGuided(cmd, suite, opts, &f, info, scales, gopts)
			}
			return evalPlain(cmd, suite, opts, &f, info)
		},
	}
	f.register(cmd)
	cmd.AddCommand(newEvalDecontaminateCmd())
	return cmd
}

// evalLoader reads task documents from the Hub, showing downloads.
func evalLoader(stderr io.Writer) *data.Loader {
	return &data.Loader{Hub: hub.FromEnvironment(), Progress: downloadProgress(stderr)}
}

// evalPlain evaluates the suite on the model as it is.
func evalPlain(cmd *cobra.Command, suite *eval.Suite, opts eval.Options, f *evalCmdFlags, info eval.RunInfo) error {
	model, closeModel, err := f.open(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer closeModel()
	if f.chat {
		ct, ok := model.(lm.ChatTemplater)
		if !ok || !model.Capabilities().ChatTemplate {
			return fmt.Errorf("--apply-chat-template: model %s has no chat template", model.Name())
		}
		opts.Prompt.ChatTemplate = ct
	}
	if f.cache != "" {
		// Answers are stored as they arrive, so an interrupted run
		// (Ctrl-C, a dead server) resumes where it stopped.
		c, err := cache.Open(f.cache, nil)
		if err != nil {
			return fmt.Errorf("--cache: %w", err)
		}
		defer c.Close()
		model = cache.Wrap(model, c)
	}
	stderr := cmd.ErrOrStderr()
	bar := newProgressBar(stderr)
	opts.Progress = bar.update
	run, runErr := eval.Evaluate(cmd.Context(), model, suite, evalLoader(stderr), opts)
	bar.finish()
	if len(run.Results) == 0 {
		return runErr
	}
	if f.output != "" {
		path, err := run.WriteFiles(f.output, info)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "results written to %s\n", path)
	}
	w := cmd.OutOrStdout()
	if f.asJSON {
		fmt.Fprintln(w, eval.ResultsJSONString(run, info))
	} else {
		io.WriteString(w, eval.Table(run))
	}
	return runErr
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

// progressBar renders progress with an ETA and requests/s: one updating
// line on a terminal; elsewhere (logs, CI) a plain line when a task
// finishes and at most every progressLogEvery, with no carriage returns.
type progressBar struct {
	w    io.Writer
	tty  bool
	last time.Time
	line bool
}

const progressLogEvery = 10 * time.Second

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, tty: isTerminal(w)} }

func (b *progressBar) update(p eval.Progress) {
	every := 200 * time.Millisecond
	if !b.tty {
		every = progressLogEvery
	}
	if time.Since(b.last) < every && p.Done != p.Total {
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
	if !b.tty {
		fmt.Fprintf(b.w, "[%d/%d] %s: %d/%d requests, %.1f req/s, ETA %s\n", p.TaskIndex+1, p.Tasks, p.Task, p.Done, p.Total, rate, eta)
		return
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

// parseScales parses --cfg-sweep: finite guidance scales, comma-separated.
func parseScales(s string) ([]float64, error) {
	var out []float64
	for _, p := range splitList(s) {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("--cfg-sweep %s: %q is not a finite number", s, p)
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("--cfg-sweep %s: scale %g is listed twice", s, v)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--cfg-sweep: no scales given")
	}
	return out, nil
}

// evalGuided evaluates the suite with classifier-free guidance at one scale
// (scales empty) or at each of scales, keeping the runs that finished when
// one fails or is interrupted.
func evalGuided(cmd *cobra.Command, suite *eval.Suite, opts eval.Options, f *evalCmdFlags, info eval.RunInfo, scales []float64, gopts *guided.Options) error {
	ctx, stderr, w := cmd.Context(), cmd.ErrOrStderr(), cmd.OutOrStdout()
	b, err := f.openNative(ctx, stderr)
	if err != nil {
		return err
	}
	defer b.Close()
	sweeping := len(scales) > 0
	if !sweeping {
		scales = []float64{f.cfg.scale}
	}
	loader := evalLoader(stderr)
	var store *cache.Cache
	if f.cache != "" {
		// The guided model's name carries the scale and branch, so one
		// cache holds every scale's answers apart.
		if store, err = cache.Open(f.cache, nil); err != nil {
			return fmt.Errorf("--cache: %w", err)
		}
		defer store.Close()
	}
	var runs []*eval.Run
	var infos []eval.RunInfo
	var runErr error
	uncond := ""
	for _, s := range scales {
		g, err := guided.New(b, s, gopts)
		if err != nil {
			return err
		}
		uncond = string(g.Uncond())
		var model lm.Model = g
		if store != nil {
			model = cache.Wrap(g, store)
		}
		if f.chat {
			if !g.Capabilities().ChatTemplate {
				return fmt.Errorf("--apply-chat-template: model %s has no chat template", g.Name())
			}
			opts.Prompt.ChatTemplate = g
		}
		if sweeping {
			fmt.Fprintf(stderr, "guidance scale %g\n", s)
		}
		bar := newProgressBar(stderr)
		opts.Progress = bar.update
		run, err := eval.Evaluate(ctx, model, suite, loader, opts)
		bar.finish()
		runInfo := info
		runInfo.ModelArgs = fmt.Sprintf("cfg=%g,cfg_uncond=%s", s, uncond)
		runInfo.FileTag = fmt.Sprintf("_cfg%g", s)
		if gopts.NegativePrompt != "" {
			runInfo.ModelArgs += ",negative_prompt=" + strconv.Quote(gopts.NegativePrompt)
		}
		if len(run.Results) > 0 {
			if f.output != "" {
				path, werr := run.WriteFiles(f.output, runInfo)
				if werr != nil {
					return werr
				}
				fmt.Fprintf(stderr, "results written to %s\n", path)
			}
			runs = append(runs, run)
			infos = append(infos, runInfo)
		}
		if err != nil {
			runErr = err
			break
		}
	}
	if len(runs) == 0 {
		return runErr
	}
	if !sweeping {
		if f.asJSON {
			fmt.Fprintln(w, eval.ResultsJSONString(runs[0], infos[0]))
		} else {
			fmt.Fprintf(w, "classifier-free guidance: γ = %g, unconditional branch %s\n", f.cfg.scale, uncond)
			io.WriteString(w, eval.Table(runs[0]))
		}
		return runErr
	}
	if err := reportSweep(w, stderr, f, scales[:len(runs)], eval.SweepRows(runs), uncond); err != nil {
		return err
	}
	return runErr
}

// reportSweep draws the sweep's plot and prints its table or JSON.
func reportSweep(w, stderr io.Writer, f *evalCmdFlags, scales []float64, rows []eval.SweepRow, uncond string) error {
	plotPath := f.plot
	if plotPath == "" {
		plotPath = filepath.Join(f.output, "cfg_sweep.png")
	}
	if err := writeSweepPlot(plotPath, scales, rows, uncond); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "plot written to %s\n", plotPath)
	if !f.asJSON {
		_, err := io.WriteString(w, eval.SweepTable(scales, rows, uncond))
		return err
	}
	type jsonRow struct {
		Task   string     `json:"task"`
		Metric string     `json:"metric"`
		Filter string     `json:"filter"`
		Values []*float64 `json:"values"` // null where a run has no value
	}
	out := struct {
		Uncond string    `json:"uncond"`
		Scales []float64 `json:"scales"`
		Rows   []jsonRow `json:"rows"`
		Plot   string    `json:"plot"`
	}{Uncond: uncond, Scales: scales, Plot: plotPath}
	for _, row := range rows {
		vals := make([]*float64, len(row.Values))
		for i, v := range row.Values {
			if !math.IsNaN(v) {
				vals[i] = &row.Values[i]
			}
		}
		out.Rows = append(out.Rows, jsonRow{row.Task, row.Metric, row.Filter, vals})
	}
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// readSamples reads --samples: a JSON object of task names to document
// indexes, given inline (it starts with "{") or as a file.
func readSamples(arg string) (map[string][]int, error) {
	raw := []byte(arg)
	if !strings.HasPrefix(strings.TrimSpace(arg), "{") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("--samples: %w", err)
		}
		raw = b
	}
	var samples map[string][]int
	if err := json.Unmarshal(raw, &samples); err != nil {
		return nil, fmt.Errorf("--samples %s: expected a JSON object of task names to lists of document indexes: %v", arg, err)
	}
	return samples, nil
}
