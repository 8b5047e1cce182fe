package recursion

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func shortcut(t *testing.T, fn, name string) Shortcut {
	t.Helper()
	for _, s := range Shortcuts() {
		if s.Name == name && contains(s.Funcs, fn) {
			return s
		}
	}
	t.Fatalf("no shortcut %s for %s", name, fn)
	return Shortcut{}
}

func TestShortcutRules(t *testing.T) {
	for _, tc := range []struct {
		fn, rule string
		param    int
		call     string
		want     string // "" for no answer
	}{
		{"succ", "no_grow", 0, "succ (xI (xI xH))", "xO (xO xH)"},               // 7 → 4: the carry never grows
		{"succ", "no_grow", 0, "succ (xI (xO xH))", "xO (xI xH)"},               // 5 → 6: right where it does not need to
		{"succ", "carry_limit", 1, "succ (xI (xI (xO xH)))", "xO (xI (xO xH))"}, // 11 → 10: one 1 cleared, the carry lost
		{"succ", "carry_limit", 2, "succ (xI (xI (xO xH)))", "xO (xO (xI xH))"}, // 11 → 12: within the limit
		{"succ", "carry_limit", 3, "succ (xI (xI xH))", "xO (xO (xO xH))"},      // 7 → 8
		{"succ", "flip_lowest", 0, "succ (xI (xI xH))", "xO (xI xH)"},
		{"succ", "flip_lowest", 0, "succ xH", "xO xH"},
		{"succ", "copy", 0, "succ (xO xH)", "xO xH"},
		{"add", "no_carry", 0, "add (xI (xO xH)) (xI xH)", "xO (xI xH)"}, // 5 xor 3 = 6
		{"add", "no_carry", 0, "add (xI xH) (xI xH)", ""},                // 3 xor 3 = 0
		{"add", "carry_limit", 0, "add (xI xH) xH", "xO xH"},             // 3+1 with no carry kept: 2
		{"add", "carry_limit", 1, "add (xI xH) xH", ""},                  // the second carry in a row is dropped: 0
		{"add", "carry_limit", 2, "add (xI xH) xH", "xO (xO xH)"},        // 4
		{"add", "no_grow", 0, "add (xI (xO xH)) xH", "xO (xI xH)"},       // 5+1 = 6 fits
		{"add", "no_grow", 0, "add (xI (xO xH)) (xI xH)", ""},            // 5+3 = 8 loses its only 1
		{"add", "second", 0, "add xH (xO xH)", "xO xH"},
		{"inorder", "preorder", 0, "inorder (Node 1 (Node 2 Leaf Leaf) (Node 3 Leaf Leaf))", "cons 1 (cons 2 (cons 3 nil))"},
		{"inorder", "reverse_inorder", 0, "inorder (Node 1 (Node 2 Leaf Leaf) (Node 3 Leaf Leaf))", "cons 3 (cons 1 (cons 2 nil))"},
		{"preorder", "postorder", 0, "preorder (Node 1 (Node 2 Leaf Leaf) (Node 3 Leaf Leaf))", "cons 2 (cons 3 (cons 1 nil))"},
	} {
		s := shortcut(t, tc.fn, tc.rule)
		got, ok := s.Apply(MustParse(tc.call).Args, tc.param)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s %s(%d) on %s = %s, want no answer", tc.fn, tc.rule, tc.param, tc.call, got)
		case tc.want != "" && (!ok || got.String() != tc.want):
			t.Errorf("%s %s(%d) on %s = %v, want %s", tc.fn, tc.rule, tc.param, tc.call, got, tc.want)
		}
	}
	for _, s := range Shortcuts() {
		if s.Name == "inorder" && contains(s.Funcs, "inorder") {
			t.Error("the inorder rule is offered as a shortcut for inorder itself")
		}
	}
}

// TestAnalyzeRecoversTheRule feeds Analyze the answers of a known
// shortcut (with a few garbage answers mixed in) and checks that it finds
// the rule, its parameter and the exact share of failures it explains.
func TestAnalyzeRecoversTheRule(t *testing.T) {
	env := Std()
	exs, err := HarnessExamples(context.Background(), "succ", "test")
	if err != nil {
		t.Fatal(err)
	}
	limit := shortcut(t, "succ", "carry_limit")
	var preds []Prediction
	failures, garbage := 0, 0
	for i, ex := range exs {
		out, _ := limit.Apply(ex.call.Args, 3)
		text := out.String()
		if i%10 == 0 { // every tenth answer is nonsense
			text = "xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO (xO xH))))))))))))))))"
			garbage++
		}
		if text != ex.Target {
			failures++
		}
		preds = append(preds, Prediction{Call: ex.call, Output: " " + text, Bucket: ex.Bucket})
	}
	reports, err := env.Analyze(preds, Shortcuts())
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || reports[0].Func != "succ" {
		t.Fatalf("reports %+v", reports)
	}
	r := reports[0]
	if r.Total != len(exs) || r.Total-r.Correct != failures {
		t.Fatalf("%d answers, %d failures; want %d, %d", r.Total, r.Total-r.Correct, len(exs), failures)
	}
	best := r.Rules[0]
	if best.Name != "carry_limit" || best.Param == nil || *best.Param != 3 {
		t.Fatalf("best rule %s %v, want carry_limit k=3", best.Name, best.Param)
	}
	if want := failures - garbage; best.Predicted != want || r.Unexplained != garbage {
		t.Errorf("carry_limit predicts %d failures and %d are unexplained; want %d and %d", best.Predicted, r.Unexplained, want, garbage)
	}
	for _, c := range r.Classes {
		// The rule is right on carries of at most 3, wrong above.
		if c.Name == "carry_4_7" || c.Name == "carry_8plus" {
			if c.Correct > c.Total/10+1 {
				t.Errorf("class %s: %d of %d right under carry_limit k=3", c.Name, c.Correct, c.Total)
			}
		}
		if c.Name == "carry_0" && c.Correct < c.Total*8/10 {
			t.Errorf("class carry_0: only %d of %d right", c.Correct, c.Total)
		}
	}
	if r.Classes[0].Name != "carry_0" || r.Classes[len(r.Classes)-1].Name != "longer" {
		t.Errorf("classes not in report order: %+v", r.Classes)
	}
}

func TestReadPredictions(t *testing.T) {
	in := strings.Join([]string{
		`{"doc_id": 0, "doc": {"id": 0, "function": "succ", "call": "succ (xI xH)", "target": "xO (xO xH)", "bucket": "all_ones", "tags": ["len:2", "all_ones"]}, "target": "xO (xO xH)", "resps": [["xO (xO xH)"]], "filtered_resps": ["xO (xO xH)"], "exact_match": 1.0}`,
		`{"doc": {"function": "succ", "call": "succ xH", "term": "succ xH", "next": "x"}, "filtered_resps": ["x"]}`,
		``,
		`{"call": "add xH xH", "prediction": "xI xH"}`,
	}, "\n")
	preds, skipped, err := ReadPredictions(strings.NewReader(in), "s.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 2 || skipped != 1 {
		t.Fatalf("%d predictions, %d skipped", len(preds), skipped)
	}
	if preds[0].Call.String() != "succ (xI xH)" || preds[0].Output != "xO (xO xH)" || preds[0].Bucket != "all_ones" || len(preds[0].Tags) != 2 {
		t.Errorf("sample: %+v", preds[0])
	}
	if preds[1].Call.String() != "add xH xH" || preds[1].Output != "xI xH" {
		t.Errorf("record: %+v", preds[1])
	}
	for _, tc := range []struct{ in, msg string }{
		{`{"call": "succ xH"}`, `line 1: a record with "call" needs "output"`},
		{"{}\n[1]", `line 1: expected an eval sample`},
		{`{"doc": {"question": "?"}, "filtered_resps": ["a"]}`, `doc has no "call" string`},
		{`{"call": "succ (xH", "output": "x"}`, "call: recursion: syntax error"},
		{`{"call": "xH", "output": "x"}`, "not a function applied"},
		{`{"doc": {"call": "succ xH"}, "filtered_resps": [[]]}`, `no string in "filtered_resps"`},
		{"\n\nnot json", "line 3: not a JSON object"},
	} {
		_, _, err := ReadPredictions(strings.NewReader(tc.in), "p.jsonl")
		if !errors.Is(err, ErrPredictions) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "p.jsonl") {
			t.Errorf("%q: %v, want an error naming p.jsonl and %q", tc.in, err, tc.msg)
		}
	}
	if _, err := Std().Analyze([]Prediction{{Call: MustParse("succ Leaf"), Output: "x"}}, Shortcuts()); !errors.Is(err, ErrType) {
		t.Errorf("ill-typed call: %v", err)
	}
}
