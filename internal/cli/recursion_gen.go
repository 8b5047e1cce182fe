package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/recursion"
	"github.com/fmkit/fmkit/tokenizer"
)

type recursionGenFlags struct {
	tasks, split, dist, buckets, oversample, lm, tokenizer, out string
	n                                                           int
	seed                                                        uint64
	ranges                                                      recursion.Ranges
	holdout, unique, trace, machine, asJSON                     bool
	traceFraction                                               float64
}

func newRecursionGenCmd() *cobra.Command {
	var f recursionGenFlags
	cmd := &cobra.Command{
		Use:   "gen --task FUNCTIONS --n N [--out FILE]",
		Short: "Generate a dataset (JSONL examples) or language-model training data",
		Long: `gen draws inputs of the functions and writes one JSON object per line: the
call and answer in Coq's and the compact notation, the input's features,
tags and edge-case class, and with --trace/--machine the reduction trace and
the state-machine run (the schema is in the recursion package's
documentation). The same flags give the same file on every machine.

--lm text writes language-model training data instead, in the format fmkit
train lm reads and the built-in tasks prompt with: {"text": "succ (xI xH) =
xO (xO xH)\n"} per line, the functions shuffled together (--trace-fraction
adds "TERM -> NEXT" reduction steps); --lm ids writes {"ids": [...]}
tokenized with the recursion tokenizer (or --tokenizer). In --lm mode the
inputs of the built-in test sets are held out unless --holdout=false.

A table of the edge-case classes drawn goes to stdout (or JSON with --json)
when --out is given, to stderr otherwise.`,
		Example: `  fmkit recursion gen --task succ --n 1000 --dist balanced --out succ.jsonl
  fmkit recursion gen --task succ --n 20000 --oversample all_ones=0.05,carry_8plus=0.05 --out over.jsonl
  fmkit recursion gen --lm text --n 20000 --seed 1 --out train.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.tasks, "task", "", "functions, comma-separated (default with --lm: succ,add,preorder,inorder,postorder)")
	fl.IntVar(&f.n, "n", 1000, "examples per function")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed")
	fl.StringVar(&f.split, "split", "train", "split name, recorded and part of the random stream")
	fl.StringVar(&f.dist, "dist", "natural", "natural (edge cases at their natural rates) or balanced (each class equally)")
	fl.StringVar(&f.buckets, "classes", "", "with --dist balanced: only these edge-case classes, comma-separated")
	fl.StringVar(&f.oversample, "oversample", "", "with --dist natural: draw these fractions from classes, e.g. all_ones=0.05,carry_8plus=0.05")
	fl.IntVar(&f.ranges.MinLen, "min-len", 1, "fewest bits of a positive argument")
	fl.IntVar(&f.ranges.MaxLen, "max-len", 12, "most bits of a positive argument")
	fl.IntVar(&f.ranges.MinNodes, "min-nodes", 1, "fewest nodes of a tree (elements of a list)")
	fl.IntVar(&f.ranges.MaxNodes, "max-nodes", 8, "most nodes of a tree (elements of a list)")
	fl.IntVar(&f.ranges.MaxDepth, "max-depth", 5, "deepest tree (nodes on the longest path)")
	fl.IntVar(&f.ranges.Labels, "labels", 10, "labels 0..N-1 of tree nodes and list elements")
	fl.BoolVar(&f.holdout, "holdout", false, "leave out the inputs of the built-in test sets (default true with --lm)")
	fl.BoolVar(&f.unique, "unique", false, "no input twice")
	fl.BoolVar(&f.trace, "trace", false, "add each example's reduction trace")
	fl.BoolVar(&f.machine, "machine", false, "add each example's state-machine run")
	fl.StringVar(&f.lm, "lm", "", "write language-model training data: text or ids")
	floatVar(fl, &f.traceFraction, "trace-fraction", 0, "with --lm: add this many reduction-step lines per input-output line")
	fl.StringVar(&f.tokenizer, "tokenizer", "", "with --lm ids: tokenizer.json (default: the recursion tokenizer)")
	fl.StringVar(&f.out, "out", "", "output file (default: stdout)")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func (f *recursionGenFlags) run(cmd *cobra.Command) error {
	start := time.Now()
	dist, err := recursion.ParseDistribution(f.dist)
	if err != nil {
		return fmt.Errorf("--dist: %w", err)
	}
	over, err := parseFractions("oversample", f.oversample)
	if err != nil {
		return err
	}
	funcs := splitList(f.tasks)
	if len(funcs) == 0 {
		if f.lm == "" {
			return errors.New("--task is required: a function such as succ (or several, comma-separated)")
		}
		funcs = recursion.HarnessFuncs()
	}
	if f.n < 1 {
		return fmt.Errorf("--n %d: expected 1 or more", f.n)
	}
	summary := cmd.ErrOrStderr()
	if f.out != "" {
		summary = cmd.OutOrStdout()
	}
	if f.lm != "" {
		return f.runLM(cmd, funcs, dist, over, start, summary)
	}
	var all []recursion.Example
	for _, fn := range funcs {
		exs, err := recursion.Generate(cmd.Context(), recursion.Options{Func: fn, N: f.n, Seed: f.seed, Split: f.split, Ranges: f.ranges,
			Dist: dist, Buckets: splitList(f.buckets), Oversample: over, Holdout: f.holdout, Unique: f.unique, Trace: f.trace, Machine: f.machine})
		if err != nil {
			return err
		}
		all = append(all, exs...)
	}
	write := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, ex := range all {
			if err := enc.Encode(ex); err != nil {
				return err
			}
		}
		return nil
	}
	if err := f.output(cmd, write); err != nil {
		return err
	}
	return f.summarize(summary, all, time.Since(start))
}

// output writes to --out atomically, or to stdout.
func (f *recursionGenFlags) output(cmd *cobra.Command, write func(io.Writer) error) error {
	if f.out == "" {
		w := bufio.NewWriter(cmd.OutOrStdout())
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	if err := atomicfile.Write(f.out, write); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

type classCount struct {
	Function string  `json:"function"`
	Class    string  `json:"class"`
	Count    int     `json:"count"`
	Share    float64 `json:"share"`
}

func (f *recursionGenFlags) summarize(w io.Writer, exs []recursion.Example, took time.Duration) error {
	counts := map[[2]string]int{}
	perFunc := map[string]int{}
	var keys [][2]string
	for _, ex := range exs {
		k := [2]string{ex.Func, ex.Bucket}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
		perFunc[ex.Func]++
	}
	env := recursion.Std()
	rank := func(k [2]string) int {
		classes, _ := env.Buckets(k[0])
		for i, c := range classes {
			if c[0] == k[1] {
				return i
			}
		}
		return len(classes)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return rank(keys[i]) < rank(keys[j])
	})
	var rows []classCount
	for _, k := range keys {
		rows = append(rows, classCount{k[0], k[1], counts[k], float64(counts[k]) / float64(perFunc[k[0]])})
	}
	if f.asJSON {
		return writeJSON(w, map[string]any{"examples": len(exs), "out": f.out, "seconds": took.Seconds(), "classes": rows})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tclass\texamples\tshare\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t\n", r.Function, r.Class, r.Count, r.Share)
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "%d examples in %.2fs\n", len(exs), took.Seconds())
	return err
}

func (f *recursionGenFlags) runLM(cmd *cobra.Command, funcs []string, dist recursion.Distribution, over map[string]float64, start time.Time, summary io.Writer) error {
	if f.lm != "text" && f.lm != "ids" {
		return fmt.Errorf("--lm %q: expected text or ids", f.lm)
	}
	if f.trace || f.machine {
		return errors.New("--trace and --machine add to examples; with --lm use --trace-fraction")
	}
	holdout := true
	if cmd.Flags().Changed("holdout") {
		holdout = f.holdout
	}
	var tok *tokenizer.Tokenizer
	var err error
	if f.tokenizer != "" {
		tok, err = tokenizer.Load(f.tokenizer)
		if err != nil {
			return fmt.Errorf("--tokenizer: %w", err)
		}
	} else {
		tok, err = recursion.Tokenizer()
		if err != nil {
			return err
		}
	}
	lines, err := recursion.LMCorpus(cmd.Context(), recursion.LMOptions{Funcs: funcs, N: f.n, TraceFraction: f.traceFraction, Seed: f.seed,
		Split: f.split, Ranges: f.ranges, Dist: dist, Oversample: over, Unique: f.unique, KeepTestInputs: !holdout})
	if err != nil {
		return err
	}
	ids := tok.EncodeBatch(lines, true)
	stats := tokenStats(ids)
	write := func(w io.Writer) error {
		for i, line := range lines {
			var rec any = map[string]any{"text": line}
			if f.lm == "ids" {
				rec = map[string]any{"ids": ids[i]}
			}
			b, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	}
	if err := f.output(cmd, write); err != nil {
		return err
	}
	took := time.Since(start)
	if f.asJSON {
		return writeJSON(summary, map[string]any{"lines": len(lines), "out": f.out, "format": f.lm, "vocab_size": tok.VocabSize(),
			"tokens": stats.total, "tokens_mean": stats.mean, "tokens_max": stats.max, "tokens_p99": stats.p99, "seconds": took.Seconds()})
	}
	_, err = fmt.Fprintf(summary, "%d lines (%s) of %s: %d tokens, %.1f per line (99th percentile %d, longest %d), vocabulary %d; %.2fs\n",
		len(lines), f.lm, strings.Join(funcs, ", "), stats.total, stats.mean, stats.p99, stats.max, tok.VocabSize(), took.Seconds())
	return err
}

type lengthStats struct {
	total, max, p99 int
	mean            float64
}

func tokenStats(ids [][]int) lengthStats {
	var s lengthStats
	lens := make([]int, len(ids))
	for i, x := range ids {
		lens[i] = len(x)
		s.total += len(x)
		s.max = max(s.max, len(x))
	}
	if len(lens) > 0 {
		sort.Ints(lens)
		s.mean = float64(s.total) / float64(len(lens))
		s.p99 = lens[min(len(lens)-1, len(lens)*99/100)]
	}
	return s
}

// readPredictionFiles reads every --input file of recursion analyze.
func readPredictionFiles(paths []string) ([]recursion.Prediction, int, error) {
	var all []recursion.Prediction
	skipped := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, 0, fmt.Errorf("--input: %w", err)
		}
		preds, sk, err := recursion.ReadPredictions(f, p)
		f.Close()
		if err != nil {
			return nil, 0, err
		}
		all = append(all, preds...)
		skipped += sk
	}
	return all, skipped, nil
}
