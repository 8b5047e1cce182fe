package recursion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/data"
)

// The built-in evaluation tasks (eval/tasks/recursion) read their
// documents from the generated dataset "fmkit:recursion", computed at load
// time by HarnessDocs from fixed seeds: nothing is downloaded, and the
// documents (hence the prompts) are the same on every run and machine.

// HarnessSeed seeds every built-in task's documents (the paper's arXiv
// number).
const HarnessSeed uint64 = 2401_12947

// Sizes of the built-in tasks' splits.
const (
	// HarnessPerBucket is the number of test documents drawn per edge-case
	// class (fewer where the class has fewer distinct inputs).
	HarnessPerBucket = 100
	// HarnessTrainPool is the size of the "train" split, from which the
	// _icl variants draw their demonstrations.
	HarnessTrainPool = 1000
)

// HarnessFuncs returns the functions of the built-in tasks.
func HarnessFuncs() []string {
	return []string{"succ", "add", "preorder", "inorder", "postorder"}
}

// HarnessConfigs returns the configurations of the generated dataset: a
// function ("succ") for input-output documents and function+"_trace" for
// next-step documents.
func HarnessConfigs() []string {
	var out []string
	for _, f := range HarnessFuncs() {
		out = append(out, f, f+"_trace")
	}
	return out
}

// ErrNoSplit is returned for a configuration or split the generated
// dataset does not have.
var ErrNoSplit = errors.New("recursion: no such configuration or split")

// HarnessSplits returns the splits of a configuration: "train", "test",
// and "test.CLASS" for each edge-case class (for _trace configurations the
// classes are the rewrite rules delta, beta and iota).
func HarnessSplits(config string) ([]string, error) {
	classes, err := harnessClasses(config)
	if err != nil {
		return nil, err
	}
	out := []string{"train", "test"}
	for _, c := range classes {
		out = append(out, "test."+c)
	}
	return out, nil
}

func harnessClasses(config string) ([]string, error) {
	fn, isTrace := strings.CutSuffix(config, "_trace")
	if !slices.Contains(HarnessFuncs(), fn) {
		return nil, fmt.Errorf("%w: configuration %q (have %s)", ErrNoSplit, config, strings.Join(HarnessConfigs(), ", "))
	}
	if isTrace {
		return []string{"delta", "beta", "iota"}, nil
	}
	f, _ := Std().lookup(fn)
	var names []string
	for _, b := range bucketsOf(profileOf(f.Func)) {
		names = append(names, b.name)
	}
	return names, nil
}

// HarnessExamples returns the examples of a split of an input-output
// configuration.
func HarnessExamples(ctx context.Context, fn, split string) ([]Example, error) {
	classes, err := harnessClasses(fn)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(fn, "_trace") {
		return nil, fmt.Errorf("%w: %s holds trace steps, not examples", ErrNoSplit, fn)
	}
	switch {
	case split == "train":
		// The pool of demonstrations only has to avoid the queries.
		o := Options{Func: fn, N: HarnessTrainPool, Seed: HarnessSeed, Split: split}
		g, err := newGenerator(o)
		if err != nil {
			return nil, err
		}
		g.holdout = holdoutSet(fn, false)
		return g.run(ctx)
	case split == "test":
		var all []Example
		for _, c := range classes {
			exs, err := HarnessExamples(ctx, fn, "test."+c)
			if err != nil {
				return nil, err
			}
			all = append(all, exs...)
		}
		for i := range all {
			all[i].ID = i
		}
		return all, nil
	}
	class, ok := strings.CutPrefix(split, "test.")
	if !ok || !slices.Contains(classes, class) {
		return nil, harnessSplitError(fn, split)
	}
	o := testOptions(fn, class)
	o.Steps = true
	return Generate(ctx, o)
}

func harnessSplitError(config, split string) error {
	splits, _ := HarnessSplits(config)
	return fmt.Errorf("%w: %s has no split %q (have %s)", ErrNoSplit, config, split, strings.Join(splits, ", "))
}

// TraceDoc is one document of a _trace configuration: a term of a
// reduction trace and the term the next rewrite gives.
type TraceDoc struct {
	ID     int    `json:"id"`
	Func   string `json:"function"`
	Call   string `json:"call"`
	Target string `json:"target"`
	// Step is the index of Next in the trace (1 is the first rewrite);
	// Steps is the number of rewrites to normal form.
	Step  int    `json:"step"`
	Steps int    `json:"steps"`
	Rule  string `json:"rule"`
	Term  string `json:"term"`
	Next  string `json:"next"`
	// Bucket is the rule for test documents, the call's class otherwise.
	Bucket string   `json:"bucket"`
	Tags   []string `json:"tags"`
}

// HarnessTraceDocs returns the documents of a split of fn+"_trace": for
// "test.RULE", HarnessPerBucket steps made by that rule, each from its own
// input drawn from the training distribution; for "train", one step of
// each example of the train split.
func HarnessTraceDocs(ctx context.Context, fn, split string) ([]TraceDoc, error) {
	config := fn + "_trace"
	if _, err := harnessClasses(config); err != nil {
		return nil, err
	}
	env := Std()
	switch {
	case split == "train":
		exs, err := HarnessExamples(ctx, fn, "train")
		if err != nil {
			return nil, err
		}
		var docs []TraceDoc
		for i, ex := range exs {
			doc, ok, err := traceDoc(env, ex, streamRNG(HarnessSeed, config, split, i), NoRule)
			if err != nil {
				return nil, err
			}
			if ok {
				doc.ID = len(docs)
				docs = append(docs, doc)
			}
		}
		return docs, nil
	case split == "test":
		var all []TraceDoc
		for _, rule := range []string{"delta", "beta", "iota"} {
			docs, err := HarnessTraceDocs(ctx, fn, "test."+rule)
			if err != nil {
				return nil, err
			}
			all = append(all, docs...)
		}
		for i := range all {
			all[i].ID = i
		}
		return all, nil
	}
	var rule Rule
	switch split {
	case "test.delta":
		rule = Delta
	case "test.beta":
		rule = Beta
	case "test.iota":
		rule = Iota
	default:
		return nil, harnessSplitError(config, split)
	}
	exs, err := Generate(ctx, traceTestOptions(fn, rule.String()))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var docs []TraceDoc
	for i, ex := range exs {
		doc, ok, err := traceDoc(env, ex, streamRNG(HarnessSeed, config, split, i), rule)
		if err != nil {
			return nil, err
		}
		if !ok || seen[doc.Term] {
			continue
		}
		seen[doc.Term] = true
		doc.ID = len(docs)
		doc.Bucket = rule.String()
		docs = append(docs, doc)
		if len(docs) == HarnessPerBucket {
			break
		}
	}
	return docs, nil
}

// traceDoc picks a random step of ex's trace made by rule (any rule for
// NoRule).
func traceDoc(env *Env, ex Example, g *rng, rule Rule) (TraceDoc, bool, error) {
	steps, err := env.Trace(ex.call, 0)
	if err != nil {
		return TraceDoc{}, false, err
	}
	var idx []int
	for i := 1; i < len(steps); i++ {
		if rule == NoRule || steps[i].Rule == rule {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return TraceDoc{}, false, nil
	}
	i := idx[g.intn(len(idx))]
	return TraceDoc{Func: ex.Func, Call: ex.Call, Target: ex.Target, Step: i, Steps: len(steps) - 1,
		Rule: steps[i].Rule.String(), Term: steps[i-1].Term.String(), Next: steps[i].Term.String(),
		Bucket: ex.Bucket, Tags: ex.Tags}, true, nil
}

// holdoutSet returns the calls of the built-in test sets of fn (none for a
// function without built-in tasks): every input of the input-output test
// sets and, withTrace, every candidate input from which the _trace test
// sets pick their steps. Only the draws are repeated, not the traces.
func holdoutSet(fn string, withTrace bool) map[string]bool {
	set := map[string]bool{}
	if !slices.Contains(HarnessFuncs(), fn) {
		return set
	}
	ctx := context.Background()
	classes, _ := harnessClasses(fn)
	for _, c := range classes {
		exs, _ := Generate(ctx, testOptions(fn, c))
		for _, ex := range exs {
			set[ex.Call] = true
		}
	}
	for _, rule := range []string{"delta", "beta", "iota"} {
		if !withTrace {
			break
		}
		exs, _ := Generate(ctx, traceTestOptions(fn, rule))
		for _, ex := range exs {
			set[ex.Call] = true
		}
	}
	return set
}

// testOptions draws the test documents of one class.
func testOptions(fn, class string) Options {
	return Options{Func: fn, N: HarnessPerBucket, Seed: HarnessSeed, Split: "test." + class,
		Dist: Balanced, Buckets: []string{class}, Unique: true, AtMost: true}
}

// traceTestOptions draws the candidate inputs of one rule's trace test
// documents.
func traceTestOptions(fn, rule string) Options {
	return Options{Func: fn, N: 4 * HarnessPerBucket, Seed: HarnessSeed, Split: fn + "_trace.test." + rule}
}

// HarnessDocs is the data.Generator behind dataset_path "fmkit:recursion":
// the documents of a configuration and split, with the columns of Example
// (input-output) or TraceDoc (_trace) as the task templates use them.
func HarnessDocs(ctx context.Context, config, split string) ([]data.Doc, error) {
	if fn, ok := strings.CutSuffix(config, "_trace"); ok {
		docs, err := HarnessTraceDocs(ctx, fn, split)
		if err != nil {
			return nil, err
		}
		cols := []string{"id", "function", "call", "target", "step", "steps", "rule", "term", "next", "bucket", "tags"}
		out := make([]data.Doc, len(docs))
		for i, d := range docs {
			out[i] = data.Doc{Columns: cols, Values: []any{int64(d.ID), d.Func, d.Call, d.Target, int64(d.Step), int64(d.Steps),
				d.Rule, d.Term, d.Next, d.Bucket, anyStrings(d.Tags)}}
		}
		return out, nil
	}
	exs, err := HarnessExamples(ctx, config, split)
	if err != nil {
		return nil, err
	}
	cols := []string{"id", "function", "call", "args_text", "target", "bucket", "tags", "len", "carry", "all_ones", "grows",
		"nodes", "depth", "shape", "trace_steps"}
	out := make([]data.Doc, len(exs))
	for i, ex := range exs {
		out[i] = data.Doc{Columns: cols, Values: []any{int64(ex.ID), ex.Func, ex.Call, ex.ArgsText, ex.Target, ex.Bucket,
			anyStrings(ex.Tags), int64(ex.Len), int64(ex.Carry), ex.AllOnes, ex.Grows, int64(ex.Nodes), int64(ex.Depth), ex.Shape,
			int64(ex.TraceSteps)}}
	}
	return out, nil
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func init() {
	data.RegisterGenerator("recursion", HarnessDocs)
}
