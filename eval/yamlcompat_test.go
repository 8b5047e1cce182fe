package eval

import (
	"encoding/json"
	"os"
	"testing"
	"testing/fstest"

	"github.com/fmkit/fmkit/internal/py"
)

// TestYAMLScalarsAsPyYAML checks the type and value of every scalar form of
// testdata/yaml_scalars.json against PyYAML's (testdata/gen/eval/
// yaml_fixtures.py): YAML 1.1 booleans, octal and sexagesimal numbers,
// explicit tags on quoted scalars, and the `\/` escape.
func TestYAMLScalarsAsPyYAML(t *testing.T) {
	b, err := os.ReadFile("testdata/yaml_scalars.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		YAML  string `json:"yaml"`
		Value struct {
			Type string `json:"type"`
			Repr string `json:"repr"`
		} `json:"value"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		cfg, err := loadYAML(fstest.MapFS{"a.yaml": {Data: []byte(c.YAML)}}, "a.yaml", map[string]bool{})
		if err != nil {
			t.Errorf("%q: %v", c.YAML, err)
			continue
		}
		v, _ := cfg.dict.Get("v")
		typ, repr := "", ""
		switch x := v.(type) {
		case nil:
			typ = "null"
		case bool:
			typ, repr = "bool", py.Repr(x)
		case int64:
			typ, repr = "int", py.Repr(x)
		case float64:
			typ, repr = "float", py.Repr(x)
		case string:
			typ, repr = "str", x
		case Function:
			typ, repr = "function", x.Name
		}
		if typ != c.Value.Type || repr != c.Value.Repr {
			t.Errorf("%q: got %s %q, PyYAML %s %q", c.YAML, typ, repr, c.Value.Type, c.Value.Repr)
		}
	}
}

func FuzzSolidusEscapes(f *testing.F) {
	f.Add([]byte("v: \"a\\/b\"\n"))
	f.Add([]byte("v: |\n  \"x\\/y\n"))
	f.Add([]byte("# \"\\/\nv: 'it''s'\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out := withSolidusEscapes(src)
		// Only escapes are rewritten: the result is never longer and
		// differs only by dropped backslashes.
		if len(out) > len(src) {
			t.Fatalf("output grew: %q -> %q", src, out)
		}
	})
}
