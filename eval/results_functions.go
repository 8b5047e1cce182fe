package eval

import (
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

var (
	resultsFunctions = map[string]ResultsFunc{}
	samplesFunctions = map[string]SamplesFunc{}
)

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

func lookupResultsFunction(f *Function) (ResultsFunc, error) {
	return lookup(resultsFunctions, f, "process_results")
}

// callSamplesFunction resolves and calls a few-shot samples function.
func callSamplesFunction(f *Function) ([]data.Doc, error) {
	fn, err := lookup(samplesFunctions, f, "samples")
	if err != nil {
		return nil, err
	}
	docs, err := fn()
	if err != nil {
		return nil, fmt.Errorf("samples !function %s: %w", f.Name, err)
	}
	return docs, nil
}

// customResults runs the task's process_results function and keeps the
// metrics of its metric_list.
func (t *Task) customResults(doc data.Doc, results []any) ([]string, map[string]any, error) {
	fn, err := lookupResultsFunction(t.Config.ProcessResults)
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
