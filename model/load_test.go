package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// copyFixture copies a fixture's config and weights into a temporary
// directory, applying edit to the config text and tensors.
func copyFixture(t *testing.T, name string, editConfig func(string) string, editTensors func([]safetensors.Tensor) []safetensors.Tensor) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join("testdata", name, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(cfg)
	if editConfig != nil {
		s = editConfig(s)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(s), 0o644)
	f, err := safetensors.Open(filepath.Join("testdata", name, "model.safetensors"))
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
	if editTensors != nil {
		ts = editTensors(ts)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func without(name string) func([]safetensors.Tensor) []safetensors.Tensor {
	return func(ts []safetensors.Tensor) []safetensors.Tensor {
		var out []safetensors.Tensor
		for _, t := range ts {
			if t.Name != name {
				out = append(out, t)
			}
		}
		return out
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		opts *Options
		want string
	}{
		{"unknown model_type", func(t *testing.T) string {
			return copyFixture(t, "gpt2", func(s string) string { return strings.Replace(s, `"gpt2"`, `"mamba"`, 1) }, nil)
		}, nil, `unsupported architecture "mamba" (model_type); supported: gpt2, gpt_neox, llama`},
		{"missing tensor", func(t *testing.T) string {
			return copyFixture(t, "neox_parallel", nil, without("gpt_neox.layers.1.mlp.dense_4h_to_h.weight"))
		}, nil, `missing 1 tensors: gpt_neox.layers.1.mlp.dense_4h_to_h.weight`},
		{"shape mismatch", func(t *testing.T) string {
			return copyFixture(t, "llama_bf16_linear", func(s string) string {
				return strings.Replace(s, `"intermediate_size": 64`, `"intermediate_size": 48`, 1)
			}, nil)
		}, nil, `tensor "model.layers.0.mlp.gate_proj.weight" has shape [64 32], the config implies [48 32]`},
		{"unsupported dtype", func(t *testing.T) string {
			return copyFixture(t, "gpt2", nil, func(ts []safetensors.Tensor) []safetensors.Tensor {
				for i := range ts {
					if ts[i].Name == "h.0.mlp.c_fc.weight" {
						ts[i].DType = safetensors.I32
					}
				}
				return ts
			})
		}, nil, `tensor "transformer.h.0.mlp.c_fc.weight" has dtype I32`},
		{"bad config field", func(t *testing.T) string {
			return copyFixture(t, "gpt2", func(s string) string { return strings.Replace(s, `"n_layer": 2`, `"n_layer": "two"`, 1) }, nil)
		}, nil, `field "n_layer" is "two", expected an integer`},
		{"bad activation", func(t *testing.T) string {
			return copyFixture(t, "gpt2", func(s string) string { return strings.Replace(s, `"gelu_new"`, `"gelu_bogus"`, 1) }, nil)
		}, nil, `unsupported activation "gelu_bogus"`},
		{"bad rope scaling", func(t *testing.T) string {
			return copyFixture(t, "neox_sequential_tied", func(s string) string { return strings.Replace(s, `"linear"`, `"yarnish"`, 1) }, nil)
		}, nil, `unsupported rope_scaling type "yarnish"`},
		{"truncated weights", func(t *testing.T) string {
			dir := copyFixture(t, "gpt2", nil, nil)
			p := filepath.Join(dir, "model.safetensors")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-100], 0o644)
			return dir
		}, nil, "file truncated?"},
		{"no weights", func(t *testing.T) string {
			dir := copyFixture(t, "gpt2", nil, nil)
			os.Remove(filepath.Join(dir, "model.safetensors"))
			return dir
		}, nil, "has neither model.safetensors nor model.safetensors.index.json"},
		{"pickle weights only", func(t *testing.T) string {
			dir := copyFixture(t, "gpt2", nil, nil)
			os.Rename(filepath.Join(dir, "model.safetensors"), filepath.Join(dir, "pytorch_model.bin"))
			return dir
		}, nil, "PyTorch pickle weights, which fmkit does not read"},
		{"not a directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "absent") },
			nil, "expected a model directory with config.json"},
		{"too large", func(t *testing.T) string { return filepath.Join("testdata", "gpt2") },
			&Options{MemoryLimit: 1000}, "the weights need"},
		{"bad dtype option", func(t *testing.T) string { return filepath.Join("testdata", "gpt2") },
			&Options{DType: "f8"}, `dtype "f8": expected f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.dir(t), tt.opts)
			if err == nil {
				m.Close()
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	_, err := Load(filepath.Join("testdata", "gpt2"), &Options{MemoryLimit: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v is not ErrTooLarge", err)
	}
}

// Weights that need no conversion alias the mapped file.
func TestWeightsReadInPlace(t *testing.T) {
	m, _ := loadFixture(t, "llama_bf16_linear")
	if m.DType() != BF16 || m.layers[0].up.w.bf16 == nil {
		t.Fatalf("dtype %s: bf16 weights were converted", m.DType())
	}
	f := m.ckpt.(*safetensors.Checkpoint).Files()[0]
	tt, _ := f.Tensor("model.layers.0.mlp.up_proj.weight")
	raw, _ := tt.BF16()
	if &raw[0] != &m.layers[0].up.w.bf16[0] {
		t.Error("bf16 weight was copied instead of read in place")
	}
}

// Float32 weights are packed at load and the unpacked copies let go; a
// tied output layer is packed once and also serves embedding lookups.
func TestWeightsPacked(t *testing.T) {
	for _, name := range []string{"neox_parallel", "neox_sequential_tied", "gpt2"} {
		m, _ := loadFixture(t, name)
		for i, L := range m.layers {
			for _, l := range append([]linear{L.out, L.up, L.down}, L.qkv...) {
				if l.packed == nil || l.w.f32 != nil {
					t.Fatalf("%s layer %d: float32 weight not packed (or kept twice)", name, i)
				}
			}
		}
		tied := m.Config.TieEmbed || m.Config.ModelType == "gpt2"
		if m.head.packed == nil || tied != (m.embedPacked == m.head.packed) || tied != (m.embed.f32 == nil) {
			t.Errorf("%s: head packed %v, embedding from the packed head %v, tied %v", name, m.head.packed != nil, m.embedPacked != nil, tied)
		}
	}
}

// --dtype conversions stay close to the full-precision logits and halve the
// weight bytes.
func TestDTypeOverride(t *testing.T) {
	want, _ := readNpy(t, filepath.Join("testdata", "neox_parallel", "logits_0.npy"))
	for _, dt := range []DType{BF16, F16, Float32} {
		m, err := Load(filepath.Join("testdata", "neox_parallel"), &Options{DType: dt})
		if err != nil {
			t.Fatal(err)
		}
		_, ref := loadFixture(t, "neox_parallel")
		ids := ref.Sequences[0]
		got := forwardAll(t, m, []Input{{Seq: newSeq(t, m, len(ids)), Tokens: ids, Logits: AllLogits}})
		tol := map[DType]float64{BF16: 3e-2, F16: 3e-3, Float32: relTol}[dt]
		checkClose(t, string(dt), got[0], want, tol)
		if m.DType() != dt {
			t.Errorf("DType() = %s, want %s", m.DType(), dt)
		}
		m.Close()
	}
	// Converting f32 to bf16 equals storing bf16: the rounding is the same.
	m, _ := Load(filepath.Join("testdata", "neox_parallel"), &Options{DType: BF16})
	defer m.Close()
	w := m.layers[0].up.w.bf16[5]
	orig, _ := loadFixture(t, "neox_parallel")
	tt, _ := orig.ckpt.Tensor("gpt_neox.layers.0.mlp.dense_h_to_4h.weight")
	stored, _ := tt.Float32()
	if w != tensor.BF16FromFloat32(stored[5]) {
		t.Error("bf16 conversion does not round to nearest even")
	}
}
