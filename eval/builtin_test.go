package eval

import (
	"strings"
	"testing"

	"github.com/fmkit/fmkit/eval/tasks"
)

// TestBuiltinKMMLU checks the embedded KMMLU definitions resolve into the
// groups and subjects lm-eval defines.
func TestBuiltinKMMLU(t *testing.T) {
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: tasks.FS()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		tasks      int
		outputType string
		dataset    string
	}{
		{"kmmlu", 45, MultipleChoice, "HAERAE-HUB/KMMLU"},
		{"kmmlu_direct", 45, GenerateUntil, "HAERAE-HUB/KMMLU"},
		{"kmmlu_hard", 45, MultipleChoice, "HAERAE-HUB/KMMLU-HARD"},
		{"kmmlu_direct_hard", 45, GenerateUntil, "HAERAE-HUB/KMMLU-HARD"},
		{"kmmlu_cot_hard", 45, GenerateUntil, "HAERAE-HUB/KMMLU-HARD"},
	} {
		s, err := ix.Load([]string{tc.name})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(s.Tasks) != tc.tasks || len(s.Groups) != 5 {
			t.Errorf("%s: %d tasks, %d groups; want %d and 5", tc.name, len(s.Tasks), len(s.Groups), tc.tasks)
		}
		for _, task := range s.Tasks {
			if task.Config.OutputType != tc.outputType || task.Config.DatasetPath != tc.dataset {
				t.Errorf("%s: %s %s", task.Name, task.Config.OutputType, task.Config.DatasetPath)
			}
			if v := task.Config.Metadata["version"]; v != 2.0 {
				t.Errorf("%s: version %v", task.Name, v)
			}
		}
	}
	s, _ := ix.Load([]string{"kmmlu_stem"})
	var names []string
	for _, task := range s.Tasks {
		names = append(names, task.Config.DatasetName)
	}
	want := "Biology Chemical-Engineering Chemistry Civil-Engineering Computer-Science Ecology Electrical-Engineering Information-Technology Materials-Engineering Math Mechanical-Engineering"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("kmmlu_stem subjects:\n got %s\nwant %s", got, want)
	}
	s, _ = ix.Load([]string{"kmmlu_hard_humss"})
	if s.Tasks[1].Config.DatasetName != "criminal_law" {
		t.Errorf("kmmlu_hard subject configs are snake_case, got %s", s.Tasks[1].Config.DatasetName)
	}
	cot, _ := ix.Load([]string{"kmmlu_cot_hard_law"})
	task := cot.Tasks[0]
	if task.NumFewshot != 5 || len(task.Config.Fewshot.Samples) != 5 || task.Config.Fewshot.Sampler != "first_n" {
		t.Errorf("cot_hard: %d-shot, %d exemplars, sampler %s", task.NumFewshot, len(task.Config.Fewshot.Samples), task.Config.Fewshot.Sampler)
	}
	ku := task.Config.GenerationKwargs["max_gen_toks"]
	if ku != int64(2048) {
		t.Errorf("cot_hard max_gen_toks = %v", ku)
	}
	if _, err := ix.Load([]string{"kmmlu_accountng"}); err == nil || !strings.Contains(err.Error(), "kmmlu_accounting") {
		t.Errorf("unknown task suggestion: %v", err)
	}
}
