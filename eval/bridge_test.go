package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// The quiz task of testdata/bridge runs its Python functions through the
// worker; quiz_native is the same YAML whose functions are the Go ports
// below (registered under the folder path "quiz_native/..."), so the two
// must agree on every prompt, request and metric.
func init() {
	RegisterFunction("quiz_native/quiz_utils.process_docs", quizProcessDocs)
	RegisterDocFunction("quiz_native/quiz_utils.doc_to_text", quizDocToText)
	RegisterDocFunction("quiz_native/quiz_utils.doc_to_choice", quizDocToChoice)
	RegisterResultsFunction("quiz_native/quiz_utils.process_results", quizProcessResults)
	RegisterAggregationFunction("quiz_native/quiz_utils.median_margin", func(items []any) (float64, error) {
		fs := make([]float64, len(items))
		for i, v := range items {
			fs[i], _ = num(v)
		}
		sort.Float64s(fs)
		return fs[len(fs)/2], nil
	})
	RegisterSamplesFunction("quiz_native/quiz_utils.fewshot_samples", func() ([]data.Doc, error) {
		return []data.Doc{{Columns: []string{"question", "options", "label", "id", "n"}, Values: []any{"Two plus two?", []any{"3", "4"}, int64(1), int64(100), int64(2)}}}, nil
	})
}

func quizProcessDocs(docs []data.Doc) ([]data.Doc, error) {
	var out []data.Doc
	for _, d := range docs {
		opts, _ := d.Get("options")
		if len(opts.([]any)) < 2 {
			continue
		}
		q, _ := d.Get("question")
		qs := py.Strip(q.(string), nil)
		qs = strings.ToUpper(qs[:1]) + strings.ToLower(qs[1:])
		var clean []any
		for _, o := range opts.([]any) {
			clean = append(clean, py.Strip(o.(string), nil))
		}
		a, _ := d.Get("answer")
		out = append(out, data.Doc{Columns: []string{"question", "options", "label", "id", "n"},
			Values: []any{qs, clean, a, int64(len(out)), int64(len(clean))}})
	}
	return out, nil
}

func quizDocToText(d data.Doc) (any, error) {
	id, _ := d.Get("id")
	q, _ := d.Get("question")
	opts, _ := d.Get("options")
	lines := []string{fmt.Sprintf("Q%d: %s", id, q)}
	for i, o := range opts.([]any) {
		lines = append(lines, fmt.Sprintf("%c. %s", 'A'+i, o))
	}
	return strings.Join(lines, "\n") + "\nAnswer:", nil
}

func quizDocToChoice(d data.Doc) (any, error) {
	opts, _ := d.Get("options")
	var out []any
	for _, o := range opts.([]any) {
		out = append(out, " "+o.(string))
	}
	return out, nil
}

func quizProcessResults(d data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	lls := make([]float64, len(results))
	for i, r := range results {
		lls[i] = r.(py.Tuple)[0].(float64)
	}
	gold, _ := d.Get("label")
	g := int(gold.(int64))
	best, other := argmax(lls), math.Inf(-1)
	for i, ll := range lls {
		if i != g {
			other = math.Max(other, ll)
		}
	}
	acc := 0.0
	if best == g {
		acc = 1
	}
	return map[string]any{"acc": acc, "margin": lls[g] - other}, nil
}

// bridgeIndex indexes testdata/bridge with quiz copied to quiz_native, and
// the Python worker attached.
func bridgeIndex(t *testing.T) (*Index, *Python) {
	t.Helper()
	if _, err := FindPython(""); err != nil {
		t.Skip("no python3 on the PATH")
	}
	dir := t.TempDir()
	src, _ := filepath.Abs("testdata/bridge")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "quiz_native"), 0o755)
	y, _ := os.ReadFile(filepath.Join(dir, "quiz", "quiz.yaml"))
	os.WriteFile(filepath.Join(dir, "quiz_native", "quiz.yaml"), []byte(strings.Replace(string(y), "task: bridge_quiz", "task: bridge_quiz_native", 1)), 0o644)
	ix, err := NewIndex(TaskSource{Name: "bridge", FS: os.DirFS(dir), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartPython("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ix.UsePython(p)
	return ix, p
}

func loadQuiz(t *testing.T, ix *Index, name string) *Task {
	t.Helper()
	s, err := ix.Load([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	task := s.Tasks[0]
	docs, _ := filepath.Abs("testdata/bridge/quiz/quiz.jsonl")
	task.Config.DatasetKwargs = map[string]any{"data_files": map[string]any{"test": docs}}
	task.NumFewshot = 1
	if err := task.Load(context.Background(), &data.Loader{}); err != nil {
		t.Fatal(err)
	}
	return task
}

// TestBridgeMatchesPort runs the quiz task with its functions in Python
// and as Go ports and requires the same prompts, requests and metrics.
func TestBridgeMatchesPort(t *testing.T) {
	ix, _ := bridgeIndex(t)
	d := ix.Diagnose("bridge_quiz")
	if d.Err != nil || len(d.Names(ServedByPython)) != 6 || len(d.Names(ServedByGo)) != 0 {
		t.Fatalf("diagnosis of the Python quiz: %+v", d)
	}
	if d := ix.Diagnose("bridge_quiz_native"); d.Err != nil || len(d.Names(ServedByGo)) != 6 {
		t.Fatalf("diagnosis of the ported quiz: %+v", d)
	}
	var runs []*Run
	var reqs [][]string
	for _, name := range []string{"bridge_quiz", "bridge_quiz_native"} {
		task := loadQuiz(t, ix, name)
		if n := len(task.Docs()); n != 4 {
			t.Fatalf("%s: %d documents after process_docs, want 4", name, n)
		}
		docs, err := task.BuildRequests(Options{})
		if err != nil {
			t.Fatal(err)
		}
		var rs []string
		for _, dr := range docs {
			for _, in := range dr.Insts {
				rs = append(rs, py.Repr(py.Tuple(in.Args)))
			}
		}
		reqs = append(reqs, rs)
		run, err := Evaluate(context.Background(), &hashModel{caps: lm.Capabilities{Loglikelihood: true}}, &Suite{Tasks: []*Task{task}}, nil, Options{BootstrapIters: new(int)})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	if !reflect.DeepEqual(reqs[0], reqs[1]) {
		t.Errorf("requests differ:\npython %q\n    go %q", reqs[0], reqs[1])
	}
	// The choices start with a space and the target delimiter adds one.
	want := "('Q100: Two plus two?\\nA. 3\\nB. 4\\nAnswer:  4\\n\\nQ0: What colour is the sky?\\nA. blue\\nB. green\\nC. red\\nAnswer:', '  blue')"
	if reqs[0][0] != want {
		t.Errorf("first request %s, want %s", reqs[0][0], want)
	}
	a, b := runs[0].Results[0].Metrics, runs[1].Results[0].Metrics
	if len(a) != 2 || !reflect.DeepEqual(metricValues(a), metricValues(b)) {
		t.Errorf("metrics differ: python %+v, go %+v", a, b)
	}
}

func metricValues(ms []Metric) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s,%s=%.12g", m.Name, m.Filter, m.Value))
	}
	return out
}

// TestBridgeMissingImport: a module that imports a package the machine
// lacks fails with one line naming the module, the import and the YAML.
func TestBridgeMissingImport(t *testing.T) {
	ix, _ := bridgeIndex(t)
	_, err := ix.Load([]string{"bridge_broken"})
	if !errors.Is(err, ErrNoImplementation) || !strings.Contains(err.Error(), "broken/broken.yaml:4") ||
		!strings.Contains(err.Error(), "broken_utils.py imports fmkit_package_that_does_not_exist, which is not installed") || strings.Contains(err.Error(), "\n") {
		t.Errorf("missing import: %v", err)
	}
	var pe *PythonError
	if !errors.As(err, &pe) || pe.Missing != "fmkit_package_that_does_not_exist" {
		t.Errorf("missing import not reported as a PythonError: %#v", pe)
	}
}

// TestBridgeWorkerDies: a worker that dies is restarted once; dying again
// stops the run with the document's id and the finished tasks kept.
func TestBridgeWorkerDies(t *testing.T) {
	ix, p := bridgeIndex(t)
	s, err := ix.Load([]string{"bridge_dying"})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := data.ReadJSON(strings.NewReader(`{"q": "live", "a": "x"}
{"q": "die", "a": "y"}`), "d.jsonl")
	s.Tasks[0].SetDocs(docs, nil)
	_, err = Evaluate(context.Background(), &hashModel{caps: lm.Capabilities{Generate: true}}, s, nil, Options{})
	var de *DocError
	if !errors.Is(err, ErrWorkerDied) || !errors.As(err, &de) || de.DocID != 1 {
		t.Fatalf("dying worker: %v", err)
	}
	if p.restarts != 1 {
		t.Errorf("%d restarts, want 1", p.restarts)
	}
}
