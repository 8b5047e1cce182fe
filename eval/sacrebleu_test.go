package eval

import (
	"math"
	"os"
	"testing"

	"github.com/fmkit/fmkit/data"
)

// TestSacreBLEU compares corpus BLEU, chrF and TER with lm-eval's bleu and chrf
// aggregations over sacreBLEU (testdata/sacrebleu.json, written by
// testdata/gen/eval/sacrebleu_fixtures.py).
func TestSacreBLEU(t *testing.T) {
	b, err := os.ReadFile("testdata/sacrebleu.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := data.DecodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range v.([]any) {
		d := c.(data.Doc)
		items, _ := d.Get("items")
		for _, m := range []struct {
			name string
			agg  AggregationFunc
		}{{"bleu", sacreBLEU}, {"chrf", sacreChrF}, {"ter", sacreTER}} {
			want, _ := d.Get(m.name)
			w, _ := num(want)
			got, err := m.agg(items.([]any))
			if err != nil {
				t.Fatalf("corpus %d %s: %v", i, m.name, err)
			}
			if math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("corpus %d %s = %v, sacreBLEU %v", i, m.name, got, w)
			}
		}
	}
	if _, err := sacreBLEU([]any{"not a pair"}); err == nil {
		t.Error("a malformed item was accepted")
	}
}

func TestTokenize13a(t *testing.T) {
	for in, want := range map[string]string{
		"He paid $3.50, really.": "He paid $ 3.50 , really .",
		"a-b 10-15 x&amp;y":      "a-b 10 - 15 x & y",
	} {
		if got := tokenize13a(in); got != want {
			t.Errorf("tokenize13a(%q) = %q, want %q", in, got, want)
		}
	}
}
