package eval

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// taskClass is a Go port of a class-based lm-eval task (a YAML with
// `class: !function module.Class`, a ConfigurableTask subclass): the
// fields the class sets, as task YAML whose `!function` references
// resolve like the file's own, and the requests each document makes where
// the class overrides construct_requests.
type taskClass struct {
	config   string
	requests func(doc data.Doc, ctx string) ([]requestSpec, error)
}

// requestSpec is one request a class makes for a document.
type requestSpec struct {
	typ  string
	args []any
}

var taskClasses = map[string]taskClass{}

func registerTaskClass(name string, c taskClass) { register(taskClasses, name, c, "registerTaskClass") }

// withClass replaces a class-based task's `class:` by its Go port's
// fields (the file's other keys win, as the class's constructor lets the
// YAML's config override its own); ok is false for a file without class.
func withClass(cfg *rawConfig, dir string) (*rawConfig, *taskClass, error) {
	v, ok := cfg.dict.Get("class")
	if !ok {
		return cfg, nil, nil
	}
	f, isFn := v.(Function)
	if !isFn {
		return nil, nil, &ConfigError{File: cfg.file, Line: cfg.lines["class"], Msg: "class: expected a !function reference to a task class"}
	}
	cls, found := port(taskClasses, &f)
	if !found {
		return nil, nil, &ConfigError{File: cfg.file, Line: f.Line, Err: ErrNoImplementation,
			Msg: fmt.Sprintf("class: !function %s is a Python task class; fmkit runs class-based tasks only where a Go task replaces them (squadv2)", f.Name)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(cls.config), &root); err != nil {
		return nil, nil, fmt.Errorf("eval: task class %s: %w", f.Name, err)
	}
	fields, err := yamlValue(root.Content[0], cfg.file, newYAMLBudget(YAMLLimits{}))
	if err != nil {
		return nil, nil, err
	}
	if dir != "" {
		bindDir(fields, dir)
	}
	merged := fields.(*py.Dict)
	lines := map[string]int{}
	for _, k := range merged.Keys() {
		lines[k] = f.Line
	}
	for _, k := range cfg.dict.Keys() {
		if k == "class" {
			continue
		}
		x, _ := cfg.dict.Get(k)
		merged.Set(k, x)
		lines[k] = cfg.lines[k]
	}
	return &rawConfig{file: cfg.file, dict: merged, lines: lines}, &cls, nil
}

// SQuAD 2.0 (lm-eval's squadv2, class SQuAD2, version 3): a generation
// and the log-likelihood of " unanswerable" per question, scored with the
// official SQuAD 2.0 evaluation (exact match and F1 over the normalized
// answers, unanswerable when the probability of " unanswerable" exceeds
// 1, and the best-threshold scores).
func init() {
	registerTaskClass("squadv2/task.SQuAD2", taskClass{config: squadConfig, requests: squadRequests})
	RegisterDocFunction("squadv2/task.doc_to_target", squadTarget)
	RegisterResultsFunction("squadv2/task.process_results", squadResults)
	for _, k := range squadMetrics {
		RegisterAggregationFunction("squadv2/task.agg_"+k, squadAggregation(k))
	}
}

var squadMetrics = []string{"exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1", "best_exact", "best_f1"}

var squadConfig = func() string {
	var b strings.Builder
	b.WriteString(`dataset_path: lighteval/squad_v2
training_split: train
validation_split: validation
output_type: generate_until
doc_to_text: "Title: {{title}}\n\nBackground: {{context}}\n\nQuestion: {{question}}\n\nAnswer:"
doc_to_target: !function task.doc_to_target
process_results: !function task.process_results
should_decontaminate: true
metadata:
  version: 3
metric_list:
`)
	for _, k := range squadMetrics {
		fmt.Fprintf(&b, "  - metric: %s\n    aggregation: !function task.agg_%s\n    higher_is_better: true\n", k, k)
	}
	return b.String()
}()

func squadRequests(doc data.Doc, ctx string) ([]requestSpec, error) {
	kw := py.NewDict()
	kw.Set("until", []any{"\n"})
	return []requestSpec{{GenerateUntil, []any{ctx, kw}}, {Loglikelihood, []any{ctx, " unanswerable"}}}, nil
}

func squadAnswers(doc data.Doc) ([]string, error) {
	a, err := docField(doc, "answers")
	if err != nil {
		return nil, err
	}
	ad, ok := a.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("answers is %s, expected a mapping", describe(a))
	}
	texts, err := listField(ad, "text")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = py.Str(t)
	}
	return out, nil
}

// squadTarget is SQuAD2.doc_to_target: the first answer, or
// "unanswerable", after a space.
func squadTarget(doc data.Doc) (any, error) {
	answers, err := squadAnswers(doc)
	if err != nil {
		return nil, err
	}
	if len(answers) == 0 {
		return " unanswerable", nil
	}
	return " " + answers[0], nil
}

// squadItem is one question's prediction and reference.
type squadItem struct {
	id         string
	prediction string
	noAnswer   float64 // probability of " unanswerable"
	answers    []string
}

// squadResults is SQuAD2.process_results: every metric gets the pair
// (prediction, reference) that the aggregations score together.
func squadResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	if len(results) != 2 {
		return nil, fmt.Errorf("expected a generation and a log-likelihood, got %d results", len(results))
	}
	gen, ok := results[0].(string)
	if !ok {
		return nil, fmt.Errorf("generation is %s, expected text", describe(results[0]))
	}
	ll, _, err := pair(results[1])
	if err != nil {
		return nil, err
	}
	lp, err := num(ll)
	if err != nil {
		return nil, err
	}
	id, _ := doc.Get("id")
	answers, err := squadAnswers(doc)
	if err != nil {
		return nil, err
	}
	item := squadItem{id: py.Str(id), prediction: gen, noAnswer: expFloat(lp), answers: answers}
	out := map[string]any{}
	for _, k := range squadMetrics {
		out[k] = item
	}
	return out, nil
}

func squadAggregation(key string) AggregationFunc {
	return func(items []any) (float64, error) {
		list := make([]squadItem, len(items))
		for i, it := range items {
			x, ok := it.(squadItem)
			if !ok {
				return 0, fmt.Errorf("squad aggregation: item %d is %s", i, describe(it))
			}
			list[i] = x
		}
		return squadEval(list)[key], nil
	}
}
