package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLMEvalModelSpellings maps lm-eval's --model/--model_args onto fmkit's
// model specs.
func TestLMEvalModelSpellings(t *testing.T) {
	local := t.TempDir()
	for _, c := range []struct {
		model, args      string
		wantSpec, wantDT string
		wantErr          string
	}{
		{"hf", "pretrained=EleutherAI/pythia-70m", "hf:EleutherAI/pythia-70m", "", ""},
		{"hf", "pretrained=EleutherAI/pythia-70m,revision=step1000,dtype=bfloat16", "hf:EleutherAI/pythia-70m@step1000", "bf16", ""},
		{"hf", "pretrained=org/m,dtype=float16,trust_remote_code=True", "hf:org/m", "f16", ""},
		{"hf", "pretrained=org/m,dtype=torch.float32", "hf:org/m", "f32", ""},
		{"hf", "pretrained=org/m,dtype=auto", "hf:org/m", "", ""},
		{"hf", "pretrained=" + local, local, "", ""},
		{"hf", "pretrained=org/m,dtype=int8", "", "", "dtype=int8"},
		{"hf", "pretrained=org/m,parallelize=True", "", "", "parallelize not supported"},
		{"hf", "", "", "", "needs --model_args pretrained="},
		{"hf", "pretrained", "", "", "is not key=value"},
		{"local-completions", "base_url=http://gpu1:8000/v1/completions,model=meta/llama,num_concurrent=8,max_retries=3,tokenized_requests=False",
			"openai:http://gpu1:8000/v1,model=meta/llama,concurrency=8,max_retries=3", "", ""},
		{"local-chat-completions", "base_url=http://gpu1:8000/v1/chat/completions,model=m,timeout=60", "openai:http://gpu1:8000/v1,chat=true,model=m,timeout=60s", "", ""},
		{"local-completions", "model=m", "", "", "needs --model_args base_url="},
		{"local-completions", "base_url=http://x/v1,tokenizer_backend=tiktoken", "", "", "tiktoken"},
		{"vllm", "pretrained=org/m", "", "", "not an fmkit backend"},
		{"hf:org/m", "", "hf:org/m", "", ""},
		{"builtin:recursion-tiny", "pretrained=x", "", "", "--model_args goes with"},
	} {
		spec, dt, err := lmEvalModel(context.Background(), c.model, c.args, nil)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("--model %s --model_args %s: %v, want an error with %q", c.model, c.args, err, c.wantErr)
		case c.wantErr == "" && (err != nil || spec != c.wantSpec || dt != c.wantDT):
			t.Errorf("--model %s --model_args %s: %q, %q, %v; want %q, %q", c.model, c.args, spec, dt, err, c.wantSpec, c.wantDT)
		}
	}
}

// TestLMEvalCommandLines runs lm-eval's spellings through the real command:
// each works or exits 2 with the fix.
func TestLMEvalCommandLines(t *testing.T) {
	t.Setenv("HF_ENDPOINT", unreachableHubs(t)["refusing listener"])
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	const task = "recursion_succ_carry_0"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "--model", "EleutherAI/pythia-70m", "--tasks", task}, 2, "did you mean hf:EleutherAI/pythia-70m?"},
		{[]string{"eval", "--model", "hf", "--model_args", "pretrained=org/m,revision=r1,dtype=bfloat16", "--tasks", task}, 1, "cannot fetch model org/m@r1"},
		{[]string{"eval", "--model", "hf", "--tasks", task}, 2, "needs --model_args pretrained=ORG/NAME"},
		{[]string{"eval", "--model", "hf", "--model_args", "pretrained=org/m,load_in_8bit=True", "--tasks", task}, 2, "load_in_8bit not supported"},
		{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--device", "cuda:0"}, 2, "fmkit's engine runs on the CPU"},
		{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--batch_size", "0"}, 2, "expected a positive number or auto"},
		{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--fewshot_as_multiturn"}, 2, "needs --apply-chat-template"},
		{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--predict_only"}, 2, "give --output DIR"},
		{[]string{"eval", "--model", "vllm", "--model_args", "pretrained=org/m", "--tasks", task}, 2, "--model local-completions"},
		{[]string{"eval", "--tasks", "list"}, 0, ""},
		{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--limit", "2", "--batch_size", "auto", "--device", "cpu", "--trust_remote_code"}, 0, "--batch-size auto: "},
	} {
		_, stderr, code := run(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, stderr, c.code, c.want)
		}
		if code == 2 && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: %q is not one line", c.args, stderr)
		}
	}
	out, _, _ := run(t, "eval", "--tasks", "list_groups")
	if !strings.Contains(out, "kmmlu ") || strings.Contains(out, task) {
		t.Errorf("--tasks list_groups: %.300s", out)
	}

	// A whole lm-eval command line: snake_case flags reach fmkit's.
	dir := t.TempDir()
	cache := filepath.Join(dir, "runs", "sub", "answers.db")
	out, stderr, code := run(t, "eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--limit", "3", "--num_fewshot", "0",
		"--batch_size", "4", "--output_path", filepath.Join(dir, "out"), "--log_samples", "--use_cache", cache,
		"--gen_kwargs", "max_gen_toks=16", "--system_instruction", "Answer.", "--include_path", t.TempDir())
	if code != 0 || !strings.Contains(out, "exact_match") {
		t.Fatalf("lm-eval spellings: exit %d, %q, %q", code, out, stderr)
	}
	for _, pattern := range []string{filepath.Join(dir, "out", "*", "results_*.json"), filepath.Join(dir, "out", "*", "samples_"+task+"_*.jsonl"), cache} {
		if m, _ := filepath.Glob(pattern); len(m) != 1 {
			t.Errorf("%s: found %v", pattern, m)
		}
	}
	results, _ := filepath.Glob(filepath.Join(dir, "out", "*", "results_*.json"))
	if b, _ := os.ReadFile(results[0]); !strings.Contains(string(b), `"batch_size": "4"`) || !strings.Contains(string(b), `"system_instruction": "Answer."`) {
		t.Errorf("results do not record --batch_size 4 and the system instruction:\n%.2000s", b)
	}

	// --predict_only: the outputs, no metric.
	pdir := filepath.Join(t.TempDir(), "po")
	out, stderr, code = run(t, "eval", "--model", "builtin:recursion-tiny", "--tasks", task, "--limit", "2", "--predict_only", "--output_path", pdir)
	if code != 0 || !strings.Contains(out, "bypass") || strings.Contains(out, "exact_match") {
		t.Fatalf("--predict_only: exit %d, %q, %q", code, out, stderr)
	}
	samples, _ := filepath.Glob(filepath.Join(pdir, "*", "samples_*.jsonl"))
	if len(samples) != 1 {
		t.Fatalf("--predict_only wrote samples %v", samples)
	}
	if b, _ := os.ReadFile(samples[0]); strings.Count(string(b), "\n") != 2 || !strings.Contains(string(b), `"resps"`) {
		t.Errorf("--predict_only samples:\n%s", b)
	}
}
