package eval

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/py"
)

// Metric is one aggregated metric of a task or group under one filter,
// as lm-eval's results file reports it ("acc,none" and
// "acc_stderr,none").
type Metric struct {
	Name   string // "acc"
	Filter string // "none", or the filter_list entry's name
	Value  float64
	// Stderr is the standard error; NaN where lm-eval reports "N/A"
	// (aggregations without one, a single document, bootstrap disabled).
	Stderr float64
}

// Key is the results file's key for the value: "name,filter".
func (m Metric) Key() string { return m.Name + "," + m.Filter }

// StderrKey is the results file's key for the standard error.
func (m Metric) StderrKey() string { return m.Name + "_stderr," + m.Filter }

// findMetric returns the metric with the name and filter.
func findMetric(ms []Metric, name, filter string) (Metric, bool) {
	for _, m := range ms {
		if m.Name == name && m.Filter == filter {
			return m, true
		}
	}
	return Metric{}, false
}

// TaskResult holds one task's outcome.
type TaskResult struct {
	Name  string
	Alias string // task_alias, else the name
	// Metrics are the task's metrics in the order lm-eval reports them:
	// filter by filter, each filter's metrics in process_results order.
	Metrics []Metric
	// NumFewshot is the number of few-shot examples the run used.
	NumFewshot int
	// SampleLen is the number of documents scored.
	SampleLen int
	// OriginalLen is the number of documents in the split.
	OriginalLen int
	// HumanAccuracy is the mean of the documents' "Human Accuracy" column
	// (KMMLU), or NaN when the column is absent.
	HumanAccuracy float64
	// Samples are the logged documents (with Options.LogSamples).
	Samples  []*Sample
	task     *Task
	settings settings
}

// Metric returns the task's metric with the name and filter.
func (r *TaskResult) Metric(name, filter string) (Metric, bool) {
	return findMetric(r.Metrics, name, filter)
}

// GroupResult is a group's aggregated metrics: the micro average (weighted
// by task size, lm-eval's default) and the macro average over leaf tasks.
type GroupResult struct {
	Name  string
	Alias string
	// Aggregated says whether the group has an aggregate_metric_list; a
	// group without one only lists its members.
	Aggregated bool
	// Metrics are the aggregate_metric_list metrics in order, each under
	// every filter its members report.
	Metrics []Metric
	// SampleLen is the number of documents of the leaf tasks.
	SampleLen int
	// SampleCount is the number of documents behind each metric, by Key.
	SampleCount map[string]int
	Macro       map[string]float64 // Key -> unweighted mean over leaf tasks
	Human       float64            // micro average of the leaf tasks' human accuracy, or NaN
}

// Metric returns the group's metric with the name and filter.
func (g *GroupResult) Metric(name, filter string) (Metric, bool) {
	return findMetric(g.Metrics, name, filter)
}

// Groups aggregates the finished tasks into the suite's groups, children
// before parents; groups whose tasks did not all finish are skipped.
func (run *Run) Groups() []*GroupResult {
	byName := map[string]*TaskResult{}
	for _, r := range run.Results {
		byName[r.Name] = r
	}
	var out []*GroupResult
	for _, g := range run.Suite.Groups {
		leaves := make([]*TaskResult, 0, len(g.Tasks()))
		for _, t := range g.Tasks() {
			if r := byName[t.Name]; r != nil {
				leaves = append(leaves, r)
			}
		}
		if len(leaves) != len(g.Tasks()) {
			continue
		}
		out = append(out, groupResult(g, leaves))
	}
	return out
}

// groupResult aggregates one group's leaf results as lm-eval's
// aggregate_metric_list says.
func groupResult(g *Group, leaves []*TaskResult) *GroupResult {
	gr := &GroupResult{Name: g.Name, Alias: g.Alias, Macro: map[string]float64{}, SampleCount: map[string]int{}, Human: math.NaN()}
	if gr.Alias == "" {
		gr.Alias = g.Name
	}
	if g.Config == nil || len(g.Config.Aggregate) == 0 {
		return gr
	}
	gr.Aggregated = true
	for _, r := range leaves {
		gr.SampleLen += r.SampleLen
	}
	for _, ac := range g.Config.Aggregate {
		filters := ac.Filters
		if filters == nil {
			seen := map[string]bool{}
			for _, r := range leaves {
				for _, m := range r.Metrics {
					if m.Name == ac.Metric {
						seen[m.Filter] = true
					}
				}
			}
			filters = sortedKeys(seen)
		}
		for _, f := range filters {
			if m, n, macro, ok := aggregateLeaves(leaves, ac, f); ok {
				gr.Metrics = append(gr.Metrics, m)
				gr.SampleCount[m.Key()] = n
				gr.Macro[m.Key()] = macro
			}
		}
	}
	hs, hn := 0.0, 0
	for _, r := range leaves {
		if !math.IsNaN(r.HumanAccuracy) {
			hs += r.HumanAccuracy * float64(r.SampleLen)
			hn += r.SampleLen
		}
	}
	if hn > 0 {
		gr.Human = hs / float64(hn)
	}
	return gr
}

// aggregateLeaves is one metric under one filter over the leaves that
// report it: the (size-weighted) mean, the pooled standard error, the
// number of documents and the unweighted mean.
func aggregateLeaves(leaves []*TaskResult, ac AggregateConfig, filter string) (m Metric, n int, macro float64, ok bool) {
	var vals, ses []float64
	var sizes []int
	seOK := true
	for _, r := range leaves {
		lm, found := r.Metric(ac.Metric, filter)
		if !found {
			continue
		}
		vals = append(vals, lm.Value)
		sizes = append(sizes, r.SampleLen)
		if math.IsNaN(lm.Stderr) {
			seOK = false
		} else {
			ses = append(ses, lm.Stderr)
		}
	}
	if len(vals) == 0 {
		return m, 0, 0, false
	}
	num, den := 0.0, 0.0
	for i, v := range vals {
		w := 1.0
		if ac.WeightBySize {
			w = float64(sizes[i])
		}
		num += v * w
		den += w
		macro += v
	}
	m = Metric{Name: ac.Metric, Filter: filter, Value: num / den, Stderr: math.NaN()}
	if seOK {
		m.Stderr = pooledStderr(ses, sizes)
	}
	for _, s := range sizes {
		n += s
	}
	return m, n, macro / float64(len(vals)), true
}

// RunInfo describes the run for the results file's config section.
type RunInfo struct {
	Model      string
	ModelArgs  string
	BatchSize  string
	Limit      float64
	RandomSeed int64
	// FileTag, when set, ends the results and sample file names
	// (results_<date><FileTag>.json), so that runs started in the same
	// microsecond or of one sweep (a guidance scale each) stay apart.
	FileTag string
}

var sanitizeRe = regexp.MustCompile(`["<>:/|\\?*\[\]]+`)

// SanitizeModelName is lm-eval's sanitize_model_name, used for the output
// folder.
func SanitizeModelName(name string) string { return sanitizeRe.ReplaceAllString(name, "__") }

// WriteFiles writes results_<date><tag>.json (and, with samples,
// samples_<task>_<date><tag>.jsonl per task; tag is info.FileTag) under dir/<sanitized model name>,
// atomically, and returns the results file's path.
func (run *Run) WriteFiles(dir string, info RunInfo) (string, error) {
	out := filepath.Join(dir, SanitizeModelName(info.Model))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	date := strings.ReplaceAll(run.Start.Format("2006-01-02T15:04:05.000000"), ":", "-")
	for _, r := range run.Results {
		if len(r.Samples) == 0 {
			continue
		}
		if err := writeAtomic(filepath.Join(out, fmt.Sprintf("samples_%s_%s%s.jsonl", r.Name, date, info.FileTag)), sampleJSONL(r.Samples)); err != nil {
			return "", err
		}
	}
	path := filepath.Join(out, fmt.Sprintf("results_%s%s.json", date, info.FileTag))
	return path, writeAtomic(path, ResultsJSONString(run, info))
}

func writeAtomic(path, content string) error {
	if err := atomicfile.WriteFile(path, []byte(content)); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// Rendered is one document's prompt, requests and target.
type Rendered struct {
	Prompt   string   `json:"prompt"`
	Requests []string `json:"requests"`
	Target   string   `json:"target"`
}

// RenderDoc renders document id of a loaded task as the run would (the
// few-shot sampler advanced through the documents before it).
func RenderDoc(t *Task, id int) (*Rendered, error) {
	docs, err := t.BuildRequests(Options{Limit: float64(id + 1)})
	if err != nil {
		return nil, err
	}
	d := docs[id]
	r := &Rendered{Prompt: py.Str(d.Insts[0].Args[0])}
	for _, in := range d.Insts {
		r.Requests = append(r.Requests, in.Type+" "+py.Repr(py.Tuple(in.Args)))
	}
	target, err := t.docTarget(d.Doc, t.Config.DocToTarget)
	if err != nil {
		return nil, err
	}
	r.Target = py.Str(target)
	return r, nil
}

// ParseArgs parses "k=v,k2=v2" as lm-eval's simple_parse_args_string:
// true/false/none, integers, floats, quoted strings, else strings.
func ParseArgs(s string) (map[string]any, error) {
	m := map[string]any{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: expected key=value", part)
		}
		m[strings.TrimSpace(k)] = parseArgValue(v)
	}
	return m, nil
}

func parseArgValue(v string) any {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	case "none":
		return nil
	}
	if n, err := py.LiteralEval(v); err == nil {
		switch n.(type) {
		case int64, float64:
			return n
		}
	}
	return v
}
