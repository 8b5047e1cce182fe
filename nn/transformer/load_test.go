package transformer

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/npy"
)

// fixtureDir is the engine's reference checkpoints, whose logits PyTorch
// computed (testdata/gen/engine/make_fixtures.py).
const fixtureDir = "../../model/testdata"

type engineRef struct {
	Sequences [][]int `json:"sequences"`
}

func readRef(t *testing.T, name string) engineRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name, "ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r engineRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func readNpy(t *testing.T, path string) []float64 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLogitsMatchReference runs every engine fixture through the trainable
// model, in float32 and float64, and compares with PyTorch's logits: within
// 1e-4 of their scale, the engine's own bound.
func TestLogitsMatchReference(t *testing.T) {
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if _, err := os.Stat(filepath.Join(fixtureDir, name, "ref.json")); !e.IsDir() || err != nil {
			continue // not a reference checkpoint (fuzz corpora live here too)
		}
		n++
		t.Run(name+"/float32", func(t *testing.T) { checkLogits[float32](t, name) })
		t.Run(name+"/float64", func(t *testing.T) { checkLogits[float64](t, name) })
	}
	if n < 8 {
		t.Fatalf("only %d fixtures", n)
	}
}

func checkLogits[T nn.Float](t *testing.T, name string) {
	m, _, err := Load[T](filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	ref := readRef(t, name)
	for i, seq := range ref.Sequences {
		if m.Config.RopeScaling.Type == "dynamic" && len(seq) > m.Config.MaxPositions {
			continue // dynamic NTK scaling acts only beyond the trained length, which training does not reach
		}
		logits, err := m.Logits(nil, seq, 1, len(seq), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := readNpy(t, filepath.Join(fixtureDir, name, "logits_"+string(rune('0'+i))+".npy"))
		if len(want) != logits.Len() {
			t.Fatalf("sequence %d: %d logits, reference has %d", i, logits.Len(), len(want))
		}
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
		for j, v := range logits.Data() {
			if d := math.Abs(float64(v) - want[j]); d > 1e-4*scale {
				t.Fatalf("sequence %d logit %d: %v, reference %v", i, j, v, want[j])
			}
		}
	}
}

// TestSaveRoundTrip saves a loaded model and reloads it: every tensor
// (including the transposed GPT-2 weights and fused Llama projections)
// comes back bit for bit, and the engine loads the saved directory too.
func TestSaveRoundTrip(t *testing.T) {
	for _, name := range []string{"gpt2", "llama_gqa", "llama3_mqa_bias", "neox_parallel", "neox_sequential_tied"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(fixtureDir, name)
			m, _, err := Load[float32](src)
			if err != nil {
				t.Fatal(err)
			}
			_, raw, err := ReadConfig(filepath.Join(src, ConfigFile))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := m.Save(dir, raw); err != nil {
				t.Fatal(err)
			}
			back, unused, err := Load[float32](dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(unused) != 0 {
				t.Errorf("saved checkpoint has tensors the model does not use: %v", unused)
			}
			for i, p := range m.Params() {
				q := back.Params()[i]
				for j, v := range p.Data() {
					if q.Data()[j] != v {
						t.Fatalf("%s element %d: %v after the round trip, was %v", p.Name, j, q.Data()[j], v)
					}
				}
			}
			if _, err := model.Load(dir, nil); err != nil {
				t.Fatalf("the engine cannot load the saved model: %v", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	src := filepath.Join(fixtureDir, "llama_gqa")
	m, _, err := Load[float32](src)
	if err != nil {
		t.Fatal(err)
	}
	_, raw, _ := ReadConfig(filepath.Join(src, ConfigFile))

	// A checkpoint missing a tensor names it.
	dir := t.TempDir()
	m.bindings = m.bindings[:len(m.bindings)-1] // drop lm_head from what is saved
	if err := m.Save(dir, raw); err != nil {
		t.Fatal(err)
	}
	_, _, err = Load[float32](dir)
	if !errors.Is(err, ErrMissingTensor) || !strings.Contains(err.Error(), "lm_head.weight") {
		t.Errorf("missing tensor: err = %v, want ErrMissingTensor naming lm_head.weight", err)
	}

	// A config whose sizes disagree with the weights names the tensor and
	// both shapes.
	dir2 := t.TempDir()
	src = filepath.Join(fixtureDir, "llama3_mqa_bias")
	_, raw, _ = ReadConfig(filepath.Join(src, ConfigFile))
	bigger := strings.Replace(string(raw), `"intermediate_size": 64`, `"intermediate_size": 80`, 1)
	if bigger == string(raw) {
		t.Fatal("fixture config changed; update the test")
	}
	copyFile(t, filepath.Join(src, WeightsFile), filepath.Join(dir2, WeightsFile))
	os.WriteFile(filepath.Join(dir2, ConfigFile), []byte(bigger), 0o644)
	_, _, err = Load[float32](dir2)
	if err == nil || !strings.Contains(err.Error(), "gate_proj.weight has shape [64 32], expected [80 32]") {
		t.Errorf("shape mismatch: err = %v", err)
	}

	// An architecture nn cannot build is named with the supported ones.
	dir3 := t.TempDir()
	os.WriteFile(filepath.Join(dir3, ConfigFile), []byte(`{"model_type": "mamba"}`), 0o644)
	_, _, err = Load[float32](dir3)
	if !errors.Is(err, model.ErrUnsupportedModel) || !strings.Contains(err.Error(), "mamba") {
		t.Errorf("unknown architecture: err = %v", err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
