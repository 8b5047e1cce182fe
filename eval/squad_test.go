package eval

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// squadModel answers by document: its generation and its log-probability
// of " unanswerable".
type squadModel struct {
	gen map[string]string
	ll  map[string]float64
}

func (m *squadModel) Name() string { return "squad-script" }
func (m *squadModel) Capabilities() lm.Capabilities {
	return lm.Capabilities{Generate: true, Loglikelihood: true}
}
func (m *squadModel) Loglikelihood(_ context.Context, reqs []lm.LoglikelihoodRequest, _ lm.Progress) ([]lm.LoglikelihoodResult, error) {
	out := make([]lm.LoglikelihoodResult, len(reqs))
	for i, r := range reqs {
		out[i] = lm.LoglikelihoodResult{LogProb: m.ll[r.Context]}
	}
	return out, nil
}
func (m *squadModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (m *squadModel) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		if len(r.Until) != 1 || r.Until[0] != "\n" {
			return nil, errTest("squadv2 generates until a newline")
		}
		out[i] = m.gen[r.Context]
	}
	return out, nil
}

type errTest string

func (e errTest) Error() string { return string(e) }

// TestSQuAD2 runs lm-eval's squadv2 YAML (class: task.SQuAD2) through the
// Go task on scripted answers and compares every metric with the official
// SQuAD 2.0 evaluation's (testdata/squad.json, testdata/gen/eval/
// squad_fixtures.py).
func TestSQuAD2(t *testing.T) {
	b, err := os.ReadFile("testdata/squad.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Docs    json.RawMessage
		Results [][2]json.RawMessage
		Scores  map[string]float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	dir, _ := os.Getwd()
	ix, err := NewIndex(TaskSource{Name: "squad", FS: os.DirFS("testdata/squad"), Dir: dir + "/testdata/squad"})
	if err != nil {
		t.Fatal(err)
	}
	for ci, c := range cases {
		s, err := ix.Load([]string{"squadv2"})
		if err != nil {
			t.Fatal(err)
		}
		task := s.Tasks[0]
		dv, err := data.DecodeJSON(c.Docs)
		if err != nil {
			t.Fatal(err)
		}
		var docs []data.Doc
		for _, d := range dv.([]any) {
			docs = append(docs, d.(data.Doc))
		}
		task.SetDocs(docs, nil)
		reqs, err := task.BuildRequests(Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := &squadModel{gen: map[string]string{}, ll: map[string]float64{}}
		for i, d := range reqs {
			want := "Title: T\n\nBackground: C\n\nQuestion: Q\n\nAnswer:"
			if len(d.Insts) != 2 || d.Insts[0].Type != GenerateUntil || d.Insts[1].Type != Loglikelihood ||
				d.Insts[0].Args[0] != want || py.Repr(d.Insts[0].Args[1]) != `{'until': ['\n']}` || d.Insts[1].Args[1] != " unanswerable" {
				t.Fatalf("requests %s", py.Repr(d.Insts[0].Args))
			}
			// The contexts are all alike here: give each document its own.
			ctx := want + string(rune('a'+i))
			d.Insts[0].Args[0], d.Insts[1].Args[0] = ctx, ctx
			var gen string
			var ll []any
			json.Unmarshal(c.Results[i][0], &gen)
			json.Unmarshal(c.Results[i][1], &ll)
			m.gen[ctx], m.ll[ctx] = gen, ll[0].(float64)
		}
		run := &Run{Suite: s, opts: Options{BootstrapIters: new(int)}, model: m}
		var insts []*Instance
		for _, d := range reqs {
			insts = append(insts, d.Insts...)
		}
		if err := run.answer(context.Background(), task, 0, insts); err != nil {
			t.Fatal(err)
		}
		res, err := run.score(context.Background(), task, reqs, task.settings(Options{}))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range squadMetrics {
			want, ok := c.Scores[k]
			if !ok {
				want = 0 // lm-eval's _squad_agg: .get(key, 0)
			}
			got, _ := res.Metric(k, "none")
			if math.Abs(got.Value-want) > 1e-12 {
				t.Errorf("case %d %s: %v, want %v", ci, k, got.Value, want)
			}
		}
	}
	if tgt, _ := squadTarget(data.Doc{Columns: []string{"answers"}, Values: []any{data.Doc{Columns: []string{"text"}, Values: []any{[]any{}}}}}); tgt != " unanswerable" {
		t.Errorf("target of an unanswerable question: %q", tgt)
	}
}
