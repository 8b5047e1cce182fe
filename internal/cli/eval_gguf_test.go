package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalGGUF evaluates a GGUF file as fmkit eval --model model.gguf:
// the file written by fmkit convert (f32, its vocabulary from
// tokenizer.json) and by fmkit quantize (q8_0) must give the log
// likelihoods of the checkpoint directory it came from, the f32 file to
// the last digit and the q8_0 file within what 8-bit weights move them;
// the tokenizer comes from the file alone.
func TestEvalGGUF(t *testing.T) {
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	os.Mkdir(modelDir, 0o755)
	writeTinyNeoX(t, modelDir)
	f32 := filepath.Join(dir, "f32", "model.gguf")
	if _, stderr, code := run(t, "convert", "--model", modelDir, "--to", "gguf", "--out", f32); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	q8 := filepath.Join(dir, "q8")
	if _, stderr, code := run(t, "quantize", "--model", modelDir, "--type", "q8_0", "--out", q8); code != 0 {
		t.Fatalf("quantize: exit %d: %s", code, stderr)
	}
	docs, _ := filepath.Abs("../../eval/testdata/docs")
	tasks := filepath.Join(dir, "tasks")
	os.Mkdir(tasks, 0o755)
	writeFile(t, filepath.Join(tasks, "kmmlu_local.yaml"), `task: kmmlu_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: `+docs+`/kmmlu_test.jsonl
    dev: `+docs+`/kmmlu_dev.jsonl
output_type: multiple_choice
test_split: test
fewshot_split: dev
doc_to_text: "{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답："
doc_to_choice: ["A", "B", "C", "D"]
doc_to_target: "{{answer-1}}"
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
`)
	// evalLogLikelihoods runs fmkit eval on a model and returns the logged
	// log likelihood of every document's choices, in order.
	evalLogLikelihoods := func(name, model string) []float64 {
		t.Helper()
		out := filepath.Join(dir, "out-"+name)
		if _, stderr, code := run(t, "eval", "--model", model, "--tasks", "kmmlu_local", "--include-path", tasks,
			"--num-fewshot", "1", "--output", out, "--log-samples"); code != 0 {
			t.Fatalf("eval --model %s: exit %d: %s", model, code, stderr)
		}
		samples, _ := filepath.Glob(filepath.Join(out, "*", "samples_kmmlu_local_*.jsonl"))
		if len(samples) != 1 {
			t.Fatalf("%s: sample logs %v", name, samples)
		}
		raw, err := os.ReadFile(samples[0])
		if err != nil {
			t.Fatal(err)
		}
		var lls []float64
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			var s struct {
				Resps [][][]any `json:"resps"`
			}
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				t.Fatal(err)
			}
			for _, r := range s.Resps {
				lls = append(lls, loggedFloat(t, r[0][0]))
			}
		}
		return lls
	}
	want := evalLogLikelihoods("dir", modelDir)
	for _, tc := range []struct {
		name, model string
		tol         float64 // relative to max(1, |ll|)
	}{
		{"f32", f32, 1e-6},
		// 8-bit weights and activations on this random model move a
		// choice's log likelihood by up to 0.7% (0.13 of about -19); a
		// wrong scale, block order or vocabulary moves it by whole units.
		{"q8_0", filepath.Join(q8, "model.gguf"), 2e-2},
	} {
		got := evalLogLikelihoods(tc.name, tc.model)
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d log likelihoods, the directory %d", tc.name, len(got), len(want))
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > tc.tol*max(1, math.Abs(want[i])) {
				t.Errorf("%s: request %d log likelihood %v, the directory's %v", tc.name, i, got[i], want[i])
			}
		}
	}
}
