package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/model"
)

// greedyIDs runs fmkit generate on prompt ids and returns its stdout.
func greedyIDs(t *testing.T, modelPath string, extra ...string) string {
	t.Helper()
	args := append([]string{"generate", "--model", modelPath, "--prompt-ids", "1,5,9,33", "--max-new-tokens", "6"}, extra...)
	out, errOut, code := run(t, args...)
	if code != 0 {
		t.Fatalf("generate %v: exit %d: %s", extra, code, errOut)
	}
	return out
}

// TestQuantizeAndConvert runs fmkit quantize and fmkit convert on a
// fixture: the quantized directory and the GGUF file load and generate the
// tokens that quantizing at load (--dtype) and the source model give.
func TestQuantizeAndConvert(t *testing.T) {
	dir := t.TempDir()
	for _, q := range []string{"q8_0", "q4_0"} {
		out := filepath.Join(dir, q)
		stdout, stderr, code := run(t, "quantize", "--model", fixture, "--type", q, "--out", out)
		if code != 0 || !strings.Contains(stdout, "wrote") {
			t.Fatalf("quantize %s: exit %d: %s%s", q, code, stdout, stderr)
		}
		if !model.IsGGUF(filepath.Join(out, "model.gguf")) {
			t.Fatalf("%s: no model.gguf", out)
		}
		if got, want := greedyIDs(t, out), greedyIDs(t, fixture, "--dtype", q); got != want {
			t.Errorf("%s: quantized directory generates %q, --dtype %s %q", q, got, q, want)
		}
	}
	file := filepath.Join(dir, "f32.gguf")
	if _, stderr, code := run(t, "convert", "--model", fixture, "--to", "gguf", "--out", file); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	if got, want := greedyIDs(t, file), greedyIDs(t, fixture); got != want {
		t.Errorf("GGUF generates %q, the checkpoint %q", got, want)
	}
}

func TestQuantizeConvertErrors(t *testing.T) {
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "x.gguf")
	os.WriteFile(notGGUF, []byte("not a model"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"quantize", "--model", fixture, "--type", "q5_0", "--out", dir}, `--type "q5_0": expected q8_0, q4_0, q4_k, q5_k or q6_k`},
		{[]string{"quantize", "--model", fixture, "--type", "f16", "--out", dir}, `--type "f16": expected q8_0, q4_0, q4_k, q5_k or q6_k`},
		{[]string{"quantize", "--model", fixture, "--type", "q8_0"}, "--out is required"},
		{[]string{"convert", "--model", fixture, "--to", "onnx", "--out", notGGUF}, `--to "onnx": expected gguf`},
		{[]string{"convert", "--model", "../../model/testdata/llama3_mqa_bias", "--out", filepath.Join(dir, "l3.gguf")}, `rope scaling "llama3" has no GGUF form`},
		{[]string{"generate", "--model", fixture, "--dtype", "q9", "--prompt-ids", "1"}, `--dtype "q9": expected f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k`},
		{[]string{"generate", "--model", notGGUF, "--prompt-ids", "1"}, "expected a model directory with config.json and safetensors weights, or a GGUF file"},
	} {
		_, stderr, code := run(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "l3.gguf")); err == nil {
		t.Error("a failed conversion left its file")
	}
}

// TestConvertCarriesTokenizer converts a model with a byte-level BPE
// tokenizer.json: generating from text with the GGUF file (whose
// vocabulary is rebuilt by tokenizer.FromGGUF) gives the directory's output.
func TestConvertCarriesTokenizer(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		data, err := os.ReadFile(filepath.Join(fixture, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	writeByteLevelTokenizer(dir)
	file := filepath.Join(t.TempDir(), "m.gguf")
	if _, stderr, code := run(t, "convert", "--model", dir, "--out", file); code != 0 || strings.Contains(stderr, "no vocabulary") {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	gen := func(m string) string {
		out, stderr, code := run(t, "generate", "--model", m, "--prompt", "Hello, GGUF world!", "--max-new-tokens", "8")
		if code != 0 {
			t.Fatalf("generate %s: exit %d: %s", m, code, stderr)
		}
		return out
	}
	if got, want := gen(file), gen(dir); got != want || want == "" {
		t.Errorf("GGUF generates %q, the directory %q", got, want)
	}
}

// writeByteLevelTokenizer writes a byte-level BPE tokenizer.json of the
// fixtures' 96 ids: 94 printable ASCII characters, "Ġ" (the byte-level
// space) and an end-of-text token.
func writeByteLevelTokenizer(dir string) {
	vocab := map[string]int{}
	for c := 33; c <= 126; c++ {
		vocab[string(rune(c))] = c - 33
	}
	vocab["Ġ"] = 94
	tj, _ := json.Marshal(map[string]any{
		"version":       "1.0",
		"added_tokens":  []any{map[string]any{"id": 95, "content": "<|endoftext|>", "special": true}},
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
		"decoder":       map[string]any{"type": "ByteLevel"},
		"model":         map[string]any{"type": "BPE", "vocab": vocab, "merges": []string{}},
	})
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), tj, 0o644)
}

// TestServeQuantizedGGUF quantizes serve's tiny GPT-2 with a byte-level
// tokenizer.json (which goes into the file) and serves the GGUF file
// alone: the completion equals the one the directory gives with --dtype
// q8_0.
func TestServeQuantizedGGUF(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	for _, name := range []string{"config.json", "model.safetensors"} {
		data, err := os.ReadFile(filepath.Join("../../serve/testdata/tiny", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(src, name), data, 0o644)
	}
	writeByteLevelTokenizer(src)
	if _, stderr, code := run(t, "quantize", "--model", src, "--type", "q8_0", "--out", dir); code != 0 {
		t.Fatalf("quantize: exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join(dir, "tokenizer.json")) // the GGUF vocabulary must do
	complete := func(args ...string) string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, append([]string{"serve", "--port", "0", "--served-model-name", "tiny"}, args...), io.Discard, pw)
			pw.Close()
		}()
		lines := bufio.NewScanner(pr)
		if !lines.Scan() {
			t.Fatal("serve printed nothing")
		}
		go io.Copy(io.Discard, pr)
		_, rest, ok := strings.Cut(lines.Text(), "on http://")
		if !ok {
			t.Fatalf("first line %q", lines.Text())
		}
		resp, err := http.Post("http://"+strings.Fields(rest)[0]+"/completions", "application/json", strings.NewReader(`{"model": "tiny", "prompt": "Hello", "max_tokens": 6, "temperature": 0}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Choices []struct {
				Text string `json:"text"`
			} `json:"choices"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 || len(out.Choices) != 1 {
			t.Fatalf("%v: status %d, %+v", args, resp.StatusCode, out)
		}
		cancel()
		<-done
		return out.Choices[0].Text
	}
	if got, want := complete("--model", filepath.Join(dir, "model.gguf")), complete("--model", src, "--dtype", "q8_0"); got != want {
		t.Errorf("GGUF completion %q, directory with --dtype q8_0 %q", got, want)
	}
}
