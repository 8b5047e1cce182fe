package eval

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// recordModel records every generation request it is sent.
type recordModel struct {
	hashModel
	gens []lm.GenerateRequest
	// short makes the model answer one request fewer than asked.
	short bool
}

func (m *recordModel) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, p lm.Progress) ([]string, error) {
	m.gens = append(m.gens, reqs...)
	out, err := m.hashModel.GenerateUntil(ctx, reqs, p)
	if m.short {
		out = out[1:]
	}
	return out, err
}

const settingsYAML = `task: bad
dataset_path: x
test_split: test
doc_to_text: "Q: {{q}}\nA:"
doc_to_target: "{{a}}"
generation_kwargs:
  until: ["\n"]
  max_gen_toks: 32
`

func settingsTask(t *testing.T) *Task {
	t.Helper()
	s, err := NewIndexFromYAML(t, "s/bad.yaml", settingsYAML)
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := data.ReadJSON(strings.NewReader(`{"q": "one", "a": "1"}
{"q": "two", "a": "2"}
{"q": "three", "a": "3"}`), "d.jsonl")
	s.Tasks[0].SetDocs(docs, docs)
	return s.Tasks[0]
}

// TestRunSettingsStayInTheRun checks that a run's overrides (few-shot
// count and seed, generation kwargs) reach its requests and results but
// neither the caller's Task nor the next run.
func TestRunSettingsStayInTheRun(t *testing.T) {
	task := settingsTask(t)
	before := map[string]any{}
	for k, v := range task.Config.GenerationKwargs {
		before[k] = v
	}
	two, seed := 2, int64(7)
	runs := []struct {
		opts     Options
		maxToks  int
		temp     float64
		nshot    int
		kwargOrd string
	}{
		{Options{NumFewshot: &two, FewshotSeed: &seed, GenKwargs: map[string]any{"max_gen_toks": int64(5), "temperature": 0.5}}, 5, 0.5, 2,
			`{'until': ['\n'], 'max_gen_toks': 5, 'temperature': 0.5}`},
		// The same task again without options: nothing of the first run
		// remains, and kwargs do not accumulate.
		{Options{}, 32, 0, 0, `{'until': ['\n'], 'max_gen_toks': 32}`},
		{Options{GenKwargs: map[string]any{"do_sample": false}}, 32, 0, 0, `{'until': ['\n'], 'max_gen_toks': 32, 'do_sample': False}`},
	}
	for i, r := range runs {
		m := &recordModel{hashModel: hashModel{caps: lm.Capabilities{Generate: true}}}
		run, err := Evaluate(context.Background(), m, &Suite{Tasks: []*Task{task}}, nil, r.opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.gens) != 3 {
			t.Fatalf("run %d: %d requests, want 3", i, len(m.gens))
		}
		g := m.gens[0]
		if g.MaxTokens != r.maxToks || g.Temperature != r.temp {
			t.Errorf("run %d: max tokens %d temperature %g, want %d %g", i, g.MaxTokens, g.Temperature, r.maxToks, r.temp)
		}
		if got := strings.Count(g.Context, "Q:"); got != r.nshot+1 {
			t.Errorf("run %d: %d questions in the prompt, want %d", i, got, r.nshot+1)
		}
		if res := run.Results[0]; res.NumFewshot != r.nshot {
			t.Errorf("run %d: result says %d-shot, want %d", i, res.NumFewshot, r.nshot)
		}
		js := ResultsJSONString(run, RunInfo{Model: "m"})
		if !strings.Contains(js, `"num_fewshot": `+string(rune('0'+r.nshot))) {
			t.Errorf("run %d: config dump lacks num_fewshot %d", i, r.nshot)
		}
		docs, err := task.BuildRequests(r.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := py.Repr(docs[0].Insts[0].Args[1]); got != r.kwargOrd {
			t.Errorf("run %d: generation kwargs %s, want %s", i, got, r.kwargOrd)
		}
		if task.NumFewshot != 0 || task.FewshotSeed != 1234 || !reflect.DeepEqual(task.Config.GenerationKwargs, before) {
			t.Errorf("run %d wrote into the task: %d-shot, seed %d, kwargs %v", i, task.NumFewshot, task.FewshotSeed, task.Config.GenerationKwargs)
		}
	}
}

// TestChunkedChecksCounts checks that a model answering fewer requests
// than it was sent stops the run with an error naming the counts.
func TestChunkedChecksCounts(t *testing.T) {
	task := settingsTask(t)
	m := &recordModel{hashModel: hashModel{caps: lm.Capabilities{Generate: true}}, short: true}
	_, err := Evaluate(context.Background(), m, &Suite{Tasks: []*Task{task}}, nil, Options{ChunkSize: 2})
	if err == nil || !strings.Contains(err.Error(), "returned 1 generate_until results for 2 requests") {
		t.Errorf("short answer: %v", err)
	}
}

func TestChunkedOrderAndGrouping(t *testing.T) {
	run := &Run{model: &hashModel{}, opts: Options{ChunkSize: 2}}
	reqs := []string{"a", "bbb", "bb", "bbb", "c"}
	order := longestFirst(len(reqs), func(i int) int { return len(reqs[i]) }, nil)
	var calls [][]string
	var reported []int
	out, err := chunked(context.Background(), run, "echo", reqs, order,
		func(prev, next string) bool { return prev == next },
		func(_ context.Context, b []string) ([]string, error) {
			calls = append(calls, b)
			res := make([]string, len(b))
			for i, s := range b {
				res[i] = strings.ToUpper(s)
			}
			return res, nil
		}, 3, func(n int) { reported = append(reported, n) })
	if err != nil {
		t.Fatal(err)
	}
	// Longest first; the two "bbb" stay in one call; answers go back to
	// their positions; progress counts three repeats per request.
	wantCalls := [][]string{{"bbb", "bbb"}, {"bb", "a"}, {"c"}}
	if !reflect.DeepEqual(calls, wantCalls) || !reflect.DeepEqual(out, []string{"A", "BBB", "BB", "BBB", "C"}) || !reflect.DeepEqual(reported, []int{6, 6, 3}) {
		t.Errorf("calls %v out %v reported %v", calls, out, reported)
	}
	_, err = chunked(context.Background(), run, "echo", reqs, nil, nil,
		func(context.Context, []string) ([]string, error) { return nil, errors.New("down") }, 1, func(int) {})
	if err == nil || !strings.Contains(err.Error(), "model hash-model: echo: down") {
		t.Errorf("failing model: %v", err)
	}
}

func TestSweepRows(t *testing.T) {
	mk := func(name string, ms ...Metric) *TaskResult { return &TaskResult{Name: name, Metrics: ms} }
	runs := []*Run{
		{Results: []*TaskResult{mk("a", Metric{Name: "acc", Filter: "none", Value: 0.5}, Metric{Name: "acc_norm", Filter: "none", Value: 0.6})}},
		{Results: []*TaskResult{mk("a", Metric{Name: "acc", Filter: "none", Value: 0.7}), mk("b", Metric{Name: "exact_match", Filter: "strict", Value: 0.1})}},
	}
	rows := SweepRows(runs)
	if len(rows) != 3 || rows[0].Values[1] != 0.7 || !math.IsNaN(rows[1].Values[1]) || !math.IsNaN(rows[2].Values[0]) || rows[2].Filter != "strict" {
		t.Fatalf("rows %+v", rows)
	}
	prim := PrimaryRows(rows)
	if len(prim) != 2 || prim[0].Metric != "acc" || prim[1].Metric != "exact_match" {
		t.Errorf("primary rows %+v", prim)
	}
	table := SweepTable([]float64{1, 1.5}, rows, "last-token")
	// pytablewriter's layout of these cells (as lm-eval's tables).
	want := "classifier-free guidance sweep, unconditional branch last-token\n" +
		"|Task|  Metric   |Filter|γ=1|γ=1.5|\n|----|-----------|------|--:|----:|\n|a   |acc        |none  |0.5|  0.7|\n|a   |acc_norm   |none  |0.6|     |\n|b   |exact_match|strict|   |  0.1|\n"
	if table != want {
		t.Errorf("sweep table:\n%s\nwant\n%s", table, want)
	}
}
