package eval

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/data"
)

// A ResultsFunc is a Go function that a task YAML names with
// `process_results: !function module.name`: it scores one document from
// its filtered responses (one per request; a list of responses where the
// filter keeps several, as take_first_k does for majority voting) and
// returns metric values by name. Only the metrics of the task's
// metric_list are kept, in its order. cfg gives the metric options
// (metric_list keys beyond metric, aggregation and higher_is_better).
type ResultsFunc func(doc data.Doc, results []any, cfg *TaskConfig) (map[string]any, error)

// A SamplesFunc is a Go function that a task YAML names with
// `fewshot_config: {samples: !function module.name}`: it returns the
// few-shot documents.
type SamplesFunc func() ([]data.Doc, error)

// An AggregationFunc is a Go function that a task YAML names with
// `aggregation: !function module.name` in a metric_list entry: it reduces
// the metric's per-document values to one number.
type AggregationFunc func(items []any) (float64, error)

// A MetricFunc is a Go function that a task YAML names with
// `metric: !function module.name`: for a generate_until task it scores
// one prediction against one reference, returning a number or a
// data.Doc of several metrics. kwargs are the entry's options; env is
// what the run lends (its context, the code sandbox).
type MetricFunc func(env *MetricEnv, reference, prediction any, kwargs map[string]any) (any, error)

// MetricEnv is what a run lends metric functions.
type MetricEnv struct {
	// Context is the run's context.
	Context context.Context
	// Code runs model-written programs; nil unless the run allows code
	// execution (Options.Code).
	Code *CodeSandbox
}

func (e *MetricEnv) ctx() context.Context {
	if e == nil || e.Context == nil {
		return context.Background()
	}
	return e.Context
}

// A FilterFunc maps every request's responses to filtered responses; docs
// are the requests' documents. It is one step of a filter_list pipeline.
type FilterFunc func(resps []any, docs []data.Doc) ([]any, error)

// A FilterBuilder builds a FilterFunc from the step's options: a Go port
// of a filter class that a YAML names with `function: !function
// module.Class` (or `function: custom` with `filter_fn: !function ...`).
type FilterBuilder func(kwargs map[string]any) (FilterFunc, error)

var (
	resultsFunctions     = map[string]ResultsFunc{}
	samplesFunctions     = map[string]SamplesFunc{}
	aggregationFunctions = map[string]AggregationFunc{}
	metricFunctions      = map[string]MetricFunc{}
	filterFunctions      = map[string]FilterBuilder{}
)

// RegisterAggregationFunction makes fn available as `aggregation:
// !function name`. It panics on a duplicate name; call it from init.
func RegisterAggregationFunction(name string, fn AggregationFunc) {
	register(aggregationFunctions, name, fn, "RegisterAggregationFunction")
}

// RegisterMetricFunction makes fn available as `metric: !function name`.
// It panics on a duplicate name; call it from init.
func RegisterMetricFunction(name string, fn MetricFunc) {
	register(metricFunctions, name, fn, "RegisterMetricFunction")
}

// RegisterFilterFunction makes build available as a filter step's
// `function: !function name` (or `filter_fn: !function name`). It panics
// on a duplicate name; call it from init.
func RegisterFilterFunction(name string, build FilterBuilder) {
	register(filterFunctions, name, build, "RegisterFilterFunction")
}

func register[F any](registry map[string]F, name string, fn F, caller string) {
	functionsMu.Lock()
	defer functionsMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("eval: " + caller + " called twice for " + name)
	}
	registry[name] = fn
}

// RegisterResultsFunction makes fn available to task YAMLs as
// `process_results: !function name`. It panics on a duplicate name, as a
// programmer error; call it from init.
func RegisterResultsFunction(name string, fn ResultsFunc) {
	functionsMu.Lock()
	defer functionsMu.Unlock()
	if _, dup := resultsFunctions[name]; dup {
		panic("eval: RegisterResultsFunction called twice for " + name)
	}
	resultsFunctions[name] = fn
}

// RegisterSamplesFunction makes fn available to task YAMLs as
// `fewshot_config: {samples: !function name}`. It panics on a duplicate
// name, as a programmer error; call it from init.
func RegisterSamplesFunction(name string, fn SamplesFunc) {
	functionsMu.Lock()
	defer functionsMu.Unlock()
	if _, dup := samplesFunctions[name]; dup {
		panic("eval: RegisterSamplesFunction called twice for " + name)
	}
	samplesFunctions[name] = fn
}

// customResults runs the task's process_results function and keeps the
// metrics of its metric_list.
func (t *Task) customResults(doc data.Doc, results []any) ([]string, map[string]any, error) {
	fn, err := t.res.results(t.Config.ProcessResults)
	if err != nil {
		return nil, nil, err
	}
	all, err := fn(doc, results, t.Config)
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	vals := map[string]any{}
	for _, m := range t.Config.Metrics {
		v, ok := all[m.Name]
		if !ok {
			return nil, nil, fmt.Errorf("process_results !function %s returned no %s (it returns %s)", t.Config.ProcessResults.Name, m.Name, sortedKeys(all))
		}
		keys = append(keys, m.Name)
		vals[m.Name] = v
	}
	return keys, vals, nil
}
