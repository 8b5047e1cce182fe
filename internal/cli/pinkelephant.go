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
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/pinkelephant"
)

func newPinkElephantCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pinkelephant",
		Short: "Build, evaluate and compare Pink Elephant avoidance (Direct Principle Feedback data, mention rates, CFG vs DPF)",
		Long: `pinkelephant works on the Pink Elephant Problem of Castricato et al.,
"Suppressing Pink Elephants with Direct Principle Feedback" (arXiv
2402.07896): told to avoid an entity (the Pink Elephant) and talk about
another (the Grey Elephant), models keep mentioning the first.

  generate   build the synthetic data with any chat model: topics, entity
             pairs, conversation plans, dialogues, critiques and revisions,
             exported as DPO pairs for 'fmkit train dpo' (Direct Principle
             Feedback) and a held-out test set
  eval       the mention rate of a model's answers to held-out dialogues,
             without and with the avoidance instruction, by domain
  compare    base model, base model with the instruction, classifier-free
             guidance away from the Pink Elephant over a γ sweep, and a
             DPF-trained model, on one test set: a table and a plot
  templates  write the built-in prompt templates for editing`,
	}
	cmd.AddCommand(newPinkGenerateCmd(), newPinkEvalCmd(), newPinkCompareCmd(), newPinkTemplatesCmd())
	return cmd
}

// openChatModel opens --model as a backend that can render chat messages:
// the native engine's chat template, or a server with chat=true.
func openChatModel(ctx context.Context, spec, dtype string, concurrency int, stderr io.Writer) (lm.Model, lm.ChatTemplater, func(), error) {
	m, closeModel, err := openModel(ctx, spec, dtype, false, concurrency, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	ct, ok := m.(lm.ChatTemplater)
	if !ok {
		closeModel()
		return nil, nil, nil, fmt.Errorf("--model %s: cannot render chat messages", spec)
	}
	if strings.HasPrefix(spec, "openai:") && !strings.Contains(spec, "chat=true") {
		closeModel()
		return nil, nil, nil, fmt.Errorf("--model %s: the pipeline talks in chat turns; add chat=true so that they go to /v1/chat/completions", spec)
	}
	return m, ct, closeModel, nil
}

// openCacheFlag opens --cache, or returns nil for "".
func openCacheFlag(path string) (*cache.Cache, error) {
	if path == "" {
		return nil, nil
	}
	c, err := cache.Open(path, &cache.Options{ChunkSize: 16})
	if err != nil {
		return nil, fmt.Errorf("--cache: %w", err)
	}
	return c, nil
}

func newPinkGenerateCmd() *cobra.Command {
	var (
		modelSpec, dtype, out, cachePath, templates, domainsFile, from, to string
		concurrency                                                        int
		opts                                                               pinkelephant.Options
		exp                                                                pinkelephant.ExportOptions
		asJSON                                                             bool
	)
	cmd := &cobra.Command{
		Use:   "generate --model SPEC --out DIR",
		Short: "Build the Pink Elephant dataset with a chat model and export DPO pairs",
		Long: `generate runs the data pipeline as resumable stages, each reading the file of
the stage before it in --out and writing its own:

  topics      topics.jsonl      topics per domain (--domains FILE, one per line)
  pairs       pairs.jsonl       (Grey, Pink) entity pairs per topic
  plans       plans.jsonl       conversation plans drifting from Grey to Pink
  dialogues   dialogues.jsonl   the plans played out, one message at a time
  critiques   critiques.jsonl   the agent's last turn judged and critiqued
  revisions   revisions.jsonl   that turn rewritten to steer back to Grey
  export      dpf.jsonl         DPO pairs (prompt, chosen = revision,
                                rejected = original) and test.jsonl

Every answer is kept in a response cache (--cache, default DIR/cache.db) as it
arrives: after a crash or Ctrl-C, the same command asks only what is missing.
--from and --to run part of the pipeline (a pairs.jsonl written by hand and
--from plans skips the first two stages). Prompts are Jinja templates;
--templates DIR replaces any of them (see 'fmkit pinkelephant templates').`,
		Example: `  fmkit pinkelephant generate --model openai:http://localhost:8000/v1,chat=true --out runs/pe
  fmkit pinkelephant generate --model ./my-chat-model --out runs/pe --from plans --turns 4 --test-fraction 0.2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if modelSpec == "" || out == "" {
				return errors.New("--model and --out are required")
			}
			for _, f := range []struct {
				name string
				v    float64
			}{{"--temperature", opts.Temperature}, {"--top-p", opts.TopP}, {"--test-fraction", exp.TestFraction}} {
				if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
					return fmt.Errorf("%s %v: expected a finite number", f.name, f.v)
				}
			}
			var ro pinkelephant.RunOptions
			var err error
			if from != "" {
				if ro.From, err = pinkelephant.ParseStage(from); err != nil {
					return fmt.Errorf("--from: %w", err)
				}
			}
			if to != "" {
				if ro.To, err = pinkelephant.ParseStage(to); err != nil {
					return fmt.Errorf("--to: %w", err)
				}
			}
			if domainsFile != "" {
				b, err := os.ReadFile(domainsFile)
				if err != nil {
					return fmt.Errorf("--domains: %w", err)
				}
				for _, l := range strings.Split(string(b), "\n") {
					if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
						opts.Domains = append(opts.Domains, l)
					}
				}
				if len(opts.Domains) == 0 {
					return fmt.Errorf("--domains %s: no domains in the file (one per line)", domainsFile)
				}
			}
			if opts.Templates, err = pinkelephant.LoadTemplates(templates); err != nil {
				return fmt.Errorf("--templates: %w", err)
			}
			if err := opts.Validate(); err != nil {
				return err
			}
			if err := exp.Validate(); err != nil {
				return err
			}
			exp.Templates = opts.Templates
			ro.Dir, ro.Export = out, exp
			model, chat, closeModel, err := openChatModel(cmd.Context(), modelSpec, dtype, concurrency, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer closeModel()
			if cachePath == "" {
				cachePath = filepath.Join(out, "cache.db")
			}
			if err := os.MkdirAll(out, 0o777); err != nil {
				return err
			}
			c, err := openCacheFlag(cachePath)
			if err != nil {
				return err
			}
			defer c.Close()
			stderr := cmd.ErrOrStderr()
			opts.Progress = func(p pinkelephant.Progress) {
				turn := ""
				if p.Turn > 0 {
					turn = fmt.Sprintf(" message %d", p.Turn)
				}
				fmt.Fprintf(stderr, "\r%s%s: %d/%d   ", p.Stage, turn, p.Done, p.Total)
				if p.Done == p.Total {
					fmt.Fprintln(stderr)
				}
			}
			g, err := pinkelephant.NewGenerator(cache.Wrap(model, c), chat, &opts)
			if err != nil {
				return err
			}
			stats, runErr := pinkelephant.Run(cmd.Context(), g, ro)
			printStageStats(cmd.OutOrStdout(), stats, asJSON)
			if runErr != nil {
				return fmt.Errorf("%w (finished answers are in %s; rerun the same command to resume)", runErr, cachePath)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelSpec, "model", "", "chat model: a local directory, hf:ORG/NAME, or openai:URL,...,chat=true")
	f.StringVar(&dtype, "dtype", "", "native engine: convert weights to f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k")
	f.IntVar(&concurrency, "concurrency", 0, "requests in flight to model servers (default 32)")
	f.StringVar(&out, "out", "", "folder of the stage files")
	f.StringVar(&cachePath, "cache", "", "SQLite response cache (default OUT/cache.db)")
	f.StringVar(&templates, "templates", "", "folder of NAME.j2 files replacing built-in templates")
	f.StringVar(&domainsFile, "domains", "", "file of domains for the topics stage, one per line (default: 16 built in)")
	f.StringVar(&from, "from", "", "first stage to run (default topics)")
	f.StringVar(&to, "to", "", "last stage to run (default export)")
	f.IntVar(&opts.TopicsPerDomain, "topics-per-domain", 5, "topics asked for per domain")
	f.IntVar(&opts.PairsPerTopic, "pairs-per-topic", 10, "entity pairs asked for per topic")
	f.IntVar(&opts.PlansPerPair, "plans-per-pair", 1, "conversation plans per pair")
	f.IntVar(&opts.Turns, "turns", 6, "messages per dialogue (even: user and agent alternate, the agent last)")
	f.BoolVar(&opts.CritiqueAll, "critique-all", false, "critique and revise every dialogue, not only those whose last turn mentions the Pink Elephant")
	f.IntVar(&opts.MaxTokens, "max-tokens", 512, "most tokens per generation")
	f.BoolVar(&opts.Greedy, "greedy", false, "decode greedily instead of sampling")
	floatVar(f, &opts.Temperature, "temperature", 0.7, "sampling temperature")
	floatVar(f, &opts.TopP, "top-p", 0, "nucleus sampling cut (0: none)")
	f.Int64Var(&opts.Seed, "seed", 0, "seed from which every request's sampling seed is derived")
	f.StringArrayVar(&opts.Until, "until", nil, "stop string for every generation (repeat for more)")
	floatVar(f, &exp.TestFraction, "test-fraction", 0, "share of entity pairs held out: their dialogues go to test.jsonl")
	f.BoolVar(&exp.KeepAll, "keep-all", false, "export every revision (default: only where the original mentions the Pink Elephant and the revision does not)")
	f.BoolVar(&exp.NoInstruction, "no-instruction", false, "leave the avoidance instruction out of the exported prompts")
	f.BoolVar(&asJSON, "json", false, "print the stage counts as JSON")
	return cmd
}

func printStageStats(w io.Writer, stats []pinkelephant.StageStats, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(stats, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tinputs\trequests\toutputs\t dropped\t")
	for _, s := range stats {
		var reasons []string
		for r, n := range s.Dropped {
			reasons = append(reasons, fmt.Sprintf("%d %s", n, r))
		}
		sort.Strings(reasons)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t %s\t\n", s.Stage, s.Inputs, s.Asked, s.Outputs, strings.Join(reasons, "; "))
	}
	tw.Flush()
}

// readTestSet reads --test: dialogues in the schema of dialogues.jsonl.
func readTestSet(path string) ([]pinkelephant.Dialogue, error) {
	if path == "" {
		return nil, errors.New("--test is required: a JSONL file of dialogues (dialogues.jsonl or test.jsonl of generate)")
	}
	ds, err := pinkelephant.ReadJSONL(path, pinkelephant.CheckDialogue)
	if err != nil {
		return nil, fmt.Errorf("--test: %w", err)
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("--test %s: no dialogues", path)
	}
	return ds, nil
}

// evalFlags are the flags eval and compare share.
type evalFlags struct {
	test, out, cachePath, templates, dtype string
	maxTokens, limit                       int
	until                                  []string
	asJSON                                 bool
}

func (e *evalFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&e.test, "test", "", "held-out dialogues (JSONL, the schema of dialogues.jsonl); a trailing agent turn is dropped")
	f.StringVar(&e.out, "out", "", "folder for the generated tasks, the harness's results and the report")
	f.StringVar(&e.cachePath, "cache", "", "SQLite response cache (default OUT/cache.db)")
	f.StringVar(&e.templates, "templates", "", "folder of NAME.j2 files replacing built-in templates (instruction, negative, judge)")
	f.StringVar(&e.dtype, "dtype", "", "native engine: convert weights to f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k")
	f.IntVar(&e.maxTokens, "max-tokens", 256, "most tokens per answer")
	f.IntVar(&e.limit, "limit", 0, "evaluate only the first N dialogues")
	f.StringArrayVar(&e.until, "until", nil, "stop string for the answers (repeat for more)")
	f.BoolVar(&e.asJSON, "json", false, "print the results as JSON")
}

// options checks the shared flags and opens what they name.
func (e *evalFlags) options() (pinkelephant.EvalOptions, []pinkelephant.Dialogue, *cache.Cache, error) {
	var o pinkelephant.EvalOptions
	if e.out == "" {
		return o, nil, nil, errors.New("--out is required")
	}
	if e.maxTokens < 1 || e.limit < 0 {
		return o, nil, nil, fmt.Errorf("--max-tokens %d and --limit %d: expected a positive number of tokens and a limit ≥ 0", e.maxTokens, e.limit)
	}
	test, err := readTestSet(e.test)
	if err != nil {
		return o, nil, nil, err
	}
	tpl, err := pinkelephant.LoadTemplates(e.templates)
	if err != nil {
		return o, nil, nil, fmt.Errorf("--templates: %w", err)
	}
	if e.cachePath == "" {
		e.cachePath = filepath.Join(e.out, "cache.db")
	}
	if err := os.MkdirAll(e.out, 0o777); err != nil {
		return o, nil, nil, err
	}
	c, err := openCacheFlag(e.cachePath)
	if err != nil {
		return o, nil, nil, err
	}
	o = pinkelephant.EvalOptions{Dir: e.out, Templates: tpl, MaxTokens: e.maxTokens, Until: e.until, Limit: e.limit, Cache: c}
	return o, test, c, nil
}

func newPinkEvalCmd() *cobra.Command {
	var (
		e                    evalFlags
		modelSpec, judgeSpec string
		instruction          string
		concurrency          int
	)
	cmd := &cobra.Command{
		Use:   "eval --model SPEC --test FILE --out DIR",
		Short: "Measure how often a model's answers mention the Pink Elephant, by domain",
		Long: `eval answers the last user turn of every held-out dialogue and judges
whether the answer mentions the Pink Elephant (its name or an alias, in any
case, plural or possessive, never inside another word), without and with the
avoidance instruction as a system message (--instruction both|off|on). The
dialogues run as evaluation-harness tasks, one per domain, written to
OUT/ARM/tasks (rerun them with 'fmkit eval --include-path'); the harness's
results and samples go to OUT/ARM/results and the report to OUT/eval.json.
--judge-model asks a second, LLM judge through any chat backend and reports
its rate and its agreement with the string judge.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if modelSpec == "" {
				return errors.New("--model is required")
			}
			var arms []bool
			switch instruction {
			case "both":
				arms = []bool{false, true}
			case "off":
				arms = []bool{false}
			case "on":
				arms = []bool{true}
			default:
				return fmt.Errorf("--instruction %q: expected both, off or on", instruction)
			}
			o, test, c, err := e.options()
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, stderr := cmd.Context(), cmd.ErrOrStderr()
			model, chat, closeModel, err := openChatModel(ctx, modelSpec, e.dtype, concurrency, stderr)
			if err != nil {
				return err
			}
			defer closeModel()
			var judge *pinkelephant.LLMJudge
			if judgeSpec != "" {
				jm, jc, closeJudge, err := openChatModel(ctx, judgeSpec, e.dtype, concurrency, stderr)
				if err != nil {
					return fmt.Errorf("--judge-model: %w", err)
				}
				defer closeJudge()
				judge = &pinkelephant.LLMJudge{Model: cache.Wrap(jm, c), Chat: jc, Templates: o.Templates}
			}
			bar := newProgressBar(stderr)
			o.Progress = bar.update
			var results []*pinkelephant.EvalResult
			for _, instr := range arms {
				name := "base"
				if instr {
					name = "base+instruction"
				}
				res, err := pinkelephant.Evaluate(ctx, pinkelephant.Arm{Name: name, Model: model, Chat: chat, Instruction: instr}, test, &o)
				bar.finish()
				if err != nil {
					return err
				}
				if judge != nil {
					n, err := judge.Judge(ctx, res)
					if err != nil {
						return err
					}
					if n > 0 {
						fmt.Fprintf(stderr, "LLM judge: %d answers were neither yes nor no and are left out of its rate\n", n)
					}
				}
				results = append(results, res)
			}
			if err := writeJSONFile(filepath.Join(e.out, "eval.json"), results); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if e.asJSON {
				return writeJSON(w, results)
			}
			printRates(w, results)
			return nil
		},
	}
	e.register(cmd)
	f := cmd.Flags()
	f.StringVar(&modelSpec, "model", "", "model under test: a local directory, hf:ORG/NAME, or openai:URL,...,chat=true")
	f.StringVar(&judgeSpec, "judge-model", "", "optional LLM judge, any chat backend")
	f.StringVar(&instruction, "instruction", "both", "evaluate without (off), with (on) or without and with (both) the avoidance instruction")
	f.IntVar(&concurrency, "concurrency", 0, "requests in flight to model servers (default 32)")
	return cmd
}

func newPinkCompareCmd() *cobra.Command {
	var (
		e                         evalFlags
		modelSpec, dpfSpec, sweep string
		plotPath                  string
	)
	cmd := &cobra.Command{
		Use:   "compare --model DIR --dpf DIR --test FILE --out DIR",
		Short: "Base, instruction, CFG (γ sweep) and DPF on one test set: a table and a plot",
		Long: `compare evaluates, on the same held-out dialogues, the base model without
and with the avoidance instruction, the base model with the instruction and
classifier-free guidance whose negative prompt is the same dialogue after
"Talk about PINK." (the negative template) at each --cfg-sweep scale, and the
DPF-trained model (--dpf, e.g. from 'fmkit train dpo') without and with the
instruction. Both models run on the native engine (guidance needs whole
next-token distributions). It prints one table of mention rates (overall and
by domain), writes OUT/compare.json, and draws the rates against γ as a PNG
(--plot, default OUT/compare.png).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if modelSpec == "" {
				return errors.New("--model is required: the base model (a local directory or hf:ORG/NAME)")
			}
			if strings.HasPrefix(modelSpec, "openai:") || strings.HasPrefix(dpfSpec, "openai:") {
				return errors.New("--model and --dpf run on the native engine: guidance needs whole next-token distributions, which OpenAI-compatible servers do not return")
			}
			scales, err := parseScales(sweep)
			if err != nil {
				return err
			}
			o, test, c, err := e.options()
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, stderr := cmd.Context(), cmd.ErrOrStderr()
			base, bm, err := openNative(ctx, modelSpec, e.dtype, false, stderr, native.Options{})
			if err != nil {
				return err
			}
			defer bm.Close()
			var dpf *native.Model
			if dpfSpec != "" {
				d, dm, err := openNative(ctx, dpfSpec, e.dtype, false, stderr, native.Options{})
				if err != nil {
					return fmt.Errorf("--dpf: %w", err)
				}
				defer dm.Close()
				dpf = d
			}
			bar := newProgressBar(stderr)
			o.Progress = bar.update
			cmp, runErr := pinkelephant.Compare(ctx, base, dpf, test, &pinkelephant.CompareOptions{EvalOptions: o, Scales: scales,
				ArmStart: func(i, n int, name string) {
					bar.finish()
					fmt.Fprintf(stderr, "arm %d/%d: %s\n", i+1, n, name)
				}})
			bar.finish()
			if cmp == nil || len(cmp.Arms) == 0 {
				return runErr
			}
			if err := writeJSONFile(filepath.Join(e.out, "compare.json"), cmp); err != nil {
				return err
			}
			if plotPath == "" {
				plotPath = filepath.Join(e.out, "compare.png")
			}
			if err := atomicfile.Write(plotPath, func(w io.Writer) error {
				return cmp.WritePlot(w, fmt.Sprintf("Pink Elephant mentions, %d held-out dialogues", cmp.Arms[0].Pink.N))
			}); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "plot written to %s\n", plotPath)
			w := cmd.OutOrStdout()
			if e.asJSON {
				if err := writeJSON(w, cmp); err != nil {
					return err
				}
				return runErr
			}
			results := make([]*pinkelephant.EvalResult, len(cmp.Arms))
			for i, a := range cmp.Arms {
				results[i] = a.EvalResult
			}
			printRates(w, results)
			return runErr
		},
	}
	e.register(cmd)
	f := cmd.Flags()
	f.StringVar(&modelSpec, "model", "", "the base model: a local directory or hf:ORG/NAME")
	f.StringVar(&dpfSpec, "dpf", "", "the DPF-trained model (omit to compare the other arms only)")
	f.StringVar(&sweep, "cfg-sweep", "1.5,2,3,5", "guidance scales γ of the CFG arms")
	f.StringVar(&plotPath, "plot", "", "PNG file for the plot (default OUT/compare.png)")
	return cmd
}

// printRates prints one row per arm: the Pink and Grey Elephant mention
// rates with their standard errors, the LLM judge's rate if asked, and
// the Pink rate per domain.
func printRates(w io.Writer, results []*pinkelephant.EvalResult) {
	var domains []string
	for _, r := range results {
		for _, d := range r.ByDomain {
			if !containsString(domains, d.Domain) {
				domains = append(domains, d.Domain)
			}
		}
	}
	sort.Strings(domains)
	llm := false
	for _, r := range results {
		llm = llm || r.LLM != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "arm\tn\tpink mention\t± se\tgrey mention\t"
	if llm {
		head += "LLM judge\tagreement\t"
	}
	for _, d := range domains {
		head += d + "\t"
	}
	fmt.Fprintln(tw, head)
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t", r.Arm, r.Pink.N, r.Pink.Rate, r.Pink.Stderr, r.Grey.Rate)
		if llm {
			if r.LLM != nil && r.Agreement != nil {
				fmt.Fprintf(tw, "%.3f\t%.3f\t", r.LLM.Rate, *r.Agreement)
			} else {
				fmt.Fprint(tw, "-\t-\t")
			}
		}
		for _, d := range domains {
			cell := "-"
			for _, dr := range r.ByDomain {
				if dr.Domain == d {
					cell = fmt.Sprintf("%.3f (%d)", dr.Pink.Rate, dr.Pink.N)
				}
			}
			fmt.Fprint(tw, cell+"\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeJSONFile(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error { return writeJSON(w, v) })
}

func newPinkTemplatesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "templates DIR",
		Short: "Write the built-in prompt templates into DIR for editing",
		Long: `templates writes every built-in prompt template as DIR/NAME.j2 (Jinja): the
pipeline's topics, pairs, plan, user_turn, agent_system, critique and
revision, and the evaluation's instruction, negative (CFG's negative prompt)
and judge (the LLM judge). Existing files are left alone. Pass the folder
to generate, eval or compare with --templates; files you delete fall back
to the built-in ones.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			written, skipped, err := pinkelephant.WriteDefaults(args[0])
			for _, p := range written {
				fmt.Fprintln(cmd.OutOrStdout(), "wrote", p)
			}
			for _, p := range skipped {
				fmt.Fprintln(cmd.OutOrStdout(), "kept", p, "(exists)")
			}
			return err
		},
	}
}
