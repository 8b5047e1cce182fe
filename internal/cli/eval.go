package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
	"github.com/fmkit/fmkit/lm/guided"
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
		cf                                                             cfgFlags
		sweep, plotPath                                                string
	)
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
			if modelSpec == "" || tasksArg == "" {
				return errors.New("--model and --tasks are required")
			}
			suite, err := loadTasks(includes, splitList(tasksArg))
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
			var scales []float64
			if sweep != "" {
				if cf.enabled(cmd) {
					return fmt.Errorf("--cfg and --cfg-sweep: give one of them")
				}
				if scales, err = parseScales(sweep); err != nil {
					return err
				}
			} else if plotPath != "" {
				return fmt.Errorf("--cfg-plot needs --cfg-sweep")
			}
			guiding := cf.enabled(cmd) || sweep != ""
			gopts, err := cf.options(cmd, guiding)
			if err != nil {
				return err
			}
			if guiding {
				if strings.HasPrefix(modelSpec, "openai:") {
					return fmt.Errorf("--model %s: guidance needs whole next-token distributions, which OpenAI-compatible servers do not return; use a local directory or hf:ORG/NAME", modelSpec)
				}
				return evalGuided(cmd, suite, opts, evalRun{spec: modelSpec, dtype: dtype, output: output, cache: cachePath, chat: chat, asJSON: asJSON,
					info: eval.RunInfo{Model: modelSpec, BatchSize: strconv.Itoa(batchSize), Limit: limit, RandomSeed: randomSeed}},
					cf.scale, scales, gopts, plotPath)
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
	cf.register(cmd)
	f.StringVar(&sweep, "cfg-sweep", "", "evaluate at each guidance scale of a comma-separated list, e.g. 1,1.25,1.5,2")
	f.StringVar(&plotPath, "cfg-plot", "", "PNG file for the --cfg-sweep plot (default: cfg_sweep.png in --output or here)")
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

// evalRun holds what a guided evaluation needs from eval's flags.
type evalRun struct {
	spec, dtype, output, cache string
	chat, asJSON               bool
	info                       eval.RunInfo
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
func evalGuided(cmd *cobra.Command, suite *eval.Suite, opts eval.Options, r evalRun, scale float64, scales []float64, gopts *guided.Options, plotPath string) error {
	ctx, stderr, w := cmd.Context(), cmd.ErrOrStderr(), cmd.OutOrStdout()
	b, m, err := openGuidedSpec(ctx, r.spec, r.dtype, stderr, native.Options{Name: r.spec}, true)
	if err != nil {
		return err
	}
	defer m.Close()
	sweeping := len(scales) > 0
	if !sweeping {
		scales = []float64{scale}
	}
	loader := &data.Loader{Hub: hub.FromEnvironment(), Progress: func(file string, done, total int64) {
		fmt.Fprintf(stderr, "\rdownloading %s %d/%d bytes", file, done, total)
	}}
	var store *cache.Cache
	if r.cache != "" {
		// The guided model's name carries the scale and branch, so one
		// cache holds every scale's answers apart.
		if store, err = cache.Open(r.cache, nil); err != nil {
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
		if r.chat {
			if !g.Capabilities().ChatTemplate {
				return fmt.Errorf("--apply-chat-template: model %s has no chat template", g.Name())
			}
			opts.Prompt.ChatTemplate = g
		}
		if sweeping {
			fmt.Fprintf(stderr, "guidance scale %g\n", s)
		}
		bar := &progressBar{w: stderr}
		opts.Progress = bar.update
		run, err := eval.Evaluate(ctx, model, suite, loader, opts)
		bar.finish()
		info := r.info
		info.ModelArgs = fmt.Sprintf("cfg=%g,cfg_uncond=%s", s, uncond)
		if gopts.NegativePrompt != "" {
			info.ModelArgs += ",negative_prompt=" + strconv.Quote(gopts.NegativePrompt)
		}
		if len(run.Results) > 0 {
			if r.output != "" {
				path, werr := run.WriteFiles(r.output, info)
				if werr != nil {
					return werr
				}
				fmt.Fprintf(stderr, "results written to %s\n", path)
			}
			runs = append(runs, run)
			infos = append(infos, info)
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
		if r.asJSON {
			fmt.Fprintln(w, eval.ResultsJSONString(runs[0], infos[0]))
		} else {
			fmt.Fprintf(w, "classifier-free guidance: γ = %g, unconditional branch %s\n", scale, uncond)
			io.WriteString(w, eval.Table(runs[0]))
		}
		return runErr
	}
	rows := sweepRows(runs)
	done := scales[:len(runs)]
	if plotPath == "" {
		plotPath = filepath.Join(r.output, "cfg_sweep.png")
	}
	if err := writeSweepPlot(plotPath, done, rows, uncond); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "plot written to %s\n", plotPath)
	if r.asJSON {
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
		}{Uncond: uncond, Scales: done, Plot: plotPath}
		for _, row := range rows {
			vals := make([]*float64, len(row.values))
			for i, v := range row.values {
				if !math.IsNaN(v) {
					vals[i] = &row.values[i]
				}
			}
			out.Rows = append(out.Rows, jsonRow{row.task, row.metric, row.filter, vals})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		return runErr
	}
	io.WriteString(w, sweepTable(done, rows, uncond))
	return runErr
}

// sweepRow is one task metric across the scales of a sweep.
type sweepRow struct {
	task, metric, filter string
	values               []float64 // per scale; NaN where the run has no value
}

// sweepRows collects every task metric of the runs, in the first run's
// task and metric order.
func sweepRows(runs []*eval.Run) []sweepRow {
	var rows []sweepRow
	index := map[string]int{}
	for i, run := range runs {
		for _, res := range run.Results {
			for _, k := range res.Metrics.Keys() {
				metric, filter, ok := strings.Cut(k, ",")
				if !ok || strings.HasSuffix(metric, "_stderr") {
					continue
				}
				v, _ := res.Metrics.Get(k)
				f, isFloat := v.(float64)
				if !isFloat {
					continue
				}
				key := res.Name + "|" + k
				j, seen := index[key]
				if !seen {
					j = len(rows)
					index[key] = j
					vals := make([]float64, len(runs))
					for x := range vals {
						vals[x] = math.NaN()
					}
					rows = append(rows, sweepRow{task: res.Name, metric: metric, filter: filter, values: vals})
				}
				rows[j].values[i] = f
			}
		}
	}
	return rows
}

// sweepTable renders the task × scale table.
func sweepTable(scales []float64, rows []sweepRow, uncond string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "classifier-free guidance sweep, unconditional branch %s\n", uncond)
	head := []string{"Task", "Metric", "Filter"}
	rule := []string{"----", "------", "------"}
	for _, s := range scales {
		head = append(head, fmt.Sprintf("γ=%g", s))
		rule = append(rule, "-----:")
	}
	b.WriteString("|" + strings.Join(head, "|") + "|\n|" + strings.Join(rule, "|") + "|\n")
	for _, r := range rows {
		cells := []string{r.task, r.metric, r.filter}
		for _, v := range r.values {
			if math.IsNaN(v) {
				cells = append(cells, "")
			} else {
				cells = append(cells, fmt.Sprintf("%.4f", v))
			}
		}
		b.WriteString("|" + strings.Join(cells, "|") + "|\n")
	}
	return b.String()
}

// primaryRows picks one metric per task for the plot: acc, else
// exact_match, else the task's first metric.
func primaryRows(rows []sweepRow) []sweepRow {
	var order []string
	best := map[string]sweepRow{}
	rank := func(m string) int {
		switch m {
		case "acc":
			return 0
		case "exact_match":
			return 1
		}
		return 2
	}
	for _, r := range rows {
		cur, seen := best[r.task]
		if !seen {
			order = append(order, r.task)
		}
		if !seen || rank(r.metric) < rank(cur.metric) {
			best[r.task] = r
		}
	}
	out := make([]sweepRow, len(order))
	for i, t := range order {
		out[i] = best[t]
	}
	return out
}

// writeSweepPlot draws each task's primary metric against the guidance
// scale as a PNG, written atomically.
func writeSweepPlot(path string, scales []float64, rows []sweepRow, uncond string) error {
	p := plot.New()
	p.Title.Text = "classifier-free guidance sweep (unconditional branch " + uncond + ")"
	p.X.Label.Text = "guidance scale γ"
	p.Y.Label.Text = "score"
	p.Add(plotter.NewGrid())
	order := make([]int, len(scales))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return scales[order[a]] < scales[order[b]] })
	var lines []any
	fraction := true // every plotted value is in [0, 1], as accuracies are
	for _, r := range primaryRows(rows) {
		var xys plotter.XYs
		for _, i := range order {
			if v := r.values[i]; !math.IsNaN(v) {
				xys = append(xys, plotter.XY{X: scales[i], Y: v})
				fraction = fraction && v >= 0 && v <= 1
			}
		}
		if len(xys) > 0 {
			lines = append(lines, fmt.Sprintf("%s (%s)", r.task, r.metric), xys)
		}
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return fmt.Errorf("--cfg-plot: %w", err)
	}
	if fraction {
		p.Y.Min, p.Y.Max = 0, 1
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(8*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("--cfg-plot: %w", err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("--cfg-plot %s: %w", path, err)
	}
	return nil
}
