package eval

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/data"
)

// resolver finds what a `!function` reference runs: the Go port registered
// under the function's path, else the Python function through the bridge
// when one is attached (Index.UsePython).
type resolver struct {
	python *Python
	// checked caches the bridge's verdict per module file and name.
	checked map[string]error
	// used, when not nil, records how each function was served
	// (Index.Diagnose).
	used map[string]Served
}

// record notes how f is served.
func (r *resolver) record(f *Function, how Served) {
	if r.used != nil {
		r.used[f.Name+" ("+f.File+")"] = how
	}
}

func newResolver(p *Python) *resolver { return &resolver{python: p, checked: map[string]error{}} }

// portKeys are the registry names a function may be ported under, most
// specific first: its folder path inside the task tree with slashes
// ("leaderboard/gpqa/utils.process_docs", every suffix of the folder
// path), the last folder with a dot ("hellaswag.utils.process_docs"), and
// the bare name.
func portKeys(f *Function) []string {
	dir := filepath.ToSlash(filepath.Dir(f.osPath()))
	parts := strings.Split(strings.Trim(dir, "/"), "/")
	var keys []string
	for i := range parts {
		if sub := strings.Join(parts[i:], "/"); sub != "." && sub != "" {
			keys = append(keys, sub+"/"+f.Name)
		}
	}
	if d := path.Base(path.Dir(f.File)); d != "." && d != "/" {
		keys = append(keys, d+"."+f.Name)
	}
	return append(keys, f.Name)
}

// port returns the Go port of f in registry, if any.
func port[F any](registry map[string]F, f *Function) (F, bool) {
	functionsMu.RLock()
	defer functionsMu.RUnlock()
	for _, k := range portKeys(f) {
		if fn, ok := registry[k]; ok {
			return fn, true
		}
	}
	var zero F
	return zero, false
}

// ErrNoImplementation is wrapped by the error for a `!function` that
// neither a Go port nor the Python bridge can run.
var ErrNoImplementation = errors.New("eval: no implementation for !function")

// bridged checks that the bridge can run f and returns the error that
// says why not (naming the function, its file and line, and whether
// python3 was found).
func (r *resolver) bridged(f *Function, kind string) error {
	if r.python == nil {
		return &ConfigError{File: f.File, Line: f.Line, Err: ErrNoImplementation,
			Msg: fmt.Sprintf("!function %s (%s) has no Go port and no python3 is in use (give --python PATH, or put python3 on the PATH)", f.Name, kind)}
	}
	key := f.osPath() + "\x00" + f.Name
	err, done := r.checked[key]
	if !done {
		_, err = r.python.call("resolve", f)
		r.checked[key] = err
	}
	if err != nil {
		return &ConfigError{File: f.File, Line: f.Line, Err: errors.Join(ErrNoImplementation, err),
			Msg: fmt.Sprintf("!function %s (%s) has no Go port and python3 (%s) cannot run it: %s", f.Name, kind, r.python.Path(), pythonReason(err))}
	}
	r.record(f, ServedByPython)
	return nil
}

func pythonReason(err error) string {
	var pe *PythonError
	if errors.As(err, &pe) {
		return pe.Msg
	}
	return err.Error()
}

// How a function of each kind is served: a port, else a bridge closure.

func (r *resolver) docs(f *Function) (DocsFunc, error) {
	if fn, ok := port(functions, f); ok {
		r.record(f, ServedByGo)
		return fn, nil
	}
	if err := r.bridged(f, "process_docs"); err != nil {
		return nil, err
	}
	return func(docs []data.Doc) ([]data.Doc, error) {
		in := make([]any, len(docs))
		for i, d := range docs {
			in[i] = d
		}
		out, err := r.python.call("process_docs", f, "docs", in)
		if err != nil {
			return nil, err
		}
		return docList(out, f)
	}, nil
}

func (r *resolver) doc(f *Function) (DocFunc, error) {
	if fn, ok := port(docFunctions, f); ok {
		r.record(f, ServedByGo)
		return fn, nil
	}
	if err := r.bridged(f, "document"); err != nil {
		return nil, err
	}
	return func(doc data.Doc) (any, error) { return r.python.call("doc", f, "doc", doc) }, nil
}

func (r *resolver) results(f *Function) (ResultsFunc, error) {
	if fn, ok := port(resultsFunctions, f); ok {
		r.record(f, ServedByGo)
		return fn, nil
	}
	if err := r.bridged(f, "process_results"); err != nil {
		return nil, err
	}
	return func(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
		out, err := r.python.call("process_results", f, "doc", doc, "results", results)
		if err != nil {
			return nil, err
		}
		d, ok := out.(data.Doc)
		if !ok {
			return nil, fmt.Errorf("process_results !function %s returned %s, expected a dict", f.Name, describe(out))
		}
		m := make(map[string]any, len(d.Columns))
		for i, k := range d.Columns {
			m[k] = d.Values[i]
		}
		return m, nil
	}, nil
}

func (r *resolver) samples(f *Function) ([]data.Doc, error) {
	fn, ok := port(samplesFunctions, f)
	if ok {
		r.record(f, ServedByGo)
	} else {
		if err := r.bridged(f, "fewshot samples"); err != nil {
			return nil, err
		}
		fn = func() ([]data.Doc, error) {
			out, err := r.python.call("samples", f)
			if err != nil {
				return nil, err
			}
			return docList(out, f)
		}
	}
	docs, err := fn()
	if err != nil {
		return nil, fmt.Errorf("samples !function %s: %w", f.Name, err)
	}
	return docs, nil
}

func (r *resolver) aggregation(f *Function) (aggregation, error) {
	if fn, ok := port(aggregationFunctions, f); ok {
		r.record(f, ServedByGo)
		return fn, nil
	}
	if err := r.bridged(f, "aggregation"); err != nil {
		return nil, err
	}
	return func(items []any) (float64, error) {
		out, err := r.python.call("aggregate", f, "items", items)
		if err != nil {
			return 0, err
		}
		return num(out)
	}, nil
}

func (r *resolver) metric(f *Function) (MetricFunc, error) {
	if fn, ok := port(metricFunctions, f); ok {
		r.record(f, ServedByGo)
		return fn, nil
	}
	if err := r.bridged(f, "metric"); err != nil {
		return nil, err
	}
	return func(_ *MetricEnv, ref, pred any, kwargs map[string]any) (any, error) {
		return r.python.call("metric", f, "references", []any{ref}, "predictions", []any{pred}, "kwargs", orderedDict(kwargs, nil))
	}, nil
}

func (r *resolver) filter(f *Function, custom bool, kwargs map[string]any) (filter, error) {
	if fn, ok := port(filterFunctions, f); ok {
		r.record(f, ServedByGo)
		return fn(kwargs)
	}
	if err := r.bridged(f, "filter"); err != nil {
		return nil, err
	}
	return func(resps []any, docs []data.Doc) ([]any, error) {
		in := make([]any, len(docs))
		for i, d := range docs {
			in[i] = d
		}
		out, err := r.python.call("filter", f, "custom", custom, "kwargs", orderedDict(kwargs, nil), "resps", resps, "docs", in)
		if err != nil {
			return nil, err
		}
		list, ok := out.([]any)
		if !ok || len(list) != len(resps) {
			return nil, fmt.Errorf("filter !function %s returned %s for %d requests", f.Name, describe(out), len(resps))
		}
		return list, nil
	}, nil
}

func docList(v any, f *Function) ([]data.Doc, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("!function %s returned %s, expected a list of documents", f.Name, describe(v))
	}
	out := make([]data.Doc, len(list))
	for i, e := range list {
		d, ok := e.(data.Doc)
		if !ok {
			return nil, fmt.Errorf("!function %s: item %d is %s, expected a document", f.Name, i, describe(e))
		}
		out[i] = d
	}
	return out, nil
}
