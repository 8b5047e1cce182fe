package jinja

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/fmkit/fmkit/internal/py"
)

// decodeTagged turns the generator's tagged JSON back into ordered values.
func decodeTagged(t *testing.T, v any) any {
	switch x := v.(type) {
	case map[string]any:
		if d, ok := x["dict"]; ok {
			out := py.NewDict()
			for _, kv := range d.([]any) {
				pair := kv.([]any)
				out.Set(pair[0].(string), decodeTagged(t, pair[1]))
			}
			return out
		}
		if l, ok := x["list"]; ok {
			out := []any{}
			for _, e := range l.([]any) {
				out = append(out, decodeTagged(t, e))
			}
			return out
		}
		if f, ok := x["float"]; ok {
			v, err := strconv.ParseFloat(f.(string), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	case float64: // JSON numbers without a float tag are Python ints
		return int64(x)
	}
	return v
}

// TestRenderMatchesJinja2 renders every fixture template, produced by
// Python's Jinja2 with lm-eval's environment, and compares byte for byte
// (or the error class).
func TestRenderMatchesJinja2(t *testing.T) {
	raw, err := os.ReadFile("testdata/render.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Docs  []any `json:"docs"`
		Cases []struct {
			Doc      int     `json:"doc"`
			Template string  `json:"template"`
			Output   *string `json:"output"`
			Error    string  `json:"error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	docs := make([]py.Mapping, len(fx.Docs))
	for i, d := range fx.Docs {
		docs[i] = decodeTagged(t, d).(py.Mapping)
	}
	for _, c := range fx.Cases {
		tpl, err := Parse(c.Template)
		var out string
		if err == nil {
			out, err = tpl.Render(docs[c.Doc])
		}
		switch {
		case c.Output != nil && err != nil:
			t.Errorf("doc %d %q: unexpected error %v, want %q", c.Doc, c.Template, err, *c.Output)
		case c.Output != nil && out != *c.Output:
			t.Errorf("doc %d %q:\n got %q\nwant %q", c.Doc, c.Template, out, *c.Output)
		case c.Output == nil && err == nil:
			t.Errorf("doc %d %q: rendered %q, want a %s error", c.Doc, c.Template, out, c.Error)
		case c.Output == nil:
			var ue *UndefinedError
			var se *SyntaxError
			got := "error"
			if errors.As(err, &ue) {
				got = "undefined"
			} else if errors.As(err, &se) {
				got = "syntax"
			}
			if got != c.Error {
				t.Errorf("doc %d %q: error %v is %s, want %s", c.Doc, c.Template, err, got, c.Error)
			}
		}
	}
}
