package eval

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/fmkit/fmkit/internal/py"
)

// TestMetricsMatchLMEvalFormulas compares aggregations and standard
// errors with Python (lm-eval's formulas, sklearn, random.Random) on the
// fixture items of testdata/gen/eval/metric_fixtures.py.
func TestMetricsMatchLMEvalFormulas(t *testing.T) {
	raw, err := os.ReadFile("testdata/metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]json.RawMessage
	json.Unmarshal(raw, &fx)
	var iters int
	json.Unmarshal(fx["iters"], &iters)
	type entry struct {
		Items  []json.RawMessage `json:"items"`
		Value  float64           `json:"value"`
		Stderr *float64          `json:"stderr"`
	}
	items := func(e entry, pairs bool) []any {
		out := make([]any, len(e.Items))
		for i, r := range e.Items {
			if pairs {
				var p []float64
				json.Unmarshal(r, &p)
				if p[0] == math.Trunc(p[0]) && p[1] == math.Trunc(p[1]) && !isRolling(p) {
					out[i] = py.Tuple{int64(p[0]), int64(p[1])}
				} else {
					out[i] = py.Tuple{p[0], int64(p[1])}
				}
			} else {
				var f float64
				json.Unmarshal(r, &f)
				out[i] = f
			}
		}
		return out
	}
	for _, tc := range []struct {
		name, agg string
		pairs     bool
	}{
		{"acc", "mean", false}, {"f1", "f1", true}, {"mcc", "matthews_corrcoef", true}, {"median", "median", false},
		{"perplexity", "perplexity", false}, {"word_perplexity", "weighted_perplexity", true}, {"bits_per_byte", "bits_per_byte", true},
	} {
		var e entry
		json.Unmarshal(fx[tc.name], &e)
		its := items(e, tc.pairs)
		v, err := aggregations[tc.agg](its)
		if err != nil || math.Abs(v-e.Value) > 1e-12*math.Max(1, math.Abs(e.Value)) {
			t.Errorf("%s: value %v (%v), want %v", tc.name, v, err, e.Value)
		}
		se, ok, err := stderrFor(tc.agg, tc.name, its, iters)
		switch {
		case err != nil:
			t.Errorf("%s: stderr: %v", tc.name, err)
		case e.Stderr == nil && ok:
			t.Errorf("%s: stderr %v, want N/A", tc.name, se)
		case e.Stderr != nil && (!ok || math.Abs(se-*e.Stderr) > 1e-9*math.Max(1, *e.Stderr)):
			t.Errorf("%s: stderr %v, want %v", tc.name, se, *e.Stderr)
		}
	}
	var pooled struct {
		Stderrs []float64 `json:"stderrs"`
		Sizes   []int     `json:"sizes"`
		Value   float64   `json:"value"`
	}
	json.Unmarshal(fx["pooled"], &pooled)
	if got := pooledStderr(pooled.Stderrs, pooled.Sizes); math.Abs(got-pooled.Value) > 1e-15 {
		t.Errorf("pooled stderr %v, want %v", got, pooled.Value)
	}
}

// isRolling tells (loglikelihood, count) pairs from (gold, pred) pairs.
func isRolling(p []float64) bool { return p[0] < 0 || p[1] > 3 }

func TestExactMatchOptions(t *testing.T) {
	kw := map[string]any{"ignore_case": true, "ignore_punctuation": true, "regexes_to_ignore": []any{" "}}
	for _, tc := range []struct {
		pred, ref string
		want      float64
	}{{" (b).", "B", 1}, {"정답 A", "A", 0}, {"a b", "AB", 1}, {"C", "D", 0}} {
		if got, err := exactMatch(tc.pred, tc.ref, kw); err != nil || got != tc.want {
			t.Errorf("exact_match(%q, %q) = %v, %v; want %v", tc.pred, tc.ref, got, err, tc.want)
		}
	}
}
