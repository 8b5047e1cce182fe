package cli

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/torchcheck"
	"github.com/fmkit/fmkit/nn/transformer"
	"github.com/fmkit/fmkit/safetensors"
)

const trainFixture = "../../nn/testdata/train/llama"

// TestTrainLMMatchesPyTorch runs the PyTorch fixture's three AdamW steps
// (testdata/gen/nn/train.py) through the command and compares the logged
// losses and the saved weights.
func TestTrainLMMatchesPyTorch(t *testing.T) {
	out := t.TempDir()
	log := filepath.Join(out, "log.jsonl")
	_, stderr, code := run(t, "train", "lm", "--init", filepath.Join(trainFixture, "init"), "--data", filepath.Join(trainFixture, "data.jsonl"),
		"--shuffle=false", "--steps", "3", "--batch-size", "4", "--seq-len", "64", "--lr", "2e-3", "--schedule", "cosine",
		"--min-lr-ratio", "0.1", "--max-grad-norm", "0", "--weight-decay", "0.01", "--out", out, "--log", log, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var ref struct {
		Steps []struct{ Loss, LR float64 }
	}
	b, _ := os.ReadFile(filepath.Join(trainFixture, "run.json"))
	json.Unmarshal(b, &ref)
	lines := readLog(t, log)
	if len(lines) != 3 || len(ref.Steps) != 3 {
		t.Fatalf("%d log lines, %d reference steps", len(lines), len(ref.Steps))
	}
	for i, l := range lines {
		for _, k := range []string{"step", "loss", "lr", "grad_norm", "tokens_per_s"} {
			if _, ok := l[k]; !ok {
				t.Errorf("log line %d lacks %q", i+1, k)
			}
		}
		if got, want := l["loss"], ref.Steps[i].Loss; math.Abs(got-want) > 1e-5*want {
			t.Errorf("step %d loss %v, PyTorch %v", i+1, got, want)
		}
	}
	got, err := safetensors.Open(filepath.Join(out, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	var tensors []safetensors.Tensor
	for _, info := range got.Tensors() {
		tn, _ := got.Tensor(info.Name)
		tensors = append(tensors, tn)
	}
	var lrs []float64
	for _, s := range ref.Steps {
		lrs = append(lrs, s.LR)
	}
	torchcheck.Weights(t, tensors, trainFixture, 1e-5, lrs, 1e-8, 0.999)
}

func readLog(t *testing.T, path string) []map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]float64
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestTrainLMResume interrupts a run (by letting it write checkpoints and
// then resuming from the middle one) and checks that the resumed run ends
// with exactly the weights and log of the uninterrupted one, with shuffling
// and dropout on.
func TestTrainLMResume(t *testing.T) {
	args := func(out string) []string {
		return []string{"train", "lm", "--init", filepath.Join(trainFixture, "init"), "--data", filepath.Join(trainFixture, "data.jsonl"),
			"--seq-len", "8", "--batch-size", "2", "--steps", "6", "--lr", "1e-2", "--dropout", "0.1", "--warmup-steps", "2",
			"--save-every", "3", "--out", out, "--log", filepath.Join(out, "log.jsonl"), "--quiet"}
	}
	full := t.TempDir()
	if _, stderr, code := run(t, args(full)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(full, "checkpoint-3", "optimizer.safetensors")); err != nil {
		t.Fatalf("no checkpoint after step 3: %v", err)
	}
	// A second directory holding only the step-3 checkpoint and the log up
	// to a later step, as a crash after step 4 would leave it.
	resumed := t.TempDir()
	copyDir(t, filepath.Join(full, "checkpoint-3"), filepath.Join(resumed, "checkpoint-3"))
	lines := strings.SplitAfter(readFile(t, filepath.Join(full, "log.jsonl")), "\n")
	os.WriteFile(filepath.Join(resumed, "log.jsonl"), []byte(strings.Join(lines[:4], "")), 0o644)
	_, stderr, code := run(t, append(args(resumed), "--resume")...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resumed from") {
		t.Errorf("stderr does not say it resumed: %s", stderr)
	}
	if a, b := readFile(t, filepath.Join(full, "model.safetensors")), readFile(t, filepath.Join(resumed, "model.safetensors")); a != b {
		t.Error("resumed run ends with different weights than the uninterrupted one")
	}
	la, lb := readLog(t, filepath.Join(full, "log.jsonl")), readLog(t, filepath.Join(resumed, "log.jsonl"))
	if len(la) != 6 || len(lb) != 6 {
		t.Fatalf("logs of %d and %d lines, want 6 each", len(la), len(lb))
	}
	for i := range la {
		if la[i]["loss"] != lb[i]["loss"] || la[i]["step"] != lb[i]["step"] {
			t.Errorf("log line %d: %v vs %v", i+1, la[i], lb[i])
		}
	}
}

// TestTrainedModelRunsInEngine checks that a checkpoint written by train lm
// gives the same logits under fmkit forward as the nn model that wrote it.
func TestTrainedModelRunsInEngine(t *testing.T) {
	for _, arch := range []string{"neox", "llama", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			src := filepath.Join("../../nn/testdata/train", arch)
			out := t.TempDir()
			if _, stderr, code := run(t, "train", "lm", "--init", filepath.Join(src, "init"), "--data", filepath.Join(src, "data.jsonl"),
				"--seq-len", "16", "--batch-size", "4", "--steps", "2", "--lr", "1e-2", "--out", out, "--quiet"); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			ids := []int{5, 9, 2, 33, 17, 60, 1}
			npyPath := filepath.Join(out, "logits.npy")
			if _, stderr, code := run(t, "forward", "--model", out, "--ids", joinIDs(ids), "--npy", npyPath); code != 0 {
				t.Fatalf("forward: exit %d: %s", code, stderr)
			}
			engine, _ := readNpy(t, npyPath)
			m, _, err := transformer.Load[float32](out)
			if err != nil {
				t.Fatal(err)
			}
			logits, err := m.Logits(nil, ids, 1, len(ids), transformer.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			scale := 0.0
			for _, v := range logits.Data() {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i, v := range logits.Data() {
				if math.Abs(float64(v-engine[i])) > 1e-5*scale {
					t.Fatalf("logit %d: nn %v, engine %v", i, v, engine[i])
				}
			}
		})
	}
}

func TestTrainLMBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"ids\": [1, 2, 3]}\n\n{\"tokens\": [1, 2]}\n"), 0o644)
	big := filepath.Join(dir, "big.jsonl")
	os.WriteFile(big, []byte("{\"ids\": [1, 2, 3]}\n{\"ids\": [1, 99999]}\n"), 0o644)
	text := filepath.Join(dir, "text.jsonl")
	os.WriteFile(text, []byte("{\"text\": \"hello\"}\n"), 0o644)
	init := filepath.Join(trainFixture, "init")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"neither text nor ids", []string{"--init", init, "--data", bad}, "bad.jsonl:3: expected a JSON object with \"text\""},
		{"id outside vocabulary", []string{"--init", init, "--data", big}, "big.jsonl:2: token id 99999 outside the model's vocabulary of 64"},
		{"text without tokenizer", []string{"--init", init, "--data", text}, "text.jsonl:1: has \"text\" but no tokenizer"},
		{"both init and config", []string{"--init", init, "--config", "x.json", "--data", big}, "exactly one of --init"},
		{"bad betas", []string{"--init", init, "--data", big, "--betas", "0.9"}, "--betas \"0.9\""},
		{"several bad options", []string{"--init", init, "--data", big, "--lr", "-1", "--batch-size", "0", "--schedule", "step"}, "batch-size 0 must be positive; lr -1"},
		{"NaN in a float flag", []string{"--init", init, "--data", big, "--lr", "NaN"}, `invalid argument "NaN" for "--lr" flag: "NaN" is not a finite number`},
		{"unknown architecture", []string{"--config", writeConfig(t, dir, `{"model_type": "mamba"}`), "--data", big}, "mamba"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"train", "lm", "--out", filepath.Join(dir, "out"), "--quiet"}, c.args...)
			_, stderr, code := run(t, args...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", code, stderr, c.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("error is more than one line: %q", stderr)
			}
		})
	}
	_, stderr, code := run(t, "train", "lmm")
	if code == 0 || !strings.Contains(stderr, "unknown command \"lmm\"") {
		t.Errorf("misspelt subcommand: exit %d, %q", code, stderr)
	}
}

// TestTrainLMStopsOnNonFiniteLoss blows the weights up with an absurd SGD
// step and checks that the run stops with the step's number, exit code 1,
// and a checkpoint of the last finite weights.
func TestTrainLMStopsOnNonFiniteLoss(t *testing.T) {
	out := t.TempDir()
	_, stderr, code := run(t, "train", "lm", "--init", filepath.Join(trainFixture, "init"), "--data", filepath.Join(trainFixture, "data.jsonl"),
		"--optimizer", "sgd", "--lr", "1e30", "--max-grad-norm", "0", "--schedule", "constant", "--seq-len", "16", "--batch-size", "2", "--steps", "5",
		"--out", out, "--quiet")
	if code == 0 || !strings.Contains(stderr, "loss is not finite at step 2") {
		t.Fatalf("exit %d, stderr %q; want a stop at step 2", code, stderr)
	}
	m, _, err := transformer.Load[float32](filepath.Join(out, "checkpoint-1"))
	if err != nil {
		t.Fatalf("no checkpoint of the last good step: %v", err)
	}
	ids := []int{1, 2, 3}
	logits, err := m.Logits(nil, ids, 1, 3, transformer.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = logits // the weights after step 1 may be huge but they are what was kept
	if _, err := os.Stat(filepath.Join(out, "checkpoint-2")); err == nil {
		t.Error("a checkpoint of the failed step was written")
	}
}

func writeConfig(t *testing.T, dir, body string) string {
	p := filepath.Join(dir, "config.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		os.WriteFile(filepath.Join(dst, e.Name()), []byte(readFile(t, filepath.Join(src, e.Name()))), 0o644)
	}
}

// TestTrainDPO runs the PyTorch DPO fixture (testdata/gen/nn/dpo.py,
// sigmoid loss with label smoothing) through the command: the logged loss
// and rewards equal PyTorch's.
func TestTrainDPO(t *testing.T) {
	dir := "../../nn/testdata/dpo"
	out := t.TempDir()
	log := filepath.Join(out, "log.jsonl")
	_, stderr, code := run(t, "train", "dpo", "--init", filepath.Join(trainFixture, "init"), "--ref", filepath.Join(dir, "ref"),
		"--data", filepath.Join(dir, "data.jsonl"), "--beta", "0.1", "--label-smoothing", "0.1", "--shuffle=false", "--batch-size", "3",
		"--steps", "2", "--lr", "1e-2", "--schedule", "constant", "--max-grad-norm", "0", "--out", out, "--log", log, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var ref struct {
		Steps []map[string]float64 `json:"steps"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sigmoid", "run.json"))
	json.Unmarshal(b, &ref)
	lines := readLog(t, log)
	if len(lines) != 2 || len(ref.Steps) != 2 {
		t.Fatalf("%d log lines, %d reference steps", len(lines), len(ref.Steps))
	}
	for i, l := range lines {
		for _, k := range []string{"loss", "rewards_chosen", "rewards_rejected", "reward_accuracy", "reward_margin"} {
			got, ok := l[k]
			if !ok {
				t.Fatalf("log line %d lacks %q", i+1, k)
			}
			if want := ref.Steps[i][k]; math.Abs(got-want) > 1e-5*(math.Abs(want)+1) {
				t.Errorf("step %d %s: %v, PyTorch %v", i+1, k, got, want)
			}
		}
	}
	if _, _, err := transformer.Load[float32](out); err != nil {
		t.Errorf("the trained model does not load: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--beta", "0"}, "--beta 0: expected a finite number > 0"},
		{[]string{"--loss", "kto"}, `loss "kto" is not sigmoid, ipo or hinge`},
		{[]string{"--loss", "ipo", "--label-smoothing", "0.1"}, "label smoothing applies to the sigmoid loss only"},
	} {
		args := append([]string{"train", "dpo", "--init", filepath.Join(trainFixture, "init"), "--data", filepath.Join(dir, "data.jsonl"), "--out", t.TempDir(), "--quiet"}, c.args...)
		if _, stderr, code := run(t, args...); code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}
