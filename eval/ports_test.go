package eval

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// TestPortsMatchLMEval runs every Go port on the fixture documents of
// testdata/ports/docs.json and requires exactly what lm-eval's own Python
// function returned on them (testdata/ports/expected.json, written by
// testdata/gen/eval/port_fixtures.py).
func TestPortsMatchLMEval(t *testing.T) {
	b, err := os.ReadFile("testdata/ports/docs.json")
	if err != nil {
		t.Fatal(err)
	}
	dv, err := data.DecodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	allDocs := dv.(data.Doc)
	b, err = os.ReadFile("testdata/ports/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Function string          `json:"function"`
		Kind     string          `json:"kind"`
		Docs     string          `json:"docs"`
		Outputs  json.RawMessage `json:"outputs"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("%d cases in expected.json", len(cases))
	}
	for _, c := range cases {
		want, err := data.DecodeJSON(c.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		docsV, _ := allDocs.Get(c.Docs)
		docs, _ := docsV.([]any)
		got, err := runPort(c.Function, c.Kind, docs)
		if err != nil {
			t.Errorf("%s: %v", c.Function, err)
			continue
		}
		// Compare through JSON, as the fixture was written: tuples are
		// lists, dicts ordered.
		norm, err := data.DecodeJSON([]byte(py.JSON(got, 0)))
		if err != nil {
			t.Fatalf("%s: %v", c.Function, err)
		}
		if strings.HasPrefix(c.Kind, "results") {
			// process_results dicts are read by key.
			norm, want = unordered(norm), unordered(want)
		}
		if !reflect.DeepEqual(norm, want) {
			t.Errorf("%s on %s:\n  go %s\n  py %s", c.Function, c.Docs, py.JSON(norm, 0), py.JSON(want, 0))
		}
	}
}

func runPort(name, kind string, docs []any) (any, error) {
	functionsMu.RLock()
	defer functionsMu.RUnlock()
	asDocs := func() []data.Doc {
		out := make([]data.Doc, len(docs))
		for i, d := range docs {
			out[i] = d.(data.Doc)
		}
		return out
	}
	switch kind {
	case "doc":
		fn := docFunctions[name]
		if fn == nil {
			return nil, errNoPort
		}
		var out []any
		for _, d := range asDocs() {
			v, err := fn(d)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "docs":
		fn := functions[name]
		if fn == nil {
			return nil, errNoPort
		}
		out, err := fn(asDocs())
		if err != nil {
			return nil, err
		}
		l := make([]any, len(out))
		for i, d := range out {
			l[i] = d
		}
		return l, nil
	case "samples":
		fn := samplesFunctions[name]
		if fn == nil {
			return nil, errNoPort
		}
		out, err := fn()
		l := make([]any, len(out))
		for i, d := range out {
			l[i] = d
		}
		return l, err
	case "filter", "builtin_filter":
		build := filterFunctions[name]
		if kind == "builtin_filter" {
			build = filterFactories[map[string]string{
				"lm_eval.filters.extraction.MultiChoiceRegexFilter": "multi_choice_regex",
				"lm_eval.filters.extraction.POSFilter":              "regex_pos",
			}[name]]
		}
		if build == nil {
			return nil, errNoPort
		}
		var out []any
		for _, c := range asDocs() {
			kw := map[string]any{}
			if kv, ok := c.Get("kwargs"); ok {
				kd := kv.(data.Doc)
				for i, k := range kd.Columns {
					kw[k] = kd.Values[i]
				}
			}
			f, err := build(kw)
			if err != nil {
				return nil, err
			}
			rv, _ := c.Get("resps")
			dv, _ := c.Get("docs")
			var ds []data.Doc
			for _, d := range dv.([]any) {
				ds = append(ds, d.(data.Doc))
			}
			r, err := f(rv.([]any), ds)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case "results", "results_ll", "results_raw":
		fn := resultsFunctions[name]
		if fn == nil {
			return nil, errNoPort
		}
		var out []any
		for _, c := range asDocs() {
			doc, results := c, []any{-123.5}
			if kind != "results_ll" {
				dv, _ := c.Get("doc")
				doc = dv.(data.Doc)
				rv, _ := c.Get("results")
				results = nil
				for _, r := range rv.([]any) {
					if l, ok := r.([]any); ok {
						r = py.Tuple(l)
					}
					results = append(results, r)
				}
			}
			m, err := fn(doc, results, &TaskConfig{})
			if err != nil {
				return nil, err
			}
			out = append(out, orderedDict(m, nil))
		}
		return out, nil
	}
	return nil, errNoPort
}

var errNoPort = jsonError("no Go port registered under this name")

type jsonError string

func (e jsonError) Error() string { return string(e) }

// unordered turns the documents of a list into maps.
func unordered(v any) any {
	l, _ := v.([]any)
	out := make([]any, len(l))
	for i, e := range l {
		d := e.(data.Doc)
		m := map[string]any{}
		for j, k := range d.Columns {
			m[k] = d.Values[j]
		}
		out[i] = m
	}
	return out
}
