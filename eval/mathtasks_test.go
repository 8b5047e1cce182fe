package eval

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/lm"
)

func builtinIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: tasks.FS()})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestBuiltinMathTasks checks the math tasks resolve as published: lm-eval's
// minerva_math (seven subjects; math500 apart), gsm8k and gsm8k_cot, and
// the Llemma fork's flavours with their stop sequences and sampling.
func TestBuiltinMathTasks(t *testing.T) {
	ix := builtinIndex(t)
	for _, tc := range []struct {
		name          string
		tasks, groups int
		dataset, conf string
		shots         int
		until         string
		repeats       int
		metrics       string
		filters       string
	}{
		{"minerva_math", 7, 1, "EleutherAI/hendrycks_math", "algebra", 4, "Problem:", 1, "exact_match math_verify", "none"},
		{"minerva_math500", 1, 0, "HuggingFaceH4/MATH-500", "default", 4, "Problem:", 1, "exact_match math_verify", "none"},
		{"gsm8k", 1, 0, "openai/gsm8k", "main", 5, "Question:|</s>|<|im_end|>", 1, "exact_match", "strict-match flexible-extract"},
		{"gsm8k_cot", 1, 0, "openai/gsm8k", "main", 8, "Q:|</s>|<|im_end|>", 1, "exact_match", "strict-match flexible-extract"},
		{"gsm8k_cot_self_consistency", 1, 0, "openai/gsm8k", "main", 8, "Q:|\n\n", 64, "exact_match", "score-first maj@64 maj@8"},
		{"llemma_minerva_math", 7, 1, "EleutherAI/hendrycks_math", "algebra", 4, "I hope it is correct.", 1, "exact_match math_verify", "none"},
		{"llemma_minerva_math_majk", 7, 1, "EleutherAI/hendrycks_math", "algebra", 4, "I hope it is correct.", 256, "exact_match pass_rate math_verify", "maj@256"},
		{"llemma_gsm8k", 1, 0, "openai/gsm8k", "main", 8, "\n\n", 1, "exact_match", "none"},
		{"llemma_gsm8k_majk", 1, 0, "openai/gsm8k", "main", 8, "\n\n", 100, "exact_match pass_rate", "maj@100"},
	} {
		s, err := ix.Load([]string{tc.name})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(s.Tasks) != tc.tasks || len(s.Groups) != tc.groups {
			t.Errorf("%s: %d tasks, %d groups; want %d, %d", tc.name, len(s.Tasks), len(s.Groups), tc.tasks, tc.groups)
		}
		task := s.Tasks[0]
		c := task.Config
		var metrics, filters []string
		for _, m := range c.Metrics {
			metrics = append(metrics, m.Name)
		}
		for _, f := range c.Filters {
			filters = append(filters, f.Name)
		}
		until := c.GenerationKwargs["until"]
		var stops []string
		for _, u := range until.([]any) {
			stops = append(stops, u.(string))
		}
		if c.DatasetPath != tc.dataset || c.DatasetName != tc.conf || task.NumFewshot != tc.shots || strings.Join(stops, "|") != tc.until ||
			c.Repeats != tc.repeats || strings.Join(metrics, " ") != tc.metrics || strings.Join(filters, " ") != tc.filters {
			t.Errorf("%s: %s/%s %d-shot until %q repeats %d metrics %v filters %v", task.Name, c.DatasetPath, c.DatasetName, task.NumFewshot, stops, c.Repeats, metrics, filters)
		}
	}
	s, _ := ix.Load([]string{"minerva_math"})
	var subjects []string
	for _, task := range s.Tasks {
		subjects = append(subjects, task.Name+"="+task.Config.DatasetName)
	}
	want := "minerva_math_algebra=algebra minerva_math_counting_and_prob=counting_and_probability minerva_math_geometry=geometry minerva_math_intermediate_algebra=intermediate_algebra minerva_math_num_theory=number_theory minerva_math_prealgebra=prealgebra minerva_math_precalc=precalculus"
	if got := strings.Join(subjects, " "); got != want {
		t.Errorf("minerva_math subjects:\n got %s\nwant %s", got, want)
	}
	majk, _ := ix.Load([]string{"llemma_minerva_math_majk_algebra"})
	g := majk.Tasks[0].Config.GenerationKwargs
	for k, want := range map[string]any{"do_sample": true, "temperature": 0.6, "top_p": 0.95} {
		if v := g[k]; v != want {
			t.Errorf("llemma majk %s = %v, want %v", k, v, want)
		}
	}
}

// loadLocal points a built-in task at the local documents of
// testdata/docs/math, as a run without network would, and loads it.
func loadLocal(t *testing.T, ix *Index, name string, files map[string]string) *Task {
	t.Helper()
	s, err := ix.Load([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	task := s.Tasks[0]
	df := map[string]any{}
	for split, f := range files {
		df[split] = filepath.Join("testdata", "docs", "math", f)
	}
	kw := map[string]any{"data_files": df}
	task.Config.DatasetPath, task.Config.DatasetName, task.Config.DatasetKwargs = "json", "", kw
	if err := task.Load(context.Background(), &data.Loader{}); err != nil {
		t.Fatal(err)
	}
	return task
}

var mathFiles = map[string]map[string]string{
	"minerva_math_algebra":        {"test": "hendrycks_math_test.jsonl"},
	"minerva_math500":             {"test": "math500_test.jsonl"},
	"llemma_minerva_math_algebra": {"test": "hendrycks_math_test.jsonl"},
	"llemma_gsm8k":                {"test": "gsm8k_test.jsonl"},
	"gsm8k_cot":                   {"test": "gsm8k_test.jsonl"},
	"gsm8k":                       {"test": "gsm8k_test.jsonl", "train": "gsm8k_train.jsonl"},
}

// TestMathPrompts renders the math tasks on local documents and compares
// prompts, targets and process_docs' answers with the published sources
// (testdata/gen/mathcheck/prompt_fixtures.py).
func TestMathPrompts(t *testing.T) {
	b, err := os.ReadFile("testdata/math_prompts.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture map[string][]struct {
		Doc    int     `json:"doc"`
		Prompt string  `json:"prompt"`
		Target *string `json:"target"`
		Answer *string `json:"answer"`
	}
	if err := json.Unmarshal(b, &fixture); err != nil {
		t.Fatal(err)
	}
	ix := builtinIndex(t)
	for name, cases := range fixture {
		task := loadLocal(t, ix, name, mathFiles[name])
		for _, c := range cases {
			r, err := RenderDoc(task, c.Doc)
			if err != nil {
				t.Fatalf("%s doc %d: %v", name, c.Doc, err)
			}
			if r.Prompt != c.Prompt {
				t.Errorf("%s doc %d: prompt differs\n got %q\nwant %q", name, c.Doc, r.Prompt, c.Prompt)
			}
			if c.Target != nil && r.Target != *c.Target {
				t.Errorf("%s doc %d: target %q, want %q", name, c.Doc, r.Target, *c.Target)
			}
			if c.Answer != nil {
				if a, _ := task.Docs()[c.Doc].Get("answer"); a != *c.Answer {
					t.Errorf("%s doc %d: answer column %q, want %q", name, c.Doc, a, *c.Answer)
				}
			}
		}
	}
}

// scriptModel answers each generation request from a script: the
// responses for the prompt that contains a key, in turn (repeats of a
// sampled request get the next one).
type scriptModel struct {
	script map[string][]string
	calls  map[string]int
}

func (m *scriptModel) Name() string                  { return "script" }
func (m *scriptModel) Capabilities() lm.Capabilities { return lm.Capabilities{Generate: true} }
func (m *scriptModel) Loglikelihood(context.Context, []lm.LoglikelihoodRequest, lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return nil, lm.ErrUnsupported
}
func (m *scriptModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (m *scriptModel) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		// The last question of the prompt identifies the document.
		last := r.Context[max(strings.LastIndex(r.Context, "Problem:"), strings.LastIndex(r.Context, "Q:"), 0):]
		for key, resps := range m.script {
			if strings.Contains(last, key) {
				out[i] = resps[m.calls[key]%len(resps)]
				m.calls[key]++
			}
		}
	}
	return out, nil
}

func final(a string) string {
	return "Some work.\nFinal Answer: The final answer is $" + a + "$. I hope it is correct."
}

func metric(t *testing.T, run *Run, key string) any {
	t.Helper()
	name, filter, _ := strings.Cut(key, ",")
	m, ok := run.Results[0].Metric(name, filter)
	if !ok {
		t.Fatalf("no %s in %v", key, run.Results[0].Metrics)
	}
	return m.Value
}

// TestMathScoring runs minerva_math end to end on scripted generations:
// equivalent forms count, a wrong answer and an answer outside the
// Minerva sentence do not.
func TestMathScoring(t *testing.T) {
	ix := builtinIndex(t)
	script := map[string][]string{
		"sqrt{36":              {final("12.0")},
		"domain of":            {final("(3, \\infty)")},
		"polar coordinates":    {final("\\left( 3, \\frac{\\pi}{2} \\right)")},
		"perimeter of 20 feet": {"The area is 24 square feet."}, // no final-answer sentence: exact_match 0, math_verify 1
		"Compute":              {final("\\begin{pmatrix} 3 \\\\ 3 \\end{pmatrix}")},
		"frac{1}{3}":           {final("0.8\\overline{3}")},
	}
	for _, tc := range []struct {
		task        string
		compat      bool
		exact, veri float64
	}{
		// 12.0, (3,∞), the polar point and 5/6 as a repeating decimal are
		// right; the matrix is wrong; the perimeter answer has no final
		// sentence but math_verify finds its number.
		{"minerva_math_algebra", false, 4.0 / 6, 5.0 / 6},
		{"llemma_minerva_math_algebra", false, 4.0 / 6, 5.0 / 6},
		// The published normalization turns "\infty" into "\iny" and
		// "\left(" into "\le(" in gold and prediction alike, and
		// 0.8\overline{3} into 0.83; lm-eval's is_equiv cannot parse the
		// first two and, without a string shortcut, scores them wrong.
		{"minerva_math_algebra", true, 1.0 / 6, 5.0 / 6},
		// Llemma's scorer had the shortcut: identical strings count.
		{"llemma_minerva_math_algebra", true, 3.0 / 6, 5.0 / 6},
	} {
		task := loadLocal(t, ix, tc.task, mathFiles[tc.task])
		if tc.compat {
			for _, m := range task.Config.Metrics {
				m.Kwargs["minerva_compat"] = true
			}
		}
		run, err := Evaluate(context.Background(), &scriptModel{script: script, calls: map[string]int{}}, &Suite{Tasks: []*Task{task}}, nil, Options{LogSamples: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := metric(t, run, "exact_match,none"); got != tc.exact {
			t.Errorf("%s compat=%v: exact_match %v, want %v", tc.task, tc.compat, got, tc.exact)
		}
		if got := metric(t, run, "math_verify,none"); got != tc.veri {
			t.Errorf("%s compat=%v: math_verify %v, want %v", tc.task, tc.compat, got, tc.veri)
		}
		s := run.Results[0].Samples[0]
		if v := s.Values["exact_match"]; v != int64(1) {
			t.Errorf("%s: sample 0 exact_match %v", tc.task, v)
		}
		// Both metric names, as lm-eval's tables have them.
		js := ResultsJSONString(run, RunInfo{Model: "script"})
		for _, want := range []string{`"exact_match,none"`, `"math_verify,none"`, `"exact_match_stderr,none"`, `"process_results": "!function utils.process_results`} {
			if !strings.Contains(js, want) {
				t.Errorf("%s: results JSON lacks %s", tc.task, want)
			}
		}
	}
}

// TestMathMajorityVote runs the Llemma fork's maj@k on scripted samples.
func TestMathMajorityVote(t *testing.T) {
	ix := builtinIndex(t)
	task := loadLocal(t, ix, "llemma_minerva_math_majk_algebra", map[string]string{"test": "hendrycks_math_test.jsonl"})
	task.Config.Repeats = 4
	task.Config.Filters[0].Steps[0].Kwargs["k"] = int64(4)
	task.Config.Filters[0].Name = "maj@4"
	script := map[string][]string{
		// 12 in two forms wins: pass rate 3/4.
		"sqrt{36": {final("12"), final("12.0"), final("13"), final("\\frac{24}{2}")},
		// The wrong answer wins 2 to 1; the invalid sample still counts in
		// the pass rate's denominator: 1/4.
		"domain of": {final("[3,\\infty)"), "no answer", final("[3,\\infty)"), final("(3,\\infty)")},
		// Tie between 1 and 2 (first wins); gold is neither.
		"polar coordinates":    {final("1"), final("2")},
		"perimeter of 20 feet": {final("24")},
		"Compute":              {"nothing", "nothing"},
		"frac{1}{3}":           {final("\\frac{5}{6}"), final("\\frac{10}{12}"), final("0.8\\overline{3}"), final("1")},
	}
	run, err := Evaluate(context.Background(), &scriptModel{script: script, calls: map[string]int{}}, &Suite{Tasks: []*Task{task}}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Elected right: docs 0, 3, 5. Pass rates 3/4, 1/4, 0, 4/4, 0, 3/4.
	if got := metric(t, run, "exact_match,maj@4"); got != 3.0/6 {
		t.Errorf("exact_match,maj@4 = %v, want 0.5", got)
	}
	want := (0.75 + 0.25 + 0 + 1 + 0 + 0.75) / 6
	if got := metric(t, run, "pass_rate,maj@4"); got != want {
		t.Errorf("pass_rate,maj@4 = %v, want %v", got, want)
	}
}

// TestGSM8KScoring scores the lm-eval and Llemma GSM8k flavours on the
// same generations: Llemma's pattern needs a non-negative integer.
func TestGSM8KScoring(t *testing.T) {
	ix := builtinIndex(t)
	script := map[string][]string{
		"Janet":   {"She sells 9 eggs for $2 each. The answer is 18."},
		"robe":    {"It takes 2 + 1 = 3 bolts. The answer is 3.0."},
		"pencils": {"They sold 2,000 pencils. The answer is 2,000."},
	}
	for _, tc := range []struct {
		task, key string
		want      float64
	}{
		// lm-eval compares "3.0" with "3" as strings (wrong) and drops
		// the commas of "2,000" on both sides (right).
		{"gsm8k_cot", "exact_match,strict-match", 2.0 / 3},
		{"gsm8k_cot", "exact_match,flexible-extract", 2.0 / 3},
		// Llemma's \d+ reads "3.0" as "3" (right) and "2,000" as "2"
		// against the gold 2000 (wrong).
		{"llemma_gsm8k", "exact_match,none", 2.0 / 3},
	} {
		task := loadLocal(t, ix, tc.task, mathFiles[tc.task])
		run, err := Evaluate(context.Background(), &scriptModel{script: script, calls: map[string]int{}}, &Suite{Tasks: []*Task{task}}, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := metric(t, run, tc.key); got != tc.want {
			t.Errorf("%s %s = %v, want %v", tc.task, tc.key, got, tc.want)
		}
	}
	task := loadLocal(t, ix, "llemma_gsm8k_majk", map[string]string{"test": "gsm8k_test.jsonl"})
	task.Config.Repeats = 3
	task.Config.Filters[0].Steps[0].Kwargs["k"] = int64(3)
	script = map[string][]string{
		"Janet":   {"The answer is 18.", "The answer is 18.", "The answer is 16."},
		"robe":    {"The answer is 2.", "I am not sure.", "The answer is 3."},
		"pencils": {"The answer is 2000.", "The answer is 2000.", "The answer is 2000."},
	}
	run, err := Evaluate(context.Background(), &scriptModel{script: script, calls: map[string]int{}}, &Suite{Tasks: []*Task{task}}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Janet: 18 elected, 2/3. Robe: tie 2 vs 3, 2 elected, pass rate 1/2
	// (of the two valid answers). Pencils: 2000 elected, 3/3.
	if got := metric(t, run, "exact_match,maj@100"); got != 2.0/3 {
		t.Errorf("exact_match,maj@100 = %v, want 2/3", got)
	}
	if got, want := metric(t, run, "pass_rate,maj@100"), (2.0/3+0.5+1)/3; got != want {
		t.Errorf("pass_rate,maj@100 = %v, want %v", got, want)
	}
}

func TestMathTaskErrors(t *testing.T) {
	docs, err := data.ReadJSON(strings.NewReader(`{"problem": "p", "solution": "no box here"}`), "doc.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := minervaProcessDocs(docs); err == nil || !strings.Contains(err.Error(), "document 0") {
		t.Errorf("solution without a box: %v", err)
	}
	docs, _ = data.ReadJSON(strings.NewReader(`{"problem": "p"}`), "doc.jsonl")
	if _, err := minervaProcessDocs(docs); err == nil || !strings.Contains(err.Error(), `"solution"`) {
		t.Errorf("missing solution: %v", err)
	}
	// An \fbox, on which the published remove_boxed raises, is read by
	// the fixed extraction.
	docs, _ = data.ReadJSON(strings.NewReader(`{"problem": "p", "solution": "So $\\fbox{7}$."}`), "doc.jsonl")
	out, err := minervaProcessDocs(docs)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := out[0].Get("answer"); a != "7" {
		t.Errorf("fbox answer %v", a)
	}
	if _, err := generations([]any{int64(3)}); err == nil {
		t.Error("a non-text response was accepted")
	}
	// A process_results function must return every metric of metric_list.
	suite, err := NewIndexFromYAML(t, "minerva_math/bad.yaml", "task: bad\ndataset_path: x\ntest_split: test\ndoc_to_text: \"{{problem}}\"\nprocess_results: !function utils.process_results\nmetric_list:\n  - metric: accuracy\n")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ = data.ReadJSON(strings.NewReader(`{"problem": "p", "solution": "$\\boxed{1}$", "answer": "1"}`), "d.jsonl")
	suite.Tasks[0].SetDocs(docs, nil)
	_, err = Evaluate(context.Background(), &scriptModel{script: map[string][]string{"": {final("1")}}, calls: map[string]int{}}, suite, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "returned no accuracy") || !strings.Contains(err.Error(), "document 0") {
		t.Errorf("missing metric: %v", err)
	}
	// An unknown process_results function is reported when the task loads.
	_, err = NewIndexFromYAML(t, "x/bad.yaml", "task: bad\ndataset_path: x\ntest_split: test\nprocess_results: !function utils.nowhere\n")
	if !errors.Is(err, ErrNoImplementation) || !strings.Contains(err.Error(), "!function utils.nowhere") || !strings.Contains(err.Error(), "x/bad.yaml:4") {
		t.Errorf("unknown process_results: %v", err)
	}
}

// seedModel records the seed of every generation request.
type seedModel struct {
	scriptModel
	seeds map[int64]int
}

func (m *seedModel) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, p lm.Progress) ([]string, error) {
	for _, r := range reqs {
		if !r.DoSample {
			return nil, errors.New("expected sampled requests")
		}
		m.seeds[r.Seed]++
	}
	return m.scriptModel.GenerateUntil(ctx, reqs, p)
}

// TestRepeatsSeeds checks that the repeats of a sampled request ask for
// different random streams (seed, seed+1, …), so that deterministic
// backends and the response cache return k different samples.
func TestRepeatsSeeds(t *testing.T) {
	task := loadLocal(t, builtinIndex(t), "llemma_gsm8k_majk", map[string]string{"test": "gsm8k_test.jsonl"})
	task.Config.Repeats = 4
	task.Config.Filters[0].Steps[0].Kwargs["k"] = int64(4)
	m := &seedModel{scriptModel: scriptModel{script: map[string][]string{"": {"The answer is 1."}}, calls: map[string]int{}}, seeds: map[int64]int{}}
	if _, err := Evaluate(context.Background(), m, &Suite{Tasks: []*Task{task}}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	// Three documents, four repeats each: seeds 0..3, three requests each.
	want := map[int64]int{0: 3, 1: 3, 2: 3, 3: 3}
	if !reflect.DeepEqual(m.seeds, want) {
		t.Errorf("seeds %v, want %v", m.seeds, want)
	}
}
