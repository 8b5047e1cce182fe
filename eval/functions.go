package eval

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/data"
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

func lookupFunction(f *Function) (DocsFunc, error) {
	functionsMu.RLock()
	defer functionsMu.RUnlock()
	// A name is looked up qualified by the YAML's folder first, as Python
	// resolves utils.py next to the YAML: hellaswag/x.yaml's
	// "utils.process_docs" is "hellaswag.utils.process_docs".
	if dir := path.Base(path.Dir(f.File)); dir != "." && dir != "/" {
		if fn, ok := functions[dir+"."+f.Name]; ok {
			return fn, nil
		}
	}
	if fn, ok := functions[f.Name]; ok {
		return fn, nil
	}
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, &ConfigError{File: f.File, Line: f.Line, Msg: fmt.Sprintf("unknown !function %q (registered Go functions: %s)", f.Name, strings.Join(names, ", "))}
}

func init() {
	RegisterFunction("hellaswag.utils.process_docs", hellaswagProcessDocs)
}

var bracketRe = regexp.MustCompile(` \[.*?\]`)

// hellaswagPreprocess is lm-eval's hellaswag preprocess(): strip, drop the
// " [title]" markers and bracketed spans, collapse double spaces.
func hellaswagPreprocess(text string) string {
	text = strings.TrimSpace(text)
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
