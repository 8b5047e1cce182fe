package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
)

// The guided numbers below are the PyTorch reference's for the llama_gqa
// fixture (testdata/gen/cfg/make_fixtures.py, lm/guided/testdata).
func TestGuidedScoreAndGenerateIDs(t *testing.T) {
	ctxIDs, contIDs := "94,87,50,85,93,84,68,6,27", "82,62,54,14"
	out, stderr, code := run(t, "score", "--model", fixture, "--context-ids", ctxIDs, "--continuation-ids", contIDs, "--cfg", "1.5", "--json")
	if code != 0 {
		t.Fatalf("score --cfg: %s", stderr)
	}
	var r scoreResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.LogProb-(-21.014839604170945)) > 1e-4 || r.Guidance == nil || r.Guidance.Scale != 1.5 || r.Guidance.Uncond != "last-token" {
		t.Errorf("guided score %+v (guidance %+v), reference -21.0148 with last-token guidance", r, r.Guidance)
	}

	// At scale 1 the score is the unguided one, to the last digit.
	plain, _, _ := run(t, "score", "--model", fixture, "--context-ids", ctxIDs, "--continuation-ids", contIDs, "--json")
	one, _, _ := run(t, "score", "--model", fixture, "--context-ids", ctxIDs, "--continuation-ids", contIDs, "--json", "--cfg", "1")
	var p, o scoreResult
	json.Unmarshal([]byte(plain), &p)
	json.Unmarshal([]byte(one), &o)
	if p.LogProb != o.LogProb || p.IsGreedy != o.IsGreedy {
		t.Errorf("--cfg 1 %v, unguided %v", o, p)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--cfg", "3"}, "53,61,41,82,73,62,27,54"},
		{[]string{"--cfg", "1.5", "--cfg-uncond", "empty"}, "53,61,9,32,6,32,6,32"},
	} {
		args := append([]string{"generate", "--model", fixture, "--prompt-ids", "52,72,58,65", "--max-new-tokens", "8"}, tt.args...)
		out, stderr, code := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: %s", tt.args, stderr)
		}
		if strings.TrimSpace(out) != tt.want {
			t.Errorf("generate %v: %s, reference %s", tt.args, strings.TrimSpace(out), tt.want)
		}
	}
}

// TestGuidedText runs the text paths on a checkpoint with a tokenizer and
// compares them with the library.
func TestGuidedText(t *testing.T) {
	dir := t.TempDir()
	writeTinyNeoX(t, dir)
	ctx := context.Background()
	var stderr bytes.Buffer
	m, err := loadModel(ctx, dir, "", false, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := loadTokenizer(m)
	if err != nil {
		t.Fatal(err)
	}

	gen, err := native.New(m, tok, &native.Options{AddSpecialTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := guided.New(gen, 3, &guided.Options{NegativePrompt: "boring text"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.Generate(ctx, []string{"Once upon a time"}, guided.GenerateOptions{MaxTokens: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "generate", "--model", dir, "--prompt", "Once upon a time", "--max-new-tokens", "12", "--cfg", "3", "--negative-prompt", "boring text")
	if code != 0 {
		t.Fatal(errOut)
	}
	if strings.TrimSuffix(out, "\n") != want[0] {
		t.Errorf("generate --negative-prompt: %q, library %q", out, want[0])
	}
	plain, _, _ := run(t, "generate", "--model", dir, "--prompt", "Once upon a time", "--max-new-tokens", "12")
	one, _, _ := run(t, "generate", "--model", dir, "--prompt", "Once upon a time", "--max-new-tokens", "12", "--cfg", "1")
	if plain != one {
		t.Errorf("--cfg 1 %q, unguided %q", one, plain)
	}

	sc, err := native.New(m, tok, &native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := guided.New(sc, 1.5, &guided.Options{Uncond: guided.Empty})
	if err != nil {
		t.Fatal(err)
	}
	res, err := gs.Loglikelihood(ctx, []lm.LoglikelihoodRequest{{Context: "The capital of France is", Continuation: " Paris"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "score", "--model", dir, "--context", "The capital of France is", "--continuation", " Paris", "--cfg", "1.5", "--cfg-uncond", "empty", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var r scoreResult
	json.Unmarshal([]byte(out), &r)
	if r.LogProb != res[0].LogProb || r.IsGreedy != res[0].IsGreedy || r.ContinuationTokens != 6 || r.Guidance.Uncond != "empty" {
		t.Errorf("score --cfg-uncond empty %+v, library %v", r, res[0])
	}
}

func TestGuidanceFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "--model", fixture, "--prompt-ids", "1", "--negative-prompt", "x"}, "--negative-prompt and --cfg-uncond need --cfg SCALE"},
		{[]string{"score", "--model", fixture, "--continuation-ids", "1", "--cfg-uncond", "empty"}, "need --cfg SCALE"},
		{[]string{"generate", "--model", fixture, "--prompt-ids", "1", "--cfg", "2", "--negative-prompt", "x", "--cfg-uncond", "empty"}, "give one of them"},
		{[]string{"generate", "--model", fixture, "--prompt-ids", "1", "--cfg", "2", "--cfg-uncond", "first"}, `--cfg-uncond "first": expected last-token or empty`},
		{[]string{"score", "--model", fixture, "--continuation-ids", "1", "--cfg", "NaN"}, `"--cfg" flag: "NaN" is not a finite number`},
		{[]string{"generate", "--model", fixture, "--prompt-ids", "1", "--cfg", "2", "--negative-prompt", ""}, "the text is empty"},
		{[]string{"generate", "--model", fixture, "--prompt-ids", "1", "--cfg", "2", "--negative-prompt", "no tokenizer here"}, "tokenizer"},
		{[]string{"eval", "--model", fixture, "--tasks", "winogrande", "--cfg", "1.5", "--cfg-sweep", "1,2"}, "--cfg and --cfg-sweep: give one of them"},
		{[]string{"eval", "--model", fixture, "--tasks", "winogrande", "--cfg-sweep", "1,x"}, `"x" is not a finite number`},
		{[]string{"eval", "--model", fixture, "--tasks", "winogrande", "--cfg-sweep", "1,1"}, "listed twice"},
		{[]string{"eval", "--model", fixture, "--tasks", "winogrande", "--cfg-plot", "x.png"}, "--cfg-plot needs --cfg-sweep"},
	} {
		_, stderr, code := run(t, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestEvalSweep sweeps a WinoGrande-format task (multiple inputs) and a
// LAMBADA-format task (loglikelihood with is_greedy) through fmkit eval:
// γ = 1 must equal the unguided run and γ = 1.5 a single --cfg run, and the
// plot must be a PNG.
func TestEvalSweep(t *testing.T) {
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	os.Mkdir(modelDir, 0o755)
	writeTinyNeoX(t, modelDir)
	docs, _ := filepath.Abs("../../eval/testdata/docs/cfg")
	tasks := filepath.Join(dir, "tasks", "winogrande") // the !function names resolve by folder
	os.MkdirAll(tasks, 0o755)
	writeFile(t, filepath.Join(tasks, "local.yaml"), fmt.Sprintf(`task: winogrande_local
dataset_path: json
dataset_kwargs:
  data_files:
    validation: %s/winogrande_validation.jsonl
output_type: multiple_choice
validation_split: validation
doc_to_text: !function preprocess_winogrande.doc_to_text
doc_to_target: !function preprocess_winogrande.doc_to_target
doc_to_choice: !function preprocess_winogrande.doc_to_choice
metric_list:
  - metric: acc
`, docs))
	writeFile(t, filepath.Join(tasks, "lambada_local.yaml"), fmt.Sprintf(`task: lambada_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: %s/lambada_test.jsonl
output_type: loglikelihood
test_split: test
doc_to_text: "{{text.split(' ')[:-1]|join(' ')}}"
doc_to_target: "{{' '+text.split(' ')[-1]}}"
metric_list:
  - metric: perplexity
    aggregation: perplexity
    higher_is_better: false
  - metric: acc
`, docs))
	base := []string{"eval", "--model", modelDir, "--tasks", "winogrande_local,lambada_local", "--include-path", filepath.Join(dir, "tasks"), "--bootstrap-iters", "0"}
	out := filepath.Join(dir, "out")
	sweepOut, stderr, code := run(t, append(base, "--cfg-sweep", "1,1.5", "--output", out, "--json")...)
	if code != 0 {
		t.Fatalf("sweep: %s", stderr)
	}
	var sweep struct {
		Scales []float64 `json:"scales"`
		Rows   []struct {
			Task, Metric string
			Values       []*float64
		} `json:"rows"`
		Plot string `json:"plot"`
	}
	if err := json.Unmarshal([]byte(sweepOut), &sweep); err != nil {
		t.Fatalf("%v: %s", err, sweepOut)
	}
	png, err := os.ReadFile(sweep.Plot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("plot %s: %v, not a PNG", sweep.Plot, err)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*", "results_*.json")); len(files) != 2 {
		t.Errorf("%d results files, want one per scale", len(files))
	}
	results := func(args ...string) map[string]map[string]any {
		t.Helper()
		o, stderr, code := run(t, append(append([]string{}, base...), append(args, "--json")...)...)
		if code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
		var res struct {
			Results map[string]map[string]any `json:"results"`
		}
		if err := json.Unmarshal([]byte(o), &res); err != nil {
			t.Fatal(err)
		}
		return res.Results
	}
	unguided, guided15 := results(), results("--cfg", "1.5")
	if len(sweep.Rows) != 3 {
		t.Fatalf("sweep rows %+v, want winogrande acc and lambada perplexity and acc", sweep.Rows)
	}
	for _, row := range sweep.Rows {
		key := row.Metric + ",none"
		for i, want := range []map[string]map[string]any{unguided, guided15} {
			w, _ := want[row.Task][key].(float64)
			if row.Values[i] == nil || *row.Values[i] != w {
				t.Errorf("%s %s at γ=%g: sweep %v, single run %v", row.Task, row.Metric, sweep.Scales[i], row.Values[i], w)
			}
		}
	}
	if unguided["lambada_local"]["perplexity,none"] == guided15["lambada_local"]["perplexity,none"] {
		t.Error("guidance did not change LAMBADA perplexity")
	}

	table, stderr, code := run(t, append(base, "--cfg-sweep", "1,1.5", "--cfg-plot", filepath.Join(dir, "p.png"))...)
	if code != 0 {
		t.Fatal(stderr)
	}
	// The columns are padded as lm-eval pads its tables; compare the cells.
	cells := regexp.MustCompile(` *\| *`).ReplaceAllString(table, "|")
	if !strings.Contains(cells, "|Task|Metric|Filter|γ=1|γ=1.5|") || !strings.Contains(cells, "|winogrande_local|acc|none|") {
		t.Errorf("sweep table:\n%s", table)
	}
	// Rolling loglikelihood has no prompt to guide by: a clear refusal.
	writeFile(t, filepath.Join(tasks, "rolling.yaml"), fmt.Sprintf(`task: rolling_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: %s/lambada_test.jsonl
output_type: loglikelihood_rolling
test_split: test
doc_to_text: ""
doc_to_target: "{{text}}"
metric_list:
  - metric: word_perplexity
`, docs))
	_, stderr, code = run(t, "eval", "--model", modelDir, "--tasks", "rolling_local", "--include-path", filepath.Join(dir, "tasks"), "--cfg", "1.5")
	if code == 0 || !strings.Contains(stderr, "needs loglikelihood_rolling requests") {
		t.Errorf("rolling under guidance: exit %d, %s", code, stderr)
	}
}
