package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

func hashString(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// score applies the filters and metrics and aggregates.
func (run *Run) score(ctx context.Context, t *Task, docs []*DocRequests, set settings) (*TaskResult, error) {
	env := &MetricEnv{Context: ctx, Code: run.opts.Code}
	pipes, err := buildPipelines(t.Config.Filters, t.res)
	if err != nil {
		return nil, fmt.Errorf("eval: task %s: %w", t.Name, err)
	}
	alias := t.Config.TaskAlias
	if alias == "" {
		alias = t.Name
	}
	res := &TaskResult{Name: t.Name, Alias: alias, NumFewshot: set.numFewshot, task: t, settings: set,
		OriginalLen: len(t.evalDocs), HumanAccuracy: math.NaN()}
	raw := map[string][]any{} // "metric,filter" -> per-document values
	var order []Metric        // first-seen order of (metric, filter)
	multipleTarget := false
	if len(t.evalDocs) > 0 {
		if tg, err := t.docTarget(t.evalDocs[0], t.Config.DocToTarget); err == nil {
			_, multipleTarget = tg.([]any)
		}
	}
	var allInsts []*Instance
	var instDocs []data.Doc
	for _, d := range docs {
		allInsts = append(allInsts, d.Insts...)
		for range d.Insts {
			instDocs = append(instDocs, d.Doc)
		}
	}
	for _, p := range pipes {
		in := make([]any, len(allInsts))
		for i, x := range allInsts {
			in[i] = append([]any{}, x.Resps...)
		}
		filtered, err := p.apply(in, instDocs)
		if err != nil {
			return nil, fmt.Errorf("eval: task %s: filter %s: %w", t.Name, p.name, err)
		}
		k := 0
		for _, d := range docs {
			fr := filtered[k : k+len(d.Insts)]
			k += len(d.Insts)
			keys, vals := []string{"bypass"}, map[string]any{"bypass": nil}
			if !run.opts.PredictOnly {
				keys, vals, err = t.processResults(env, d.Doc, fr, multipleTarget)
				if err != nil {
					return nil, &DocError{Task: t.Name, DocID: d.DocID, Field: "process_results", Err: err}
				}
			}
			for _, m := range keys {
				key := m + "," + p.name
				if _, seen := raw[key]; !seen {
					order = append(order, Metric{Name: m, Filter: p.name})
				}
				raw[key] = append(raw[key], vals[m])
			}
			if run.opts.LogSamples {
				s, err := t.sample(d, fr, p.name, keys, vals)
				if err != nil {
					return nil, err
				}
				res.Samples = append(res.Samples, s)
			}
		}
	}
	res.SampleLen = len(docs)
	if res.Metrics, err = t.aggregate(order, raw, run.bootstrapIters()); err != nil {
		return nil, err
	}
	res.HumanAccuracy = humanAccuracy(docs)
	return res, nil
}

// humanAccuracy is the mean of the documents' "Human Accuracy" column
// (KMMLU), NaN when no document has one.
func humanAccuracy(docs []*DocRequests) float64 {
	sum, n := 0.0, 0
	for _, d := range docs {
		if v, ok := d.Doc.Get("Human Accuracy"); ok {
			if f, ok := v.(float64); ok && !math.IsNaN(f) {
				sum += f
				n++
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func (run *Run) bootstrapIters() int {
	if run.opts.BootstrapIters != nil {
		return *run.opts.BootstrapIters
	}
	return 100000
}

// aggregate reduces each metric's per-document values with its
// aggregation and computes its standard error.
func (t *Task) aggregate(order []Metric, raw map[string][]any, iters int) ([]Metric, error) {
	aggs := map[string]string{}
	custom := map[string]AggregationFunc{}
	for _, mc := range t.Config.Metrics {
		aggs[mc.Name] = mc.Aggregation
		if mc.aggFn != nil {
			custom[mc.Name] = mc.aggFn
		}
	}
	out := make([]Metric, 0, len(order))
	for _, m := range order {
		items := raw[m.Key()]
		aggName := aggs[m.Name]
		switch {
		case m.Name == "bypass" && aggName == "":
			aggName = "bypass" // PredictOnly, or a task that asks for it
		case aggName == "":
			aggName = "mean"
		}
		agg := aggregations[aggName]
		if fn := custom[m.Name]; fn != nil {
			// A custom aggregation has no standard error in lm-eval.
			agg, aggName = fn, "custom"
		}
		v, err := agg(items)
		if err != nil {
			return nil, fmt.Errorf("eval: task %s: %s: %w", t.Name, m.Key(), err)
		}
		se, ok, err := stderrFor(aggName, m.Name, items, iters)
		if err != nil {
			return nil, fmt.Errorf("eval: task %s: %s stderr: %w", t.Name, m.Key(), err)
		}
		if !ok {
			se = math.NaN()
		}
		m.Value, m.Stderr = v, se
		out = append(out, m)
	}
	return out, nil
}

// sample is lm-eval's logged sample for one document under one filter.
func (t *Task) sample(d *DocRequests, filtered []any, filterName string, keys []string, vals map[string]any) (*Sample, error) {
	target, err := t.docTarget(d.Doc, t.Config.DocToTarget)
	if err != nil {
		return nil, &DocError{Task: t.Name, DocID: d.DocID, Field: "doc_to_target", Err: err}
	}
	s := &Sample{
		DocID:         d.DocID,
		Doc:           d.Doc,
		Target:        py.Str(target),
		Filter:        filterName,
		FilteredResps: sanitize(filtered).([]any),
		Metrics:       keys,
		Values:        map[string]any{},
		DocHash:       hashString(py.JSON(d.Doc, 2)),
		PromptHash:    hashString(py.Str(d.Insts[0].Args[0])),
		TargetHash:    hashString(py.Str(target)),
	}
	for _, in := range d.Insts {
		s.Arguments = append(s.Arguments, in.Args)
		s.Resps = append(s.Resps, sanitize(in.Resps).([]any))
	}
	for _, k := range keys {
		s.Values[k] = vals[k]
	}
	return s, nil
}

// sanitize is lm-eval's sanitize_list: lists stay lists, tuples stay
// tuples, everything else becomes str().
func sanitize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sanitize(e)
		}
		return out
	case py.Tuple:
		out := make(py.Tuple, len(x))
		for i, e := range x {
			out[i] = sanitize(e)
		}
		return out
	}
	return py.Str(v)
}

// Sample is one logged document: lm-eval's sample record, which
// WriteFiles writes as a line of samples_<task>_<date>.jsonl.
type Sample struct {
	DocID int
	Doc   data.Doc
	// Target is str(doc_to_target).
	Target string
	// Arguments are each request's arguments (Instance.Args).
	Arguments [][]any
	// Resps are each request's responses, one per repeat, as strings
	// (lm-eval's sanitize_list).
	Resps [][]any
	// FilteredResps are the responses after the filter, one per request.
	FilteredResps []any
	// Filter names the filter_list pipeline.
	Filter string
	// Metrics names the document's metrics in order; Values holds each
	// one's per-document value (a number, or the pair that a corpus-level
	// aggregation such as f1 takes).
	Metrics []string
	Values  map[string]any
	// DocHash, PromptHash and TargetHash are SHA-256 hex digests computed
	// as lm-eval computes them.
	DocHash, PromptHash, TargetHash string
}

// record is the sample as EvaluationTracker writes it (arguments as
// gen_args_i/arg_j).
func (s *Sample) record() *py.Dict {
	d := py.NewDict()
	d.Set("doc_id", int64(s.DocID))
	d.Set("doc", s.Doc)
	d.Set("target", s.Target)
	args := py.NewDict()
	for i, a := range s.Arguments {
		ad := py.NewDict()
		for j, x := range a {
			ad.Set(fmt.Sprintf("arg_%d", j), x)
		}
		args.Set(fmt.Sprintf("gen_args_%d", i), ad)
	}
	d.Set("arguments", args)
	resps := make([]any, len(s.Resps))
	for i, r := range s.Resps {
		resps[i] = r
	}
	d.Set("resps", resps)
	d.Set("filtered_resps", s.FilteredResps)
	d.Set("filter", s.Filter)
	mk := make([]any, len(s.Metrics))
	for i, k := range s.Metrics {
		mk[i] = k
	}
	d.Set("metrics", mk)
	d.Set("doc_hash", s.DocHash)
	d.Set("prompt_hash", s.PromptHash)
	d.Set("target_hash", s.TargetHash)
	for _, k := range s.Metrics {
		d.Set(k, sampleValue(s.Values[k]))
	}
	return d
}

// sampleValue writes float lists as str() of the list, as lm-eval's
// logged values show numpy arrays.
func sampleValue(v any) any {
	if f, ok := v.([]float64); ok {
		return py.Str(floatsAny(f))
	}
	if tup, ok := v.(py.Tuple); ok {
		out := make(py.Tuple, len(tup))
		for i, e := range tup {
			if f, ok := e.([]float64); ok {
				e = py.Str(floatsAny(f))
			}
			out[i] = e
		}
		return out
	}
	return v
}

func floatsAny(f []float64) []any {
	out := make([]any, len(f))
	for i, x := range f {
		out[i] = x
	}
	return out
}

// sampleJSONL is the samples file of one task.
func sampleJSONL(samples []*Sample) string {
	var b strings.Builder
	for _, s := range samples {
		b.WriteString(py.JSON(s.record(), 0))
		b.WriteByte('\n')
	}
	return b.String()
}
