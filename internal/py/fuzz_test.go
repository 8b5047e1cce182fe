package py

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzLiteralEval checks that the literal parser never panics, that what
// it accepts reads back from its repr unchanged, and that its JSON is
// valid JSON.
func FuzzLiteralEval(f *testing.F) {
	for _, s := range []string{"0", "-1.5e3", "'a' \"b\"", "r'\\d'", "[1, (2,), {'k': None}]", "{'a': [True, False]}",
		"'\\x41\\u00e9\\U0001F600\\101'", "1 # c", "-(1)", "0x_ff", "1_000.5", "'''a\nb'''", "(1,\\\n 2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := LiteralEval(src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "literal_eval: ") {
				t.Errorf("LiteralEval(%q) error %q lacks the literal_eval: prefix", src, err)
			}
			return
		}
		r := Repr(v)
		if strings.Contains(r, "inf") || strings.Contains(r, "nan") {
			return // repr(float('inf')) is not a literal in Python either
		}
		back, err := LiteralEval(r)
		if err != nil {
			t.Fatalf("LiteralEval(%q) = %s, which does not parse back: %v", src, r, err)
		}
		if Repr(back) != r {
			t.Fatalf("LiteralEval(%q) = %s, read back as %s", src, r, Repr(back))
		}
		if js := JSON(v, 0); !json.Valid([]byte(js)) {
			t.Fatalf("JSON(LiteralEval(%q)) = %s is not valid JSON", src, js)
		}
	})
}

// FuzzDecodeEscapes checks that escape decoding never panics and that a
// body without backslashes comes back unchanged.
func FuzzDecodeEscapes(f *testing.F) {
	for _, s := range []string{"plain", "a\\nb", "\\x41\\u00e9", "\\777", "\\q", "end\\", "\\U0010FFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := DecodeEscapes(body)
		if !strings.Contains(body, "\\") && (err != nil || got != body) {
			t.Fatalf("DecodeEscapes(%q) = %q, %v; want it unchanged", body, got, err)
		}
	})
}
