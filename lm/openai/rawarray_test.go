package openai

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzRawArray checks the lazy array against encoding/json: for every JSON
// array, the same elements in the same order.
func FuzzRawArray(f *testing.F) {
	for _, s := range []string{
		`[]`, `[1, -2.5e3, null]`, `["a\"b", "c\\", "]"]`, `[{"x": [1, {"y": "}"}]}, [], true]`,
		` [ 1 , 2 ] `, `[null]`, `[[[]]]`, `["\u00e9", {"a":"\\\""}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want []json.RawMessage
		if json.Unmarshal(b, &want) != nil || want == nil {
			return
		}
		var holder struct {
			A rawArray `json:"a"`
		}
		doc := append(append([]byte(`{"a":`), b...), '}')
		if err := json.Unmarshal(doc, &holder); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if holder.A.len() != len(want) {
			t.Fatalf("%s: %d elements, want %d", b, holder.A.len(), len(want))
		}
		for i, w := range want {
			if !bytes.Equal(bytes.TrimSpace(holder.A.elem(i)), bytes.TrimSpace(w)) {
				t.Fatalf("%s: element %d = %s, want %s", b, i, holder.A.elem(i), w)
			}
		}
	})
}

func TestRawArrayAccessors(t *testing.T) {
	var a rawArray
	if err := json.Unmarshal([]byte(`[null, -0.5, "x\ny", "plain", {"k": 1}]`), &a); err != nil {
		t.Fatal(err)
	}
	if !a.isNull(0) || a.isNull(1) {
		t.Error("isNull")
	}
	if v, ok := a.float(1); !ok || v != -0.5 {
		t.Errorf("float(1) = %v, %v", v, ok)
	}
	if _, ok := a.float(0); ok {
		t.Error("null read as a number")
	}
	if a.str(2) != "x\ny" || a.str(3) != "plain" || a.str(1) != "" {
		t.Errorf("str: %q %q %q", a.str(2), a.str(3), a.str(1))
	}
	var n rawArray
	if err := json.Unmarshal([]byte(`null`), &n); err != nil || n.len() != 0 {
		t.Errorf("null array: %v, len %d", err, n.len())
	}
	if err := json.Unmarshal([]byte(`{"x":1}`), &n); err == nil {
		t.Error("object accepted as an array")
	}
}
