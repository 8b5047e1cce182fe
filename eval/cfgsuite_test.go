package eval

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/lm"
)

// TestBuiltinCFGSuite checks the embedded definitions of the classifier-free
// guidance paper's tasks resolve as lm-eval defines them.
func TestBuiltinCFGSuite(t *testing.T) {
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: tasks.FS()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ix.Load([]string{"cfg_paper"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		outputType, path, name, split string
		metrics                       string
	}{
		"arc_challenge":  {MultipleChoice, "allenai/ai2_arc", "ARC-Challenge", "test", "acc acc_norm"},
		"arc_easy":       {MultipleChoice, "allenai/ai2_arc", "ARC-Easy", "test", "acc acc_norm"},
		"boolq":          {MultipleChoice, "aps/super_glue", "boolq", "validation", "acc"},
		"hellaswag":      {MultipleChoice, "Rowan/hellaswag", "", "validation", "acc acc_norm"},
		"lambada_openai": {Loglikelihood, "EleutherAI/lambada_openai", "default", "test", "perplexity acc"},
		"piqa":           {MultipleChoice, "baber/piqa", "", "validation", "acc acc_norm"},
		"sciq":           {MultipleChoice, "allenai/sciq", "", "test", "acc acc_norm"},
		"triviaqa":       {GenerateUntil, "mandarjoshi/trivia_qa", "rc.nocontext", "validation", "exact_match"},
		"winogrande":     {MultipleChoice, "allenai/winogrande", "winogrande_xl", "validation", "acc"},
	}
	if len(s.Tasks) != len(want) {
		t.Fatalf("cfg_paper has %d tasks, want %d", len(s.Tasks), len(want))
	}
	for _, task := range s.Tasks {
		w, ok := want[task.Name]
		if !ok {
			t.Errorf("unexpected task %s", task.Name)
			continue
		}
		var metrics []string
		for _, m := range task.Config.Metrics {
			metrics = append(metrics, m.Name)
		}
		c := task.Config
		if c.OutputType != w.outputType || c.DatasetPath != w.path || c.DatasetName != w.name || task.EvalSplit() != w.split || strings.Join(metrics, " ") != w.metrics {
			t.Errorf("%s: %s %s/%s split %s metrics %v", task.Name, c.OutputType, c.DatasetPath, c.DatasetName, task.EvalSplit(), metrics)
		}
		if task.NumFewshot != 0 {
			t.Errorf("%s: %d-shot by default", task.Name, task.NumFewshot)
		}
	}
	arc, err := ix.Load([]string{"ai2_arc"})
	if err != nil || len(arc.Tasks) != 2 {
		t.Errorf("tag ai2_arc: %v", err)
	}
}

// choiceModel is a test double that prefers, among the requests of one
// call, the context that contains its favourite word.
type choiceModel struct {
	favourite string
	reqs      []lm.LoglikelihoodRequest
}

func (m *choiceModel) Name() string { return "choice-model" }
func (m *choiceModel) Capabilities() lm.Capabilities {
	return lm.Capabilities{Loglikelihood: true}
}
func (m *choiceModel) Loglikelihood(_ context.Context, reqs []lm.LoglikelihoodRequest, _ lm.Progress) ([]lm.LoglikelihoodResult, error) {
	m.reqs = append(m.reqs, reqs...)
	out := make([]lm.LoglikelihoodResult, len(reqs))
	for i, r := range reqs {
		out[i].LogProb = -10
		if strings.HasSuffix(r.Context, m.favourite) {
			out[i].LogProb = -1
		}
	}
	return out, nil
}
func (m *choiceModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (m *choiceModel) GenerateUntil(context.Context, []lm.GenerateRequest, lm.Progress) ([]string, error) {
	return nil, lm.ErrUnsupported
}

// TestMultipleInputScoring runs WinoGrande end to end: each option is a
// context of its own, the rest of the sentence the shared continuation, and
// the gold answer is doc_to_text's index.
func TestMultipleInputScoring(t *testing.T) {
	ix := testIndex(t)
	s, err := ix.Load([]string{"winogrande"})
	if err != nil {
		t.Fatal(err)
	}
	task := s.Tasks[0]
	task.SetDocs(readDocs(t, "cfg/winogrande_validation.jsonl"), nil)
	// Each option's context ends with it. The gold options are Katrina,
	// easel, Lucy and Robert; the model prefers the context ending in its
	// favourite word and ties elsewhere, which argmax breaks towards the
	// first option.
	for _, fav := range []struct {
		word string
		acc  float64
	}{{"Katrina", 0.75}, {"Monica", 0.5}, {"easel", 1}} {
		model := &choiceModel{favourite: fav.word}
		run, err := Evaluate(context.Background(), model, s, nil, Options{LogSamples: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(model.reqs) != 8 {
			t.Fatalf("%d requests, want 2 per document", len(model.reqs))
		}
		acc, _ := run.Results[0].Metric("acc", "none")
		if acc.Value != fav.acc {
			t.Errorf("favourite %s: acc %v, want %v", fav.word, acc.Value, fav.acc)
		}
	}
	model := &choiceModel{}
	if _, err := Evaluate(context.Background(), model, s, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	byCtx := map[string]string{}
	for _, r := range model.reqs {
		byCtx[r.Context] = r.Continuation
	}
	for ctx, cont := range map[string]string{
		"Katrina had the financial means to afford a new car while Monica did not, since Monica": " had a high paying job.",
		"Lucy": " gave the book to Anna because Lucy had already read it twice.",
	} {
		if byCtx[ctx] != cont {
			t.Errorf("context %q: continuation %q, want %q", ctx, byCtx[ctx], cont)
		}
	}
}

func TestMultipleInputErrors(t *testing.T) {
	ix := testIndex(t)
	for _, tt := range []struct {
		doc  string
		want string
	}{
		{`{"sentence": "No blank here.", "option1": "a", "option2": "b", "answer": "1"}`, `has no blank "_"`},
		{`{"sentence": "A _ b.", "option1": "a", "option2": "b", "answer": ""}`, `answer "" is not "1" or "2"`},
		{`{"sentence": "A _ b.", "option1": "a", "answer": "2"}`, `column "option2" missing`},
	} {
		s, err := ix.Load([]string{"winogrande"})
		if err != nil {
			t.Fatal(err)
		}
		docs, err := data.ReadJSON(strings.NewReader(tt.doc), "doc.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		s.Tasks[0].SetDocs(docs, nil)
		_, err = s.Tasks[0].BuildRequests(Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "document 0") {
			t.Errorf("%s: error %v, want one naming document 0 and containing %q", tt.doc, err, tt.want)
		}
	}
	// An unknown document function is reported when the task loads, with
	// its file and line.
	_, err := NewIndexFromYAML(t, "bad/bad.yaml", "task: bad\ndataset_path: x\noutput_type: multiple_choice\ntest_split: test\ndoc_to_text: !function nowhere.doc_to_text\ndoc_to_target: 0\ndoc_to_choice: [a, b]\n")
	if !errors.Is(err, ErrNoImplementation) || !strings.Contains(err.Error(), "!function nowhere.doc_to_text") || !strings.Contains(err.Error(), "bad/bad.yaml:5") || !strings.Contains(err.Error(), "no python3") {
		t.Errorf("unknown doc function: %v", err)
	}
}

// NewIndexFromYAML loads one task YAML from memory.
func NewIndexFromYAML(t *testing.T, name, text string) (*Suite, error) {
	t.Helper()
	ix, err := NewIndex(TaskSource{Name: "mem", FS: fstest.MapFS{name: {Data: []byte(text)}}})
	if err != nil {
		return nil, err
	}
	return ix.Load([]string{"bad"})
}
