package eval

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// Output types of lm-evaluation-harness tasks.
const (
	MultipleChoice       = "multiple_choice"
	Loglikelihood        = "loglikelihood"
	LoglikelihoodRolling = "loglikelihood_rolling"
	GenerateUntil        = "generate_until"
)

// TaskConfig is a task YAML resolved into lm-eval's TaskConfig fields.
// Template fields hold a string (a column name or a Jinja template), a
// list, a dict, an int or a Function.
type TaskConfig struct {
	Task, TaskAlias     string
	Tags                []string
	DatasetPath         string
	DatasetName         string
	DatasetKwargs       map[string]any
	TrainingSplit       string
	ValidationSplit     string
	TestSplit           string
	FewshotSplit        string
	ProcessDocs         *Function
	DocToText           any
	DocToTarget         any
	DocToChoice         any
	ProcessResults      *Function
	Description         string
	TargetDelimiter     string
	FewshotDelimiter    string
	Fewshot             FewshotConfig
	NumFewshot          *int
	Metrics             []MetricConfig
	OutputType          string
	GenerationKwargs    map[string]any
	Repeats             int
	Filters             []FilterConfig
	GenPrefix           string
	Metadata            map[string]any
	UnsafeCode          bool
	ShouldDecontaminate bool
	hasFewshotConfig    bool
	raw                 *rawConfig
	// genKwargsOrder is generation_kwargs in lm-eval's key order (the
	// YAML's, then the keys TaskConfig adds), for requests and dumps.
	genKwargsOrder *py.Dict
}

// FewshotConfig is fewshot_config: the sampler ("default" draws at random
// with Python's random.sample, "first_n" takes the first n) and where the
// examples come from; template overrides default to the task's.
type FewshotConfig struct {
	Sampler          string
	Split            string
	Samples          []data.Doc
	DocToText        any
	DocToTarget      any
	DocToChoice      any
	ProcessDocs      *Function
	TargetDelimiter  string
	FewshotDelimiter string
	GenPrefix        string
}

// MetricConfig is one metric_list entry; Kwargs are the metric's options
// (ignore_case, ignore_punctuation, regexes_to_ignore, ...).
type MetricConfig struct {
	Name           string
	Aggregation    string
	HigherIsBetter *bool
	Kwargs         map[string]any
	raw            *py.Dict        // the YAML entry, for the key order of dumps
	aggFn          AggregationFunc // an `aggregation: !function`
	metricFn       MetricFunc      // a `metric: !function`
}

// FilterConfig is one filter_list pipeline.
type FilterConfig struct {
	Name  string
	Steps []FilterStep
}

// FilterStep is one function of a filter pipeline and its arguments.
type FilterStep struct {
	// Function names a built-in filter (take_first, regex, ...), or is
	// "custom" or "" when Custom is set.
	Function string
	// Custom is a `!function` filter: a filter class (`function:
	// !function ...`) or the custom filter's filter_fn.
	Custom *Function
	Kwargs map[string]any
}

// GroupConfig is a group YAML: its children and how to aggregate them.
type GroupConfig struct {
	Group, Alias string
	Tasks        []any // string names or map[string]any inline entries
	Aggregate    []AggregateConfig
	Metadata     map[string]any
	raw          *rawConfig
	rawTasks     []any // Tasks as the YAML has them (inline entries ordered)
}

// AggregateConfig is one aggregate_metric_list entry.
type AggregateConfig struct {
	Metric       string
	Filters      []string // nil: every filter found in the subtasks
	WeightBySize bool
}

type fieldReader struct {
	cfg  *rawConfig
	res  *resolver
	errs []string
}

func (r *fieldReader) fail(key, format string, a ...any) {
	line := r.cfg.lines[key]
	msg := fmt.Sprintf("%s: "+format, append([]any{key}, a...)...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	r.errs = append(r.errs, msg)
}

func (r *fieldReader) get(key string) (any, bool) {
	v, ok := r.cfg.dict.Get(key)
	if ok && v == nil {
		return nil, false
	}
	return v, ok
}

func (r *fieldReader) str(key, def string) string {
	v, ok := r.get(key)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case string:
		return x
	case int64, float64, bool:
		return py.Str(x)
	}
	r.fail(key, "expected a string, got %s", describe(v))
	return def
}

func (r *fieldReader) integer(key string) (int, bool) {
	v, ok := r.get(key)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case int64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) {
			return int(x), true
		}
	}
	r.fail(key, "expected an integer, got %s", describe(v))
	return 0, false
}

func (r *fieldReader) dict(key string) *py.Dict {
	v, ok := r.get(key)
	if !ok {
		return nil
	}
	d, isDict := v.(*py.Dict)
	if !isDict {
		r.fail(key, "expected a mapping, got %s", describe(v))
	}
	return d
}

func (r *fieldReader) function(key string) *Function {
	v, ok := r.get(key)
	if !ok {
		return nil
	}
	f, isFn := v.(Function)
	if !isFn {
		r.fail(key, "expected a !function reference, got %s", describe(v))
		return nil
	}
	return &f
}

func (r *fieldReader) strList(key string) []string {
	v, ok := r.get(key)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				r.fail(key, "expected strings, got %s", describe(e))
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	r.fail(key, "expected a string or a list of strings, got %s", describe(v))
	return nil
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case *py.Dict:
		return "a mapping"
	case []any:
		return "a list"
	case Function:
		return x.String()
	case string:
		return fmt.Sprintf("%q", x)
	}
	return py.Repr(v)
}

func (r *fieldReader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return &ConfigError{File: r.cfg.file, Msg: strings.Join(r.errs, "; ")}
}

var knownTaskKeys = map[string]bool{
	"task": true, "task_alias": true, "tag": true, "group": true, "custom_dataset": true, "dataset_path": true,
	"dataset_name": true, "dataset_kwargs": true, "training_split": true, "validation_split": true,
	"test_split": true, "fewshot_split": true, "process_docs": true, "doc_to_text": true,
	"doc_to_target": true, "doc_to_image": true, "doc_to_audio": true, "unsafe_code": true,
	"doc_to_choice": true, "process_results": true, "use_prompt": true, "description": true,
	"target_delimiter": true, "fewshot_delimiter": true, "fewshot_config": true, "num_fewshot": true,
	"metric_list": true, "output_type": true, "generation_kwargs": true, "repeats": true,
	"filter_list": true, "should_decontaminate": true, "doc_to_decontamination_query": true,
	"gen_prefix": true, "metadata": true, "class": true, "task_list": true,
}

// parseTaskConfig validates a task mapping and reports every problem at
// once, each with its line.
func parseTaskConfig(cfg *rawConfig, res *resolver) (*TaskConfig, error) {
	r := &fieldReader{cfg: cfg, res: res}
	for _, k := range cfg.dict.Keys() {
		if !knownTaskKeys[k] {
			r.fail(k, "unknown task field")
		}
	}
	for _, k := range []string{"class", "custom_dataset", "use_prompt", "doc_to_image", "doc_to_audio"} {
		if _, ok := r.get(k); ok {
			r.fail(k, "is not supported by fmkit")
		}
	}
	tc := &TaskConfig{
		Task:             r.str("task", ""),
		TaskAlias:        r.str("task_alias", ""),
		Tags:             r.strList("tag"),
		DatasetPath:      r.str("dataset_path", ""),
		DatasetName:      r.str("dataset_name", ""),
		DatasetKwargs:    dictMap(r.dict("dataset_kwargs")),
		TrainingSplit:    r.str("training_split", ""),
		ValidationSplit:  r.str("validation_split", ""),
		TestSplit:        r.str("test_split", ""),
		FewshotSplit:     r.str("fewshot_split", ""),
		ProcessDocs:      r.function("process_docs"),
		ProcessResults:   r.function("process_results"),
		Description:      r.str("description", ""),
		TargetDelimiter:  r.str("target_delimiter", " "),
		FewshotDelimiter: r.str("fewshot_delimiter", "\n\n"),
		OutputType:       r.str("output_type", GenerateUntil),
		GenPrefix:        r.str("gen_prefix", ""),
		Metadata:         dictMap(r.dict("metadata")),
		Repeats:          1,
		raw:              cfg,
	}
	tc.DocToText, _ = r.get("doc_to_text")
	tc.DocToTarget, _ = r.get("doc_to_target")
	tc.DocToChoice, _ = r.get("doc_to_choice")
	if n, ok := r.integer("num_fewshot"); ok {
		tc.NumFewshot = &n
	}
	if n, ok := r.integer("repeats"); ok {
		tc.Repeats = n
		if n < 1 {
			r.fail("repeats", "must be at least 1")
		}
	}
	switch tc.OutputType {
	case MultipleChoice, Loglikelihood, LoglikelihoodRolling, GenerateUntil:
	default:
		r.fail("output_type", "got %q, expected one of multiple_choice, loglikelihood, loglikelihood_rolling, generate_until", tc.OutputType)
	}
	if tc.Task == "" {
		r.fail("task", "missing task name")
	}
	if tc.TestSplit == "" && tc.ValidationSplit == "" {
		r.errs = append(r.errs, "task has neither test_split nor validation_split")
	}
	if tc.OutputType == MultipleChoice && tc.DocToChoice == nil {
		r.fail("doc_to_choice", "multiple_choice tasks need doc_to_choice")
	}
	genKwargs := r.dict("generation_kwargs")
	if tc.OutputType == GenerateUntil {
		if genKwargs == nil {
			// lm-eval's default_gen_kwargs(fewshot_delimiter).
			g := py.NewDict()
			g.Set("temperature", 0.0)
			g.Set("do_sample", false)
			g.Set("max_gen_toks", int64(256))
			g.Set("until", []any{tc.FewshotDelimiter})
			genKwargs = g
		} else {
			g := copyDict(genKwargs)
			if t, ok := g.Get("temperature"); ok {
				if n, isInt := t.(int64); isInt {
					g.Set("temperature", float64(n))
				}
			}
			if _, ok := g.Get("until"); !ok {
				g.Set("until", []any{tc.FewshotDelimiter})
			}
			genKwargs = g
		}
	}
	tc.GenerationKwargs, tc.genKwargsOrder = dictMap(genKwargs), genKwargs
	parseMetrics(r, tc)
	parseFilters(r, tc)
	parseFewshot(r, tc)
	tc.UnsafeCode = truthy(r, "unsafe_code")
	tc.ShouldDecontaminate = truthy(r, "should_decontaminate")
	if err := r.err(); err != nil {
		return nil, err
	}
	return tc, nil
}

func truthy(r *fieldReader, key string) bool {
	v, ok := r.get(key)
	return ok && py.Truth(v)
}

func copyDict(d *py.Dict) *py.Dict {
	out := py.NewDict()
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		out.Set(k, v)
	}
	return out
}

func parseMetrics(r *fieldReader, tc *TaskConfig) {
	v, ok := r.get("metric_list")
	if !ok {
		for _, name := range defaultMetrics[tc.OutputType] {
			tc.Metrics = append(tc.Metrics, MetricConfig{Name: name, Aggregation: metricInfo[name].aggregation, Kwargs: map[string]any{}})
		}
		return
	}
	list, isList := v.([]any)
	if !isList {
		r.fail("metric_list", "expected a list")
		return
	}
	for i, e := range list {
		d, isDict := e.(*py.Dict)
		if !isDict {
			r.fail("metric_list", "entry %d: expected a mapping", i)
			continue
		}
		name, _ := d.Get("metric")
		var metricFn MetricFunc
		if f, isFn := name.(Function); isFn {
			// lm-eval names a callable metric by the function's __name__.
			fn, err := r.res.metric(&f)
			if err != nil {
				r.fail("metric_list", "%v", err)
				continue
			}
			metricFn, name = fn, f.Name[strings.LastIndex(f.Name, ".")+1:]
		}
		ns, isStr := name.(string)
		if !isStr {
			r.fail("metric_list", "entry %d: 'metric' key not provided", i)
			continue
		}
		info, known := metricInfo[ns]
		if !known && tc.ProcessResults == nil && metricFn == nil {
			r.fail("metric_list", "unknown metric %q (known: %s)", ns, strings.Join(metricNames(), ", "))
			continue
		}
		mc := MetricConfig{Name: ns, Aggregation: info.aggregation, Kwargs: map[string]any{}, raw: d, metricFn: metricFn}
		if a, ok := d.Get("aggregation"); ok {
			switch x := a.(type) {
			case Function:
				fn, err := r.res.aggregation(&x)
				if err != nil {
					r.fail("metric_list", "metric %s: %v", ns, err)
				}
				mc.Aggregation, mc.aggFn = x.String(), fn
			case string:
				if _, ok := aggregations[x]; !ok {
					r.fail("metric_list", "metric %s: unknown aggregation %q", ns, x)
				} else {
					mc.Aggregation = x
				}
			default:
				r.fail("metric_list", "metric %s: aggregation must be a name or a !function", ns)
			}
		}
		if mc.Aggregation == "" {
			mc.Aggregation = "mean"
		}
		if h, ok := d.Get("higher_is_better"); ok {
			b := py.Truth(h)
			mc.HigherIsBetter = &b
		}
		for _, k := range d.Keys() {
			switch k {
			case "metric", "aggregation", "higher_is_better", "hf_evaluate":
			default:
				x, _ := d.Get(k)
				mc.Kwargs[k] = fromPy(x)
			}
		}
		tc.Metrics = append(tc.Metrics, mc)
	}
}

func parseFilters(r *fieldReader, tc *TaskConfig) {
	v, ok := r.get("filter_list")
	if !ok {
		tc.Filters = []FilterConfig{{Name: "none", Steps: []FilterStep{{Function: "take_first", Kwargs: map[string]any{}}}}}
		return
	}
	list, isList := v.([]any)
	if !isList {
		r.fail("filter_list", "expected a list")
		return
	}
	for i, e := range list {
		d, isDict := e.(*py.Dict)
		if !isDict {
			r.fail("filter_list", "entry %d: expected a mapping with name and filter", i)
			continue
		}
		name, _ := d.Get("name")
		fc := FilterConfig{Name: py.Str(name)}
		steps, _ := d.Get("filter")
		sl, isList := steps.([]any)
		if !isList {
			r.fail("filter_list", "filter %s: expected a list under 'filter'", fc.Name)
			continue
		}
		for _, s := range sl {
			sd, isDict := s.(*py.Dict)
			if !isDict {
				r.fail("filter_list", "filter %s: each step needs a 'function'", fc.Name)
				continue
			}
			fn, _ := sd.Get("function")
			step := FilterStep{Kwargs: map[string]any{}}
			switch x := fn.(type) {
			case Function:
				step.Custom = &x
			case string:
				step.Function = x
				if x == "custom" {
					if ff, ok := sd.Get("filter_fn"); ok {
						if f, isFn := ff.(Function); isFn {
							step.Custom = &f
						}
					}
					if step.Custom == nil {
						r.fail("filter_list", "filter %s: the custom filter needs filter_fn: !function ...", fc.Name)
						continue
					}
				} else if _, known := filterFactories[x]; !known {
					r.fail("filter_list", "filter %s: unknown filter function %q (known: %s)", fc.Name, x, strings.Join(filterNames(), ", "))
					continue
				}
			default:
				r.fail("filter_list", "filter %s: each step needs a 'function'", fc.Name)
				continue
			}
			for _, k := range sd.Keys() {
				if k != "function" && k != "filter_fn" {
					x, _ := sd.Get(k)
					step.Kwargs[k] = fromPy(x)
				}
			}
			if step.Custom != nil {
				if _, err := r.res.filter(step.Custom, step.Function == "custom", step.Kwargs); err != nil {
					r.fail("filter_list", "filter %s: %v", fc.Name, err)
					continue
				}
			}
			fc.Steps = append(fc.Steps, step)
		}
		tc.Filters = append(tc.Filters, fc)
	}
}

func parseFewshot(r *fieldReader, tc *TaskConfig) {
	fc := FewshotConfig{
		Sampler:          "default",
		Split:            tc.FewshotSplit,
		DocToText:        tc.DocToText,
		DocToTarget:      tc.DocToTarget,
		DocToChoice:      tc.DocToChoice,
		ProcessDocs:      tc.ProcessDocs,
		TargetDelimiter:  tc.TargetDelimiter,
		FewshotDelimiter: tc.FewshotDelimiter,
		GenPrefix:        tc.GenPrefix,
	}
	d := r.dict("fewshot_config")
	if d != nil {
		tc.hasFewshotConfig = true
		for _, k := range d.Keys() {
			v, _ := d.Get(k)
			switch k {
			case "sampler":
				fc.Sampler = py.Str(v)
				if fc.Sampler != "default" && fc.Sampler != "first_n" {
					r.fail("fewshot_config", "sampler %q is not one of default, first_n", fc.Sampler)
				}
			case "split":
				if v != nil {
					fc.Split = py.Str(v)
				}
			case "samples":
				if f, isFn := v.(Function); isFn {
					docs, err := r.res.samples(&f)
					if err != nil {
						r.fail("fewshot_config", "samples: %v", err)
					}
					fc.Samples = docs
					continue
				}
				list, isList := v.([]any)
				if !isList {
					r.fail("fewshot_config", "samples: expected a list of documents or a !function")
					continue
				}
				for _, s := range list {
					sd, isDict := s.(*py.Dict)
					if !isDict {
						r.fail("fewshot_config", "samples: expected mappings")
						break
					}
					fc.Samples = append(fc.Samples, dictDoc(sd))
				}
			case "doc_to_text":
				fc.DocToText = v
			case "doc_to_target":
				fc.DocToTarget = v
			case "doc_to_choice":
				fc.DocToChoice = v
			case "process_docs":
				if f, ok := v.(Function); ok {
					fc.ProcessDocs = &f
				}
			case "target_delimiter":
				fc.TargetDelimiter = py.Str(v)
			case "fewshot_delimiter":
				fc.FewshotDelimiter = py.Str(v)
			case "gen_prefix":
				fc.GenPrefix = py.Str(v)
			case "fewshot_indices":
				r.fail("fewshot_config", "fewshot_indices is not supported")
			}
		}
	}
	tc.Fewshot = fc
}

// dictDoc turns a YAML mapping into a document (nested mappings too).
func dictDoc(d *py.Dict) data.Doc {
	keys := d.Keys()
	vals := make([]any, len(keys))
	for i, k := range keys {
		v, _ := d.Get(k)
		vals[i] = yamlDocValue(v)
	}
	return data.Doc{Columns: keys, Values: vals}
}

func yamlDocValue(v any) any {
	switch x := v.(type) {
	case *py.Dict:
		return dictDoc(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlDocValue(e)
		}
		return out
	}
	return v
}

func parseGroupConfig(cfg *rawConfig) (*GroupConfig, error) {
	r := &fieldReader{cfg: cfg}
	g := &GroupConfig{Group: r.str("group", ""), Alias: r.str("group_alias", ""), Metadata: dictMap(r.dict("metadata")), raw: cfg}
	if v, ok := r.get("task"); ok {
		switch x := v.(type) {
		case string:
			g.rawTasks = []any{x}
		case []any:
			g.rawTasks = x
		default:
			r.fail("task", "expected a list of task names")
		}
	}
	if v, ok := r.get("aggregate_metric_list"); ok {
		var list []any
		switch x := v.(type) {
		case *py.Dict:
			list = []any{x}
		case []any:
			list = x
		default:
			r.fail("aggregate_metric_list", "expected a list")
		}
		for _, e := range list {
			d, isDict := e.(*py.Dict)
			if !isDict {
				r.fail("aggregate_metric_list", "expected mappings")
				continue
			}
			m, _ := d.Get("metric")
			ac := AggregateConfig{Metric: py.Str(m), WeightBySize: true}
			if w, ok := d.Get("weight_by_size"); ok {
				ac.WeightBySize = py.Truth(w)
			}
			if a, ok := d.Get("aggregation"); ok && py.Str(a) != "mean" {
				r.fail("aggregate_metric_list", "aggregation %q: only mean is supported", py.Str(a))
			}
			if f, ok := d.Get("filter_list"); ok {
				switch fx := f.(type) {
				case string:
					ac.Filters = []string{fx}
				case []any:
					for _, s := range fx {
						ac.Filters = append(ac.Filters, py.Str(s))
					}
				}
			}
			g.Aggregate = append(g.Aggregate, ac)
		}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	g.Tasks = fromPy(g.rawTasks).([]any)
	return g, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
