package eval

import (
	"compress/gzip"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// TestIFEvalMatchesLMEval runs the ports of ifeval's and
// leaderboard_ifeval's process_results on 1,620 responses to the 540
// IFEval prompts (GPT-4's, and two variants of each in other formats) and
// requires lm-eval's four values for each, then lm-eval's aggregated
// metrics (mean and agg_inst_level_acc) over GPT-4's responses and over
// all of them (eval/ifeval/testdata/ifeval.json.gz, written by
// testdata/gen/eval/ifeval_fixtures.py).
func TestIFEvalMatchesLMEval(t *testing.T) {
	fx := readIFEvalFixture(t)
	docsV, _ := fx.Get("docs")
	rowsV, _ := fx.Get("responses")
	aggV, _ := fx.Get("aggregates")
	docs, rows := docsV.([]any), rowsV.([]any)
	if len(docs) != 540 || len(rows) != 1620 {
		t.Fatalf("%d docs, %d responses", len(docs), len(rows))
	}
	for _, dir := range []string{"ifeval", "leaderboard/ifeval"} {
		fn := resultsFunctions[dir+"/utils.process_results"]
		agg := aggregationFunctions[dir+"/utils.agg_inst_level_acc"]
		if fn == nil || agg == nil {
			t.Fatalf("%s: no port registered", dir)
		}
		items := map[string]map[string][]any{"gpt4": {}, "all": {}}
		for i, r := range rows {
			row := r.(data.Doc)
			idx, _ := row.Get("doc")
			resp, _ := row.Get("response")
			source, _ := row.Get("source")
			want, _ := row.Get("results")
			got, err := fn(docs[idx.(int64)].(data.Doc), []any{resp}, nil)
			if err != nil {
				t.Fatalf("%s response %d: %v", dir, i, err)
			}
			if w := docMap(want); !reflect.DeepEqual(got, w) {
				t.Errorf("%s response %d (doc %d, %s):\n go %v\n py %v", dir, i, idx, source, got, w)
			}
			for k, v := range got {
				items["all"][k] = append(items["all"][k], v)
				if source == "gpt4" {
					items["gpt4"][k] = append(items["gpt4"][k], v)
				}
			}
		}
		for set, metrics := range items {
			wantSet, _ := aggV.(data.Doc).Get(set)
			for _, m := range []string{"prompt_level_strict_acc", "prompt_level_loose_acc", "inst_level_strict_acc", "inst_level_loose_acc"} {
				a := aggMean
				if strings.HasPrefix(m, "inst_") {
					a = agg
				}
				got, err := a(metrics[m])
				if err != nil {
					t.Fatal(err)
				}
				want, _ := wantSet.(data.Doc).Get(m)
				if got != want.(float64) {
					t.Errorf("%s %s over %s: go %v, lm-eval %v", dir, m, set, got, want)
				}
			}
		}
	}
}

// readIFEvalFixture reads eval/ifeval's fixture, written by
// testdata/gen/eval/ifeval_fixtures.py from lm-eval's own functions.
func readIFEvalFixture(t *testing.T) data.Doc {
	t.Helper()
	f, err := os.Open("ifeval/testdata/ifeval.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	v, err := data.DecodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v.(data.Doc)
}

// TestIFEvalBadDocuments: a document without the IFEval columns, or with
// an unknown instruction, is one clear error.
func TestIFEvalBadDocuments(t *testing.T) {
	fn := resultsFunctions["ifeval/utils.process_results"]
	doc := func(cols []string, vals ...any) data.Doc { return data.Doc{Columns: cols, Values: vals} }
	kw := doc([]string{"num_words", "relation"}, int64(3), "at least")
	cases := []struct {
		doc     data.Doc
		results []any
		want    string
	}{
		{doc([]string{"prompt"}, "p"), []any{"r"}, `column "instruction_id_list" missing`},
		{doc([]string{"prompt", "instruction_id_list", "kwargs"}, "p", []any{"length_constraints:number_words"}, []any{"x"}), []any{"r"}, "kwargs[0] is"},
		{doc([]string{"prompt", "instruction_id_list", "kwargs"}, "p", []any{"nope:x"}, []any{kw}), []any{"r"}, `"nope:x"`},
		{doc([]string{"prompt", "instruction_id_list", "kwargs"}, "p", []any{"length_constraints:number_words"}, []any{kw}), []any{int64(1)}, "expected text"},
		{doc([]string{"prompt", "instruction_id_list", "kwargs"}, "p", []any{"length_constraints:number_words"}, []any{kw}), nil, "no response"},
	}
	for _, c := range cases {
		if _, err := fn(c.doc, c.results, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want one mentioning %s", c.doc, c.results, err, c.want)
		}
	}
	got, err := fn(cases[4].doc, []any{"one two three"}, nil)
	if err != nil || got["prompt_level_strict_acc"] != true || !reflect.DeepEqual(got["inst_level_loose_acc"], []any{true}) {
		t.Errorf("three words: %v, %v", got, err)
	}
	agg := aggregationFunctions["ifeval/utils.agg_inst_level_acc"]
	if _, err := agg([]any{[]any{true}, "x"}); err == nil {
		t.Error("aggregation of a non-list: no error")
	}
}

// docMap is a decoded JSON object as a map (process_results dicts are read
// by key).
func docMap(v any) map[string]any {
	d := v.(data.Doc)
	m := map[string]any{}
	for i, k := range d.Columns {
		m[k] = d.Values[i]
	}
	return m
}

// promptModel answers each prompt with a fixed response.
type promptModel struct{ responses map[string]string }

func (m *promptModel) Name() string                  { return "prompts" }
func (m *promptModel) Capabilities() lm.Capabilities { return lm.Capabilities{Generate: true} }
func (m *promptModel) Loglikelihood(context.Context, []lm.LoglikelihoodRequest, lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return nil, lm.ErrUnsupported
}
func (m *promptModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (m *promptModel) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = m.responses[r.Context]
	}
	return out, nil
}

// TestIFEvalTasksEndToEnd runs lm-eval's ifeval.yaml and the
// leaderboard's (testdata/ifeval, pointed at local documents) on the 540
// IFEval prompts with GPT-4's responses and requires lm-eval's four
// metrics, the inst-level ones without a standard error as in lm-eval.
func TestIFEvalTasksEndToEnd(t *testing.T) {
	fx := readIFEvalFixture(t)
	docsV, _ := fx.Get("docs")
	rowsV, _ := fx.Get("responses")
	aggV, _ := fx.Get("aggregates")
	dir := t.TempDir()
	var lines []string
	responses := map[string]string{}
	for _, d := range docsV.([]any) {
		lines = append(lines, py.JSON(d, 0))
	}
	for _, r := range rowsV.([]any) {
		row := r.(data.Doc)
		if src, _ := row.Get("source"); src == "gpt4" {
			i, _ := row.Get("doc")
			p, _ := docsV.([]any)[i.(int64)].(data.Doc).Get("prompt")
			resp, _ := row.Get("response")
			responses[p.(string)] = resp.(string)
		}
	}
	docsFile := filepath.Join(dir, "ifeval_docs.jsonl")
	if err := os.WriteFile(docsFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs("testdata/ifeval")
	ix, err := NewIndex(TaskSource{Name: "ifeval", FS: os.DirFS(src), Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := aggV.(data.Doc).Get("gpt4")
	for _, name := range []string{"ifeval", "leaderboard_ifeval"} {
		if d := ix.Diagnose(name); d.Err != nil || len(d.Names(ServedByGo)) != 2 || len(d.Names(ServedByPython)) != 0 {
			t.Fatalf("%s: diagnosis %+v", name, d)
		}
		s, err := ix.Load([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		task := s.Tasks[0]
		task.Config.DatasetKwargs = map[string]any{"data_files": map[string]any{"train": docsFile}}
		if err := task.Load(context.Background(), &data.Loader{}); err != nil {
			t.Fatal(err)
		}
		run, err := Evaluate(context.Background(), &promptModel{responses}, s, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc"} {
			got, ok := run.Results[0].Metric(m, "none")
			w, _ := want.(data.Doc).Get(m)
			if !ok || got.Value != w.(float64) {
				t.Errorf("%s %s: %+v, want %v", name, m, got, w)
			}
			if strings.HasPrefix(m, "inst_") != math.IsNaN(got.Stderr) {
				t.Errorf("%s %s: stderr %v", name, m, got.Stderr)
			}
		}
	}
}
