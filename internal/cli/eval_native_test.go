package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/safetensors"
)

// writeTinyNeoX writes a random GPT-NeoX checkpoint with a byte-level BPE
// tokenizer (256 byte tokens, no merges, <|endoftext|> = 256): enough to
// run any text, Korean included, through the whole native path.
func writeTinyNeoX(t *testing.T, dir string) {
	t.Helper()
	const H, L, V, F = 32, 2, 257, 64
	rng := rand.New(rand.NewPCG(7, 7))
	randn := func(n int, scale float32) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64()) * scale
		}
		return x
	}
	ones := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		return x
	}
	ts := []safetensors.Tensor{
		safetensors.FromFloat32("gpt_neox.embed_in.weight", []int{V, H}, randn(V*H, 1)),
		safetensors.FromFloat32("gpt_neox.final_layer_norm.weight", []int{H}, ones(H)),
		safetensors.FromFloat32("gpt_neox.final_layer_norm.bias", []int{H}, randn(H, 0.1)),
		safetensors.FromFloat32("embed_out.weight", []int{V, H}, randn(V*H, 0.5)),
	}
	for l := 0; l < L; l++ {
		p := fmt.Sprintf("gpt_neox.layers.%d.", l)
		ts = append(ts,
			safetensors.FromFloat32(p+"input_layernorm.weight", []int{H}, ones(H)),
			safetensors.FromFloat32(p+"input_layernorm.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"post_attention_layernorm.weight", []int{H}, ones(H)),
			safetensors.FromFloat32(p+"post_attention_layernorm.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"attention.query_key_value.weight", []int{3 * H, H}, randn(3*H*H, 0.2)),
			safetensors.FromFloat32(p+"attention.query_key_value.bias", []int{3 * H}, randn(3*H, 0.1)),
			safetensors.FromFloat32(p+"attention.dense.weight", []int{H, H}, randn(H*H, 0.2)),
			safetensors.FromFloat32(p+"attention.dense.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"mlp.dense_h_to_4h.weight", []int{F, H}, randn(F*H, 0.2)),
			safetensors.FromFloat32(p+"mlp.dense_h_to_4h.bias", []int{F}, randn(F, 0.1)),
			safetensors.FromFloat32(p+"mlp.dense_4h_to_h.weight", []int{H, F}, randn(H*F, 0.2)),
			safetensors.FromFloat32(p+"mlp.dense_4h_to_h.bias", []int{H}, randn(H, 0.1)),
		)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`{"model_type": "gpt_neox", "hidden_size": %d, "num_attention_heads": 4,
	  "num_hidden_layers": %d, "intermediate_size": %d, "vocab_size": %d, "max_position_embeddings": 2048,
	  "layer_norm_eps": 1e-5, "rotary_emb_base": 10000, "rotary_pct": 0.5, "use_parallel_residual": true,
	  "hidden_act": "gelu", "bos_token_id": 256, "eos_token_id": 256, "tie_word_embeddings": false}`, H, L, F, V)
	writeFile(t, filepath.Join(dir, "config.json"), config)
	vocab := map[string]int{"<|endoftext|>": 256}
	for b, r := range byteLevelAlphabet() {
		vocab[string(r)] = b
	}
	tok := map[string]any{
		"version":        "1.0",
		"added_tokens":   []any{map[string]any{"id": 256, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}},
		"normalizer":     nil,
		"pre_tokenizer":  map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
		"post_processor": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model":          map[string]any{"type": "BPE", "vocab": vocab, "merges": []string{}},
	}
	b, _ := json.Marshal(tok)
	writeFile(t, filepath.Join(dir, "tokenizer.json"), string(b))
	writeFile(t, filepath.Join(dir, "tokenizer_config.json"), `{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}`)
}

// byteLevelAlphabet is GPT-2's bytes_to_unicode table: printable bytes map
// to themselves, the rest to code points from 256 up, in byte order.
func byteLevelAlphabet() [256]rune {
	var table [256]rune
	next := rune(256)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			table[b] = rune(b)
		} else {
			table[b] = next
			next++
		}
	}
	return table
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEvalNativeEndToEnd evaluates a KMMLU-format dataset on local files
// with a native checkpoint through the fmkit command, then recomputes the
// reported accuracy from the sample log and rescoring one document's
// requests directly with the engine.
func TestEvalNativeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	os.Mkdir(modelDir, 0o755)
	writeTinyNeoX(t, modelDir)
	docs, _ := filepath.Abs("../../eval/testdata/docs")
	tasks := filepath.Join(dir, "tasks")
	os.Mkdir(tasks, 0o755)
	writeFile(t, filepath.Join(tasks, "kmmlu_local.yaml"), fmt.Sprintf(`task: kmmlu_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: %s/kmmlu_test.jsonl
    dev: %s/kmmlu_dev.jsonl
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
metadata:
  version: 2.0
`, docs, docs))
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"eval", "--model", modelDir, "--tasks", "kmmlu_local", "--include-path", tasks,
		"--num-fewshot", "2", "--output", out, "--log-samples"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("fmkit eval exited %d: %s", code, stderr.String())
	}
	results, _ := filepath.Glob(filepath.Join(out, "*", "results_*.json"))
	samples, _ := filepath.Glob(filepath.Join(out, "*", "samples_kmmlu_local_*.jsonl"))
	if len(results) != 1 || len(samples) != 1 {
		t.Fatalf("results %v, samples %v", results, samples)
	}
	var res struct {
		Results map[string]map[string]any `json:"results"`
	}
	b, _ := os.ReadFile(results[0])
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(samples[0])
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	correct := 0.0
	type sample struct {
		Target    string                       `json:"target"`
		Arguments map[string]map[string]string `json:"arguments"`
		Resps     [][][]any                    `json:"resps"`
	}
	var first sample
	for i, line := range lines {
		var s sample
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = s
		}
		best, bestLL := -1, math.Inf(-1)
		for c, r := range s.Resps {
			ll := loggedFloat(t, r[0][0])
			if ll > bestLL {
				best, bestLL = c, ll
			}
		}
		if fmt.Sprint(best) == s.Target {
			correct++
		}
	}
	if got, want := res.Results["kmmlu_local"]["acc,none"].(float64), correct/float64(len(lines)); got != want {
		t.Errorf("results acc %v, recomputed from the sample log %v", got, want)
	}

	// The harness scored the choices from one shared context; scoring the
	// same requests one by one must give the same numbers.
	b2, m, err := openNative(context.Background(), modelDir, "", false, &stderr, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if len(first.Arguments) != 4 {
		t.Fatalf("first document has %d requests, want 4", len(first.Arguments))
	}
	for c := range len(first.Arguments) {
		arg := first.Arguments[fmt.Sprintf("gen_args_%d", c)]
		got, err := b2.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: arg["arg_0"], Continuation: arg["arg_1"]}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		logged := loggedFloat(t, first.Resps[c][0][0])
		if math.Abs(got[0].LogProb-logged) > 1e-4*math.Max(1, math.Abs(logged)) {
			t.Errorf("choice %d: harness logged %v, direct scoring %v", c, logged, got[0].LogProb)
		}
	}
}

// loggedFloat reads a log-likelihood from a sample log, where lm-eval's
// sanitize_list may have written it as a number or as its str().
func loggedFloat(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return x
	case string:
		var f float64
		if _, err := fmt.Sscan(x, &f); err == nil {
			return f
		}
	}
	t.Fatalf("sample log response %v: expected a number", v)
	return 0
}

// --apply-chat-template renders prompts with the chat_template of
// tokenizer_config.json.
func TestEvalNativeChatTemplate(t *testing.T) {
	dir := t.TempDir()
	writeTinyNeoX(t, dir)
	writeFile(t, filepath.Join(dir, "tokenizer_config.json"), `{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
	  "chat_template": "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}"}`)
	docs, _ := filepath.Abs("../../eval/testdata/docs")
	tasks := t.TempDir()
	writeFile(t, filepath.Join(tasks, "chat_local.yaml"), fmt.Sprintf(`task: chat_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: %s/kmmlu_test.jsonl
output_type: multiple_choice
test_split: test
doc_to_text: "Q: {{question.strip()}}"
doc_to_choice: ["A", "B", "C", "D"]
doc_to_target: "{{answer-1}}"
metric_list:
  - metric: acc
`, docs))
	out := t.TempDir()
	_, e, code := run(t, "eval", "--model", dir, "--tasks", "chat_local", "--include-path", tasks, "--limit", "1",
		"--apply-chat-template", "--system-instruction", "Be exact.", "--output", out, "--log-samples")
	if code != 0 {
		t.Fatal(e)
	}
	samples, _ := filepath.Glob(filepath.Join(out, "*", "samples_chat_local_*.jsonl"))
	if len(samples) != 1 {
		t.Fatalf("samples: %v", samples)
	}
	raw, _ := os.ReadFile(samples[0])
	var s struct {
		Arguments map[string]map[string]string `json:"arguments"`
	}
	json.Unmarshal(raw, &s)
	got := s.Arguments["gen_args_0"]["arg_0"]
	want := "[system] Be exact.\n[user] Q: 재무상태표에 관한 설명으로 옳은 것은? [test 0]\n[assistant]"
	if got != want {
		t.Errorf("chat prompt %q, want %q", got, want)
	}

	// Without a template the flag is refused before any work.
	plain := t.TempDir()
	writeTinyNeoX(t, plain)
	_, e, code = run(t, "eval", "--model", plain, "--tasks", "chat_local", "--include-path", tasks, "--apply-chat-template")
	if code == 0 || !strings.Contains(e, "has no chat template") {
		t.Errorf("exit %d, stderr %q", code, e)
	}
}
