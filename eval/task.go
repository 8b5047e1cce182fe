package eval

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/jinja"
)

// Task is one loaded task: its config, documents and compiled templates.
type Task struct {
	Name   string
	Config *TaskConfig
	File   string

	// NumFewshot is the number of few-shot examples the task uses (the
	// config's num_fewshot); FewshotSeed seeds its sampler (1234). A run's
	// Options override them for that run only; Evaluate never writes
	// into a Task's settings.
	NumFewshot  int
	FewshotSeed int64

	evalDocs    []data.Doc
	fewshotDocs []data.Doc
	evalSplit   string

	tmplMu sync.Mutex
	tmpls  map[string]*jinja.Template

	// res serves the task's `!function` references.
	res *resolver
	// class is the Go port of a class-based task, or nil.
	class *taskClass

	// multipleInput is lm-eval's multiple_input: doc_to_text gives the
	// index of the right choice, and each choice is a context of its own
	// followed by one shared continuation (WinoGrande's partial scoring).
	multipleInput bool
}

// detectMultipleInput decides multipleInput as lm-eval does, from the first
// evaluation document: the task has choices and doc_to_text gives an int.
func (t *Task) detectMultipleInput() error {
	t.multipleInput = false
	if t.Config.DocToChoice == nil || len(t.evalDocs) == 0 {
		return nil
	}
	q, err := t.docText(t.evalDocs[0], t.Config.DocToText)
	if err != nil {
		return &DocError{Task: t.Name, DocID: 0, Field: "doc_to_text", Err: err}
	}
	_, t.multipleInput = q.(int64)
	return nil
}

func newTask(tc *TaskConfig, file string, res *resolver) (*Task, error) {
	t := &Task{Name: tc.Task, Config: tc, File: file, FewshotSeed: 1234, tmpls: map[string]*jinja.Template{}, res: res}
	if tc.NumFewshot != nil {
		t.NumFewshot = *tc.NumFewshot
	}
	// Compile every template now so that syntax errors surface before any
	// download or model call.
	for _, f := range []struct {
		name string
		v    any
	}{{"doc_to_text", tc.DocToText}, {"doc_to_target", tc.DocToTarget}, {"doc_to_choice", tc.DocToChoice}, {"description", tc.Description},
		{"fewshot_config.doc_to_text", tc.Fewshot.DocToText}, {"fewshot_config.doc_to_target", tc.Fewshot.DocToTarget}} {
		if s, ok := f.v.(string); ok {
			if _, err := t.template(s); err != nil {
				return nil, &ConfigError{File: tc.raw.file, Line: tc.raw.lines[strings.TrimPrefix(f.name, "fewshot_config.")], Msg: fmt.Sprintf("%s: %v", f.name, err)}
			}
		}
	}
	for _, fn := range []*Function{tc.ProcessDocs, tc.Fewshot.ProcessDocs} {
		if fn != nil {
			if _, err := t.res.docs(fn); err != nil {
				return nil, err
			}
		}
	}
	for _, v := range []any{tc.DocToText, tc.DocToTarget, tc.DocToChoice, tc.Fewshot.DocToText, tc.Fewshot.DocToTarget, tc.Fewshot.DocToChoice} {
		if fn, ok := v.(Function); ok {
			if _, err := t.res.doc(&fn); err != nil {
				return nil, err
			}
		}
	}
	if tc.ProcessResults != nil {
		if _, err := t.res.results(tc.ProcessResults); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Task) template(src string) (*jinja.Template, error) {
	t.tmplMu.Lock()
	defer t.tmplMu.Unlock()
	if tp, ok := t.tmpls[src]; ok {
		return tp, nil
	}
	tp, err := jinja.Parse(src)
	if err != nil {
		return nil, err
	}
	t.tmpls[src] = tp
	return tp, nil
}

// Docs returns the evaluation documents (after process_docs); Load must
// have been called.
func (t *Task) Docs() []data.Doc { return t.evalDocs }

// EvalSplit is the split the task evaluates on: test_split, else
// validation_split.
func (t *Task) EvalSplit() string {
	if t.Config.TestSplit != "" {
		return t.Config.TestSplit
	}
	return t.Config.ValidationSplit
}

// Load reads the task's documents: the evaluation split and, when the
// task's NumFewshot needs them, the few-shot examples.
func (t *Task) Load(ctx context.Context, l *data.Loader) error {
	return t.load(ctx, l, t.NumFewshot)
}

// load reads the evaluation split unless it is loaded, and the few-shot
// source when numFewshot needs it and it is not loaded yet.
func (t *Task) load(ctx context.Context, l *data.Loader, numFewshot int) error {
	if t.evalDocs == nil {
		docs, err := t.loadSplit(ctx, l, t.EvalSplit(), t.Config.ProcessDocs)
		if err != nil {
			return err
		}
		if len(docs) == 0 {
			return fmt.Errorf("eval: task %s: split %s has no documents", t.Name, t.EvalSplit())
		}
		t.evalSplit, t.evalDocs = t.EvalSplit(), docs
	}
	if numFewshot <= 0 || t.fewshotDocs != nil {
		return nil
	}
	tc := t.Config
	var err error
	switch {
	case tc.Fewshot.Split != "":
		t.fewshotDocs, err = t.loadSplit(ctx, l, tc.Fewshot.Split, tc.Fewshot.ProcessDocs)
	case tc.Fewshot.Samples != nil:
		t.fewshotDocs = tc.Fewshot.Samples
	case tc.TrainingSplit != "":
		t.fewshotDocs, err = t.loadSplit(ctx, l, tc.TrainingSplit, tc.ProcessDocs)
	case tc.ValidationSplit != "":
		t.fewshotDocs, err = t.loadSplit(ctx, l, tc.ValidationSplit, tc.ProcessDocs)
	default:
		t.fewshotDocs = t.evalDocs
	}
	return err
}

// source is the task's dataset as data.Loader takes it.
func (t *Task) source() (data.Source, error) {
	tc := t.Config
	src := data.Source{Path: tc.DatasetPath, Name: tc.DatasetName}
	for _, k := range sortedKeys(tc.DatasetKwargs) {
		v := tc.DatasetKwargs[k]
		switch k {
		case "data_files":
			src.DataFiles = dataFiles(v)
		case "data_dir":
			src.DataDir = py.Str(v)
		case "revision":
			src.Revision = py.Str(v)
		case "trust_remote_code", "name":
		default:
			return src, fmt.Errorf("eval: task %s: dataset_kwargs.%s is not supported", t.Name, k)
		}
	}
	if tc.DatasetPath == "" {
		return src, fmt.Errorf("eval: task %s: no dataset_path", t.Name)
	}
	return src, nil
}

// loadSplit reads one split and runs process over it.
func (t *Task) loadSplit(ctx context.Context, l *data.Loader, split string, process *Function) ([]data.Doc, error) {
	src, err := t.source()
	if err != nil {
		return nil, err
	}
	docs, err := l.Load(ctx, src, split)
	if err != nil {
		return nil, fmt.Errorf("eval: task %s: split %s: %w", t.Name, split, err)
	}
	if process == nil {
		return docs, nil
	}
	fn, err := t.res.docs(process)
	if err != nil {
		return nil, err
	}
	if docs, err = fn(docs); err != nil {
		return nil, fmt.Errorf("eval: task %s: process_docs %s: %w", t.Name, process.Name, err)
	}
	return docs, nil
}

// SetDocs sets the documents directly (for callers that load them
// themselves, and tests).
func (t *Task) SetDocs(eval, fewshot []data.Doc) {
	t.evalSplit = t.EvalSplit()
	t.evalDocs, t.fewshotDocs = eval, fewshot
}

func dataFiles(v any) map[string][]string {
	out := map[string][]string{}
	add := func(split string, x any) {
		switch y := x.(type) {
		case string:
			out[split] = append(out[split], y)
		case []any:
			for _, e := range y {
				out[split] = append(out[split], py.Str(e))
			}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			add(k, x[k])
		}
	default:
		add("train", x)
	}
	return out
}

// DocError is a template that failed on one document.
type DocError struct {
	Task  string
	DocID int
	Field string
	Err   error
}

func (e *DocError) Error() string {
	var ue *jinja.UndefinedError
	if errors.As(e.Err, &ue) && ue.Name != "" {
		return fmt.Sprintf("eval: task %s: document %d: %s references column %q, which the document does not have", e.Task, e.DocID, e.Field, ue.Name)
	}
	return fmt.Sprintf("eval: task %s: document %d: %s: %v", e.Task, e.DocID, e.Field, e.Err)
}

func (e *DocError) Unwrap() error { return e.Err }

// resolveField is lm-eval's doc_to_text/doc_to_target/doc_to_choice on a
// string: a column name gives the raw value, else the rendered template,
// which becomes an int if digits (with doc_to_choice set) or, for
// targets and choices, a list if it looks like one.
func (t *Task) resolveField(doc data.Doc, spec any, field string) (any, error) {
	switch x := spec.(type) {
	case nil:
		return nil, fmt.Errorf("%s is not set", field)
	case int64:
		return x, nil
	case []any:
		return x, nil
	case *py.Dict:
		var vals []any
		for _, k := range x.Keys() {
			v, _ := x.Get(k)
			vals = append(vals, v)
		}
		return vals, nil
	case Function:
		fn, err := t.res.doc(&x)
		if err != nil {
			return nil, err
		}
		return fn(doc)
	case string:
		if v, ok := doc.Get(x); ok {
			return v, nil
		}
		tp, err := t.template(x)
		if err != nil {
			return nil, err
		}
		s, err := tp.Render(doc)
		if err != nil {
			return nil, err
		}
		switch field {
		case "doc_to_choice":
			v, err := py.LiteralEval(s)
			if err != nil {
				return nil, fmt.Errorf("doc_to_choice rendered %q, which is not a Python literal list: %v", s, err)
			}
			return v, nil
		case "doc_to_text", "doc_to_target":
			if t.Config.DocToChoice != nil && isDigits(s) {
				v, err := py.LiteralEval(s)
				if err == nil {
					return v, nil
				}
			}
			if field == "doc_to_target" && len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
				if v, err := py.LiteralEval(s); err == nil {
					return v, nil
				}
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s: unsupported value %s", field, describe(spec))
}

// isDigits is Python's str.isdigit for ASCII digit strings (the only kind
// literal_eval accepts).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (t *Task) docText(doc data.Doc, spec any) (any, error) {
	return t.resolveField(doc, spec, "doc_to_text")
}

func (t *Task) docTarget(doc data.Doc, spec any) (any, error) {
	return t.resolveField(doc, spec, "doc_to_target")
}

func (t *Task) docChoices(doc data.Doc, spec any) ([]string, error) {
	v, err := t.resolveField(doc, spec, "doc_to_choice")
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		if tup, isTup := v.(py.Tuple); isTup {
			list = tup
		} else {
			return nil, fmt.Errorf("doc_to_choice gave %s, expected a list", describe(v))
		}
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("doc_to_choice item %d is %s, expected a string", i, describe(e))
		}
		out[i] = s
	}
	return out, nil
}

// answerText is build_qa_turn's answer: an int indexes the choices, a list
// gives its first element.
func answerText(a any, choices []string) (string, error) {
	switch x := a.(type) {
	case int64:
		if choices != nil {
			if x < 0 || x >= int64(len(choices)) {
				return "", fmt.Errorf("target index %d out of range for %d choices", x, len(choices))
			}
			return choices[x], nil
		}
		return py.Str(x), fmt.Errorf("target is the integer %d but the task has no doc_to_choice", x)
	case []any:
		if len(x) == 0 {
			return "", errors.New("target is an empty list")
		}
		s, ok := x[0].(string)
		if !ok {
			return "", fmt.Errorf("target list item is %s, expected a string", describe(x[0]))
		}
		return s, nil
	case string:
		return x, nil
	}
	return "", fmt.Errorf("target is %s, expected a string, an index or a list", describe(a))
}
