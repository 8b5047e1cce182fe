package eval

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
)

// hashModel is a deterministic test double: log-probabilities derived
// from a hash of the request, generations from the context.
type hashModel struct {
	caps  lm.Capabilities
	calls int
}

func (m *hashModel) Name() string                  { return "hash-model" }
func (m *hashModel) Capabilities() lm.Capabilities { return m.caps }
func (m *hashModel) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, _ lm.Progress) ([]lm.LoglikelihoodResult, error) {
	m.calls++
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]lm.LoglikelihoodResult, len(reqs))
	for i, r := range reqs {
		h := fnv.New32a()
		h.Write([]byte(r.Context + "|" + r.Continuation))
		v := h.Sum32()
		out[i] = lm.LoglikelihoodResult{LogProb: -float64(v%1000) / 100, IsGreedy: v%7 == 0}
	}
	return out, nil
}
func (m *hashModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (m *hashModel) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = " The answer is " + string("ABCD"[len(r.Context)%4]) + "."
	}
	return out, nil
}

// TestEvaluateEndToEnd runs KMMLU 5-shot on fixture documents with a test
// double, writes the files, and recomputes every reported number from the
// sample log.
func TestEvaluateEndToEnd(t *testing.T) {
	ix := testIndex(t)
	suite, err := ix.Load([]string{"kmmlu_accounting", "selfshot_gen"})
	if err != nil {
		t.Fatal(err)
	}
	suite.Tasks[0].SetDocs(readDocs(t, "kmmlu_test.jsonl"), readDocs(t, "kmmlu_dev.jsonl"))
	suite.Tasks[1].SetDocs(readDocs(t, "self_test.jsonl"), readDocs(t, "self_test.jsonl"))
	five := 5
	model := &hashModel{caps: lm.Capabilities{Loglikelihood: true, Generate: true}}
	var last Progress
	run, err := Evaluate(context.Background(), model, suite, nil, Options{NumFewshot: &five, LogSamples: true, ChunkSize: 7, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if last.Done != last.Total || last.Task != "selfshot_gen" {
		t.Errorf("last progress %+v", last)
	}
	dir := t.TempDir()
	path, err := run.WriteFiles(dir, RunInfo{Model: "org/model"})
	if err != nil {
		t.Fatal(err)
	}
	var results struct {
		Results map[string]map[string]any `json:"results"`
		NShot   map[string]int            `json:"n-shot"`
		Fmkit   map[string]any            `json:"fmkit"`
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ task, metric string }{{"kmmlu_accounting", "acc,none"}, {"selfshot_gen", "exact_match,strict"}} {
		files, _ := filepath.Glob(filepath.Join(dir, "org__model", "samples_"+tc.task+"_*.jsonl"))
		if len(files) != 1 {
			t.Fatalf("%s: sample files %v", tc.task, files)
		}
		raw, _ := os.ReadFile(files[0])
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		metric, _, _ := strings.Cut(tc.metric, ",")
		var vals []float64
		for _, l := range lines {
			var s map[string]any
			if err := json.Unmarshal([]byte(l), &s); err != nil {
				t.Fatal(err)
			}
			// Recompute the per-document metric from the logged responses.
			if tc.task == "kmmlu_accounting" {
				resps := s["filtered_resps"].([]any)
				best, bestLL := -1, math.Inf(-1)
				for i, r := range resps {
					var ll float64
					json.Unmarshal([]byte(r.([]any)[0].(string)), &ll)
					if ll > bestLL {
						best, bestLL = i, ll
					}
				}
				want := 0.0
				if s["target"] == string(rune('0'+best)) {
					want = 1
				}
				if s[metric].(float64) != want {
					t.Errorf("doc %v: logged acc %v, recomputed %v", s["doc_id"], s[metric], want)
				}
			}
			vals = append(vals, s[metric].(float64))
		}
		mean, ss := 0.0, 0.0
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		for _, v := range vals {
			ss += (v - mean) * (v - mean)
		}
		se := math.Sqrt(ss/float64(len(vals)-1)) / math.Sqrt(float64(len(vals)))
		got := results.Results[tc.task]
		if got[tc.metric].(float64) != mean || math.Abs(got[metric+"_stderr,"+strings.Split(tc.metric, ",")[1]].(float64)-se) > 1e-15 {
			t.Errorf("%s: results %v/%v, recomputed %v/%v", tc.task, got[tc.metric], got[metric+"_stderr,"+strings.Split(tc.metric, ",")[1]], mean, se)
		}
	}
	if results.NShot["kmmlu_accounting"] != 5 {
		t.Errorf("n-shot %v", results.NShot)
	}
	human := results.Fmkit["human_accuracy"].(map[string]any)["kmmlu_accounting"].(float64)
	if math.Abs(human-0.5) > 0.2 {
		t.Errorf("human accuracy %v", human)
	}
}

func TestEvaluateRejectsIncapableModel(t *testing.T) {
	ix := testIndex(t)
	suite, _ := ix.Load([]string{"selfshot_gen"})
	_, err := Evaluate(context.Background(), &hashModel{caps: lm.Capabilities{Loglikelihood: true}}, suite, nil, Options{})
	var ce *CapabilityError
	if !errors.As(err, &ce) || !errors.Is(err, lm.ErrUnsupported) || ce.RequestType != GenerateUntil {
		t.Errorf("got %v", err)
	}
}

func TestEvaluateInterruptedKeepsFinishedTasks(t *testing.T) {
	ix := testIndex(t)
	suite, _ := ix.Load([]string{"selfshot_gen", "kmmlu_accounting"})
	suite.Tasks[0].SetDocs(readDocs(t, "self_test.jsonl"), readDocs(t, "self_test.jsonl"))
	suite.Tasks[1].SetDocs(readDocs(t, "kmmlu_test.jsonl"), readDocs(t, "kmmlu_dev.jsonl"))
	ctx, cancel := context.WithCancel(context.Background())
	run, err := Evaluate(ctx, &hashModel{caps: lm.Capabilities{Loglikelihood: true, Generate: true}}, suite, nil, Options{ChunkSize: 2, Progress: func(p Progress) {
		if p.Task == "kmmlu_accounting" && p.Done > 0 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || !run.Interrupted || len(run.Results) != 1 || run.Results[0].Name != "selfshot_gen" {
		t.Fatalf("got %v, interrupted=%v, %d results", err, run.Interrupted, len(run.Results))
	}
}

func TestMissingColumnNamesColumnAndDoc(t *testing.T) {
	ix := testIndex(t)
	suite, _ := ix.Load([]string{"kmmlu_accounting"})
	docs := readDocs(t, "kmmlu_test.jsonl")
	docs[3].Columns = append([]string{}, docs[3].Columns...)
	docs[3].Columns[0] = "query" // drop "question" from doc 3
	suite.Tasks[0].SetDocs(docs, nil)
	_, err := suite.Tasks[0].BuildRequests(Options{})
	if err == nil || !strings.Contains(err.Error(), `document 3`) || !strings.Contains(err.Error(), `"question"`) {
		t.Errorf("got %v", err)
	}
}

func TestSamplesChooseDocuments(t *testing.T) {
	ix := testIndex(t)
	suite, _ := ix.Load([]string{"kmmlu_accounting"})
	task := suite.Tasks[0]
	task.SetDocs(readDocs(t, "kmmlu_test.jsonl"), nil)
	all, err := task.BuildRequests(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Indexes come back deduplicated and in document order; each chosen
	// document's requests are the ones a whole run builds for it when no
	// few-shot sampler runs between them (kmmlu is zero-shot).
	got, err := task.BuildRequests(Options{Samples: map[string][]int{"kmmlu_accounting": {4, 1, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DocID != 1 || got[1].DocID != 4 {
		t.Fatalf("got %d documents, want documents 1 and 4", len(got))
	}
	for i, id := range []int{1, 4} {
		if got[i].Insts[0].Args[0] != all[id].Insts[0].Args[0] {
			t.Errorf("document %d: prompt %q, want %q", id, got[i].Insts[0].Args[0], all[id].Insts[0].Args[0])
		}
	}
	// A task Samples does not name runs whole.
	other, _ := task.BuildRequests(Options{Samples: map[string][]int{"kmmlu_biology": {0}}})
	if len(other) != len(all) {
		t.Errorf("unnamed task: %d documents, want all %d", len(other), len(all))
	}
	for _, bad := range []Options{
		{Samples: map[string][]int{"kmmlu_accounting": {len(all)}}},
		{Samples: map[string][]int{"kmmlu_accounting": {-1}}},
		{Samples: map[string][]int{"kmmlu_accounting": {0}}, Limit: 2},
	} {
		_, err := Evaluate(context.Background(), &hashModel{caps: lm.Capabilities{Loglikelihood: true}}, suite, nil, bad)
		if !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: err = %v, want ErrOptions", bad, err)
		}
	}
}
