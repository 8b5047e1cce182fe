package eval

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// A DocsFunc is a Go function that a task YAML names with
// `process_docs: !function module.name`: it transforms a split's
// documents.
type DocsFunc func(docs []data.Doc) ([]data.Doc, error)

var (
	functionsMu sync.RWMutex
	functions   = map[string]DocsFunc{}
)

// RegisterFunction makes fn available to task YAMLs as `!function name`
// (for example "utils.process_docs"). It panics on a duplicate name, as a
// programmer error; call it from init.
func RegisterFunction(name string, fn DocsFunc) {
	functionsMu.Lock()
	defer functionsMu.Unlock()
	if _, dup := functions[name]; dup {
		panic("eval: RegisterFunction called twice for " + name)
	}
	functions[name] = fn
}

// A DocFunc is a Go function that a task YAML names with
// `doc_to_text: !function module.name` (or doc_to_target, doc_to_choice):
// it computes that field from one document, returning what the Python
// function returns (a string, an int64 index, or a []any of strings).
type DocFunc func(doc data.Doc) (any, error)

var docFunctions = map[string]DocFunc{}

// RegisterDocFunction makes fn available to task YAMLs as
// `doc_to_text: !function name` and the like. It panics on a duplicate
// name, as a programmer error; call it from init.
func RegisterDocFunction(name string, fn DocFunc) {
	functionsMu.Lock()
	defer functionsMu.Unlock()
	if _, dup := docFunctions[name]; dup {
		panic("eval: RegisterDocFunction called twice for " + name)
	}
	docFunctions[name] = fn
}

func init() {
	RegisterFunction("hellaswag.utils.process_docs", hellaswagProcessDocs)
	RegisterDocFunction("winogrande.preprocess_winogrande.doc_to_text", winograndeText)
	RegisterDocFunction("winogrande.preprocess_winogrande.doc_to_target", winograndeTarget)
	RegisterDocFunction("winogrande.preprocess_winogrande.doc_to_choice", winograndeChoices)
}

var bracketRe = regexp.MustCompile(`\[.*?\]`)

// hellaswagPreprocess is lm-eval's hellaswag preprocess(): strip, turn the
// " [title]" markers into sentence ends, drop bracketed spans, collapse
// double spaces.
func hellaswagPreprocess(text string) string {
	text = py.Strip(text, nil)
	text = strings.ReplaceAll(text, " [title]", ". ")
	text = bracketRe.ReplaceAllString(text, "")
	return strings.ReplaceAll(text, "  ", " ")
}

// hellaswagProcessDocs is lm-eval's hellaswag process_docs: it adds query,
// choices and gold to each document.
func hellaswagProcessDocs(docs []data.Doc) ([]data.Doc, error) {
	out := make([]data.Doc, len(docs))
	var cols []string
	for i, d := range docs {
		get := func(k string) (string, error) {
			v, ok := d.Get(k)
			s, isStr := v.(string)
			if !ok || !isStr {
				return "", fmt.Errorf("hellaswag process_docs: document %d: column %q missing or not text", i, k)
			}
			return s, nil
		}
		ctxA, err := get("ctx_a")
		if err != nil {
			return nil, err
		}
		ctxB, err := get("ctx_b")
		if err != nil {
			return nil, err
		}
		activity, err := get("activity_label")
		if err != nil {
			return nil, err
		}
		ctx := ctxA + " " + capitalizeFirst(ctxB)
		endings, _ := d.Get("endings")
		list, ok := endings.([]any)
		if !ok {
			return nil, fmt.Errorf("hellaswag process_docs: document %d: endings is not a list", i)
		}
		choices := make([]any, len(list))
		for j, e := range list {
			s, _ := e.(string)
			choices[j] = hellaswagPreprocess(s)
		}
		label, _ := d.Get("label")
		var gold any
		switch l := label.(type) {
		case string:
			var n int64
			if _, err := fmt.Sscan(l, &n); err != nil {
				return nil, fmt.Errorf("hellaswag process_docs: document %d: label %q is not an integer", i, l)
			}
			gold = n
		case int64:
			gold = l
		default:
			return nil, fmt.Errorf("hellaswag process_docs: document %d: label missing", i)
		}
		if cols == nil {
			cols = append(append([]string{}, d.Columns...), "query", "choices", "gold")
		}
		vals := append(append([]any{}, d.Values...), hellaswagPreprocess(activity+": "+ctx), choices, gold)
		out[i] = data.Doc{Columns: cols, Values: vals}
	}
	return out, nil
}

// capitalizeFirst is Python's str.capitalize as hellaswag uses it.
func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + strings.ToLower(string(r[1:]))
}

// winograndeField returns a text column of a WinoGrande document.
func winograndeField(doc data.Doc, name string) (string, error) {
	v, ok := doc.Get(name)
	s, isStr := v.(string)
	if !ok || !isStr {
		return "", fmt.Errorf("winogrande: column %q missing or not text", name)
	}
	return s, nil
}

// winograndeBlank returns the sentence and the byte offset of its "_".
func winograndeBlank(doc data.Doc) (string, int, error) {
	s, err := winograndeField(doc, "sentence")
	if err != nil {
		return "", 0, err
	}
	i := strings.IndexByte(s, '_')
	if i < 0 {
		return "", 0, fmt.Errorf("winogrande: sentence %q has no blank \"_\"", s)
	}
	return s, i, nil
}

// winograndeText is lm-eval's preprocess_winogrande.doc_to_text: the index
// of the correct option, which makes WinoGrande a multiple-input task (one
// context per option, one shared continuation).
func winograndeText(doc data.Doc) (any, error) {
	a, err := winograndeField(doc, "answer")
	if err != nil {
		return nil, err
	}
	switch a {
	case "1":
		return int64(0), nil
	case "2":
		return int64(1), nil
	}
	return nil, fmt.Errorf("winogrande: answer %q is not \"1\" or \"2\"", a)
}

// winograndeTarget is doc_to_target: the sentence after the blank,
// stripped (partial scoring: only this part is scored).
func winograndeTarget(doc data.Doc) (any, error) {
	s, i, err := winograndeBlank(doc)
	if err != nil {
		return nil, err
	}
	return py.Strip(s[i+1:], nil), nil
}

// winograndeChoices is doc_to_choice: the sentence up to the blank, filled
// with each option.
func winograndeChoices(doc data.Doc) (any, error) {
	s, i, err := winograndeBlank(doc)
	if err != nil {
		return nil, err
	}
	out := make([]any, 2)
	for j, col := range []string{"option1", "option2"} {
		o, err := winograndeField(doc, col)
		if err != nil {
			return nil, err
		}
		out[j] = s[:i] + o
	}
	return out, nil
}
