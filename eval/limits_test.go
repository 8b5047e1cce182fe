package eval

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/lm"
)

// TestIndexWarnsOfReplacedTasks checks that a task of a later source that
// takes a built-in's name is reported as a warning, not replaced silently.
func TestIndexWarnsOfReplacedTasks(t *testing.T) {
	user := fstest.MapFS{"mine.yaml": {Data: []byte("task: kmmlu_accounting\ndataset_path: json\n")}}
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: builtinTasks()}, TaskSource{Name: "mine", FS: user})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	for _, n := range ix.Notices() {
		if n.Warning {
			warnings = append(warnings, n.String())
		}
	}
	want := "mine/mine.yaml: task kmmlu_accounting replaces the task of that name from builtin/kmmlu/default/kmmlu_accounting.yaml"
	if len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", warnings, want)
	}
}

// TestSourceLimits checks that a source's YAMLLimits reach the loader and
// are validated.
func TestSourceLimits(t *testing.T) {
	laughs := fstest.MapFS{"laughs.yaml": {Data: []byte(billionLaughs())}}
	_, err := NewIndex(TaskSource{Name: "hostile", FS: laughs, Limits: YAMLLimits{MaxValues: 500}})
	if !errors.Is(err, ErrYAMLLimit) || !strings.Contains(err.Error(), "hostile/laughs.yaml:") || !strings.Contains(err.Error(), "more than 500 values") {
		t.Errorf("NewIndex over an alias bomb: %v", err)
	}
	if _, err := NewIndex(TaskSource{Name: "x", FS: fstest.MapFS{}, Limits: YAMLLimits{MaxValues: -2}}); err == nil || !strings.Contains(err.Error(), "MaxValues (-2)") {
		t.Errorf("negative limit: %v", err)
	}
}

// TestOptionLimits checks that Evaluate rejects options that cannot
// describe a run before any request is built, and that BuildRequests
// clamps a huge limit instead of allocating for it.
func TestOptionLimits(t *testing.T) {
	neg := -1
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"limit NaN", Options{Limit: math.NaN()}, "Limit (NaN)"},
		{"limit +Inf", Options{Limit: math.Inf(1)}, "Limit (+Inf)"},
		{"limit negative", Options{Limit: -1}, "Limit (-1)"},
		{"num-fewshot negative", Options{NumFewshot: &neg}, "NumFewshot (-1)"},
	}
	model := &hashModel{caps: lm.Capabilities{Loglikelihood: true, Generate: true}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix := testIndex(t)
			suite, _ := ix.Load([]string{"selfshot_gen"})
			suite.Tasks[0].SetDocs(readDocs(t, "self_test.jsonl"), readDocs(t, "self_test.jsonl"))
			_, err := Evaluate(context.Background(), model, suite, nil, c.opts)
			if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrOptions naming %s", err, c.want)
			}
			if model.calls != 0 {
				t.Errorf("the model was called %d times", model.calls)
			}
		})
	}
	ix := testIndex(t)
	suite, _ := ix.Load([]string{"selfshot_gen"})
	docs := readDocs(t, "self_test.jsonl")
	suite.Tasks[0].SetDocs(docs, docs)
	for _, l := range []float64{1e300, math.MaxInt64, float64(len(docs) + 1)} {
		var reqs []*DocRequests
		var err error
		n := memtest.AllocatedBytes(func() { reqs, err = suite.Tasks[0].BuildRequests(Options{Limit: l}) })
		if err != nil || len(reqs) != len(docs) {
			t.Errorf("limit %g: %d documents, %v; want all %d", l, len(reqs), err, len(docs))
		}
		if n > 16<<20 {
			t.Errorf("limit %g: allocated %d bytes", l, n)
		}
	}
}

// TestDegenerateTasksFail checks the multiple-choice documents that used
// to score 0 silently: no choices, and a target that is no choice.
func TestDegenerateTasksFail(t *testing.T) {
	task := func(choice, target string) string {
		return "task: t\ndataset_path: json\ntest_split: test\noutput_type: multiple_choice\ndoc_to_text: \"{{q}}\"\n" +
			"doc_to_choice: " + choice + "\ndoc_to_target: " + target + "\n"
	}
	cases := []struct {
		name, yaml, want string
	}{
		{"empty choice list", task(`"{{[]}}"`, "0"), "doc_to_choice: doc_to_choice gave no choices"},
		{"target index too large", task(`["A", "B"]`, "2"), "doc_to_target: 2 is not an index into 2 choices"},
		{"negative target index", task(`["A", "B"]`, "label"), "doc_to_target: -1 is not an index into 2 choices"},
		{"target text not a choice", task(`["A", "B"]`, "C"), `doc_to_target: 'C' is none of the 2 choices`},
		{"target list out of range", task(`["A", "B"]`, `"{{[0, 5]}}"`), "doc_to_target: 5 is not an index into 2 choices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix, err := NewIndex(TaskSource{Name: "t", FS: fstest.MapFS{"t.yaml": {Data: []byte(c.yaml)}}})
			if err != nil {
				t.Fatal(err)
			}
			suite, err := ix.Load([]string{"t"})
			if err != nil {
				t.Fatal(err)
			}
			suite.Tasks[0].SetDocs([]data.Doc{{Columns: []string{"q", "label"}, Values: []any{"question", int64(-1)}}}, nil)
			model := &hashModel{caps: lm.Capabilities{Loglikelihood: true}}
			run, err := Evaluate(context.Background(), model, suite, nil, Options{})
			var de *DocError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a DocError with %q", err, c.want)
			}
			if len(run.Results) != 0 || model.calls != 0 {
				t.Errorf("%d results, %d model calls; want none", len(run.Results), model.calls)
			}
		})
	}
}

// TestNoTasks is issue 24's --tasks ",,": an empty list of names ran
// nothing and exited 0.
func TestNoTasks(t *testing.T) {
	ix := testIndex(t)
	if _, err := ix.Load(nil); !errors.Is(err, ErrNoTasks) {
		t.Errorf("Load of no names: %v", err)
	}
	model := &hashModel{caps: lm.Capabilities{Loglikelihood: true}}
	if _, err := Evaluate(context.Background(), model, &Suite{}, nil, Options{}); !errors.Is(err, ErrNoTasks) {
		t.Errorf("Evaluate of an empty suite: %v", err)
	}
}

// TestNonFiniteGenerationKwargs checks that a YAML .nan or .inf in
// generation_kwargs is refused with the key named, not sent to the model.
func TestNonFiniteGenerationKwargs(t *testing.T) {
	for _, c := range []struct{ kw, want string }{
		{"temperature: .nan", "generation_kwargs.temperature is NaN, not a finite number"},
		{"top_p: -.inf", "generation_kwargs.top_p is -Inf, not a finite number"},
	} {
		src := "task: g\ndataset_path: json\ntest_split: test\noutput_type: generate_until\ndoc_to_text: \"{{q}}\"\ndoc_to_target: \"x\"\n" +
			"generation_kwargs:\n  do_sample: true\n  " + c.kw + "\n"
		ix, err := NewIndex(TaskSource{Name: "t", FS: fstest.MapFS{"g.yaml": {Data: []byte(src)}}})
		if err != nil {
			t.Fatal(err)
		}
		suite, err := ix.Load([]string{"g"})
		if err != nil {
			t.Fatal(err)
		}
		suite.Tasks[0].SetDocs([]data.Doc{{Columns: []string{"q"}, Values: []any{"question"}}}, nil)
		model := &hashModel{caps: lm.Capabilities{Generate: true}}
		_, err = Evaluate(context.Background(), model, suite, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.kw, err, c.want)
		}
	}
}
