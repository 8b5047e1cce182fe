package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/safetensors"
)

// withExtraTensors copies the model fixture name with extra F32 tensors
// of one element added to its checkpoint.
func withExtraTensors(t *testing.T, name string, extra ...string) string {
	t.Helper()
	src := filepath.Join("../../model/testdata", name)
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []safetensors.Tensor
	for _, info := range f.Tensors() {
		tt, _ := f.Tensor(info.Name)
		tt.Data = append([]byte(nil), tt.Data...)
		ts = append(ts, tt)
	}
	for _, n := range extra {
		ts = append(ts, safetensors.Tensor{TensorInfo: safetensors.TensorInfo{Name: n, DType: safetensors.F32, Shape: []int{1}}, Data: make([]byte, 4)})
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestUnusedTensorsAreReported is issue 24's "unknown extra tensors are
// ignored silently": a checkpoint with tensors the model does not bind
// still runs, but the command says which ones it left out.
func TestUnusedTensorsAreReported(t *testing.T) {
	cases := []struct {
		name  string
		extra []string
		want  string // "" for no warning at all
	}{
		{"none", nil, ""},
		{"a value head", []string{"v_head.weight"}, "warning: the model does not use 1 checkpoint tensor: v_head.weight\n"},
		{"an adapter", []string{"lora.a", "lora.b", "lora.c", "lora.d", "lora.e"},
			"warning: the model does not use 5 checkpoint tensors: lora.a, lora.b, lora.c and 2 more\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := withExtraTensors(t, "llama3_mqa_bias", c.extra...)
			out, stderr, code := run(t, "score", "--model", dir, "--context-ids", "1,2", "--continuation-ids", "3", "--json")
			if code != 0 || !strings.Contains(out, "logprob") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want the score", code, out, stderr)
			}
			if stderr != c.want {
				t.Errorf("stderr %q, want %q", stderr, c.want)
			}
		})
	}
}
