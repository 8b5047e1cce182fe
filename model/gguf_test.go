package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/safetensors"
)

// writeGGUF converts the model at src to a GGUF file in a temporary
// directory and returns its path.
func writeGGUF(t *testing.T, src string, dtype DType) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	notes, err := WriteGGUF(context.Background(), f, src, &GGUFOptions{DType: dtype})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path, notes
}

func loadWith(t *testing.T, path string, dtype DType) *Model {
	t.Helper()
	m, err := Load(path, &Options{DType: dtype})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func logitsOf(t *testing.T, m *Model, ids []int) []float32 {
	t.Helper()
	return forwardAll(t, m, []Input{{Seq: newSeq(t, m, len(ids)), Tokens: ids, Logits: AllLogits}})[0]
}

// TestGGUFRoundTrip converts each fixture whose features GGUF expresses,
// loads the file back and expects the same Config and bit-identical logits:
// the layouts llama.cpp's converter applies (q/k rows permuted per head,
// NeoX's fused qkv regrouped, GPT-2's Conv1D transposed) are undone
// exactly. In Q8_0 and Q4_0 the GGUF file must give the logits of
// quantizing at load; Q8_0 logits stay within 3% of the largest float32
// logit (on these small random models quantizing the weights alone, as
// llama.cpp quantizes them bit for bit, moves logits by up to 1.3%), and
// the 8-bit activations of the integer products add at most 2.5% to the
// logits of the same weights dequantized to float32 (1.7% measured; a
// wrong scale or block would be off by far more).
func TestGGUFRoundTrip(t *testing.T) {
	ids := []int{1, 5, 9, 33, 2, 70, 4, 15}
	for _, name := range []string{"llama_gqa", "llama_bf16_linear", "neox_parallel", "gpt2"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			hf := loadWith(t, dir, Float32)
			path, _ := writeGGUF(t, dir, Float32)
			g := loadWith(t, path, Auto)
			if g.Config.ModelType != hf.Config.ModelType || g.Config.Hidden != hf.Config.Hidden || g.Config.RotaryDim != hf.Config.RotaryDim ||
				g.Config.KVHeads != hf.Config.KVHeads || g.Config.TieEmbed != hf.Config.TieEmbed || g.Config.RopeScaling != hf.Config.RopeScaling ||
				g.Config.ParallelResidual != hf.Config.ParallelResidual || g.Config.NormEps != float64(float32(hf.Config.NormEps)) {
				t.Errorf("config from GGUF %+v\nfrom config.json %+v", g.Config, hf.Config)
			}
			want := logitsOf(t, hf, ids)
			got := logitsOf(t, g, ids)
			if diff, _ := maxAbsDiff(got, want); diff > 1e-5 {
				t.Errorf("f32 GGUF logits differ by %g", diff)
			}
			for _, q := range []DType{Q8_0, Q4_0} {
				path, notes := writeGGUF(t, dir, q)
				fromFile := logitsOf(t, loadWith(t, path, Auto), ids)
				atLoad := logitsOf(t, loadWith(t, dir, q), ids)
				if diff, _ := maxAbsDiff(fromFile, atLoad); diff != 0 {
					t.Errorf("%s: GGUF logits differ from quantizing at load by %g (notes %v)", q, diff, notes)
				}
				if diff, scale := maxAbsDiff(fromFile, want); q == Q8_0 && diff > 3e-2*scale {
					t.Errorf("q8_0 logits differ from f32 by %g, bound 3e-2 × %g", diff, scale)
				}
				dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
				if diff, scale := maxAbsDiff(fromFile, dequantized); diff > 2.5e-2*scale {
					t.Errorf("%s: integer products differ from the dequantized weights' by %g (max |logit| %g)", q, diff, scale)
				}
			}
		})
	}
}

// TestGGUFNotExpressible: configs GGUF cannot describe are errors naming
// what, not files that would run differently.
func TestGGUFNotExpressible(t *testing.T) {
	for _, name := range []string{"llama3_mqa_bias", "neox_dynamic_f16", "gpt2_scaled"} {
		_, err := WriteGGUF(context.Background(), &strings.Builder{}, filepath.Join("testdata", name), nil)
		if err == nil || !strings.Contains(err.Error(), "GGUF") {
			t.Errorf("%s: error %v, want one naming GGUF", name, err)
		}
	}
}

// randomLlama writes a Llama checkpoint large enough for Q4_K's 256-weight
// blocks (hidden 256, 2 layers).
func randomLlama(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	const H, I, V, L, heads, kv = 256, 512, 300, 2, 4, 2
	cfg := map[string]any{"model_type": "llama", "hidden_size": H, "intermediate_size": I, "vocab_size": V,
		"num_hidden_layers": L, "num_attention_heads": heads, "num_key_value_heads": kv, "max_position_embeddings": 128,
		"rms_norm_eps": 1e-5, "bos_token_id": 1, "eos_token_id": 2}
	b, _ := json.Marshal(cfg)
	if err := atomicfile.WriteFile(filepath.Join(dir, "config.json"), b); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	mat := func(name string, rows, cols int, scale float64) safetensors.Tensor {
		v := make([]float32, rows*cols)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		shape := []int{rows, cols}
		if rows == 1 {
			shape = []int{cols}
			for i := range v {
				v[i] = 1 + v[i]
			}
		}
		return safetensors.FromFloat32(name, shape, v)
	}
	d := H / heads
	ts := []safetensors.Tensor{mat("model.embed_tokens.weight", V, H, 1), mat("model.norm.weight", 1, H, 0.1), mat("lm_head.weight", V, H, 0.06)}
	for l := range L {
		p := fmt.Sprintf("model.layers.%d.", l)
		ts = append(ts, mat(p+"input_layernorm.weight", 1, H, 0.1), mat(p+"post_attention_layernorm.weight", 1, H, 0.1),
			mat(p+"self_attn.q_proj.weight", H, H, 0.06), mat(p+"self_attn.k_proj.weight", kv*d, H, 0.06),
			mat(p+"self_attn.v_proj.weight", kv*d, H, 0.06), mat(p+"self_attn.o_proj.weight", H, H, 0.06),
			mat(p+"mlp.gate_proj.weight", I, H, 0.06), mat(p+"mlp.up_proj.weight", I, H, 0.06), mat(p+"mlp.down_proj.weight", H, I, 0.04))
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGGUFQ4K: a Q4_K file loads to the logits of quantizing at load, the
// integer products follow the dequantized weights, and a model too narrow
// for 256-weight blocks keeps those tensors and says so.
func TestGGUFQ4K(t *testing.T) {
	dir := randomLlama(t)
	ids := []int{1, 7, 99, 250, 3, 42}
	path, notes := writeGGUF(t, dir, Q4_K)
	if len(notes) != 0 {
		t.Errorf("notes %v, want none", notes)
	}
	g := loadWith(t, path, Auto)
	if g.DType() != Q4_K {
		t.Errorf("dtype %s", g.DType())
	}
	fromFile := logitsOf(t, g, ids)
	atLoad := logitsOf(t, loadWith(t, dir, Q4_K), ids)
	if diff, _ := maxAbsDiff(fromFile, atLoad); diff != 0 {
		t.Errorf("GGUF Q4_K logits differ from quantizing at load by %g", diff)
	}
	dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
	if diff, scale := maxAbsDiff(fromFile, dequantized); diff > 2.5e-2*scale {
		t.Errorf("Q4_K integer products differ from the dequantized weights' by %g (max |logit| %g)", diff, scale)
	}
	narrow := loadWith(t, filepath.Join("testdata", "llama_gqa"), Q4_K)
	if len(narrow.Notes()) == 0 || !strings.Contains(narrow.Notes()[0], "not a whole number of q4_k blocks") {
		t.Errorf("notes %v", narrow.Notes())
	}
}

func TestGGUFLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, meta []gguf.KV, tensors []gguf.TensorData) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := gguf.Write(f, meta, tensors); err != nil {
			t.Fatal(err)
		}
		return path
	}
	arch := func(a string) []gguf.KV {
		return []gguf.KV{{Key: "general.architecture", Value: gguf.StringValue(a)}}
	}
	src, _ := writeGGUF(t, filepath.Join("testdata", "llama_gqa"), Float32)
	raw, _ := os.ReadFile(src)
	truncated := filepath.Join(dir, "truncated.gguf")
	os.WriteFile(truncated, raw[:len(raw)/2], 0o644)
	q6, _ := gguf.Parse(raw)
	var tensors []gguf.TensorData
	for _, info := range q6.Tensors {
		tt, _ := q6.Tensor(info.Name)
		td := gguf.TensorData{Name: info.Name, Dims: info.Dims, Type: info.Type, Data: tt.Data}
		if info.Name == "blk.0.ffn_up.weight" {
			td.Type, td.Data = gguf.Q8_1, make([]byte, 64*36) // 64 rows of one 36-byte block

		}
		tensors = append(tensors, td)
	}
	unsupportedType := write("q8_1.gguf", q6.KV, tensors)
	for _, tc := range []struct {
		name, path, want string
		is               error
	}{
		{"unknown architecture", write("bert.gguf", arch("bert"), nil), `GGUF architecture "bert"; supported: gpt2, gptneox, llama`, ErrUnsupportedModel},
		{"no architecture", write("none.gguf", nil, nil), "no general.architecture", nil},
		{"truncated", truncated, "file truncated", gguf.ErrFormat},
		{"unsupported tensor type", unsupportedType, `tensors of types fmkit does not compute with: blk.0.ffn_up.weight (Q8_1); supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K`, nil},
		{"missing tensors", write("empty.gguf", append(arch("llama"), gguf.KV{Key: "llama.block_count", Value: gguf.Uint32Value(1)}, gguf.KV{Key: "llama.embedding_length", Value: gguf.Uint32Value(32)}, gguf.KV{Key: "llama.attention.head_count", Value: gguf.Uint32Value(4)}, gguf.KV{Key: "llama.vocab_size", Value: gguf.Uint32Value(10)}, gguf.KV{Key: "llama.feed_forward_length", Value: gguf.Uint32Value(64)}), nil), "missing", nil},
	} {
		_, err := Load(tc.path, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestGGUFUnpermute checks the row order against llama.cpp's permute
// written out by hand for one head of dimension 4: convert_hf_to_gguf.py
// stores HF rows [0 1 2 3] as [0 2 1 3].
func TestGGUFUnpermute(t *testing.T) {
	c := &Config{Heads: 2, KVHeads: 1}
	got := ggufRowOrder(ggufRopeQ, c, 8)
	want := []int{0, 2, 1, 3, 4, 6, 5, 7} // hf row i is stored at GGUF row want[i]
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row order %v, want %v", got, want)
		}
	}
	c = &Config{Heads: 2}
	got = ggufRowOrder(ggufNeoXQKV, c, 12) // d = 2: HF [q0 k0 v0 q1 k1 v1], GGUF [q0 q1 k0 k1 v0 v1]
	want = []int{0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("neox row order %v, want %v", got, want)
		}
	}
}

// TestHugeLayerCount: a layer count of four billion, in GGUF metadata or in
// config.json, is refused before anything is allocated per layer (it ran
// the process out of memory).
func TestHugeLayerCount(t *testing.T) {
	src, _ := writeGGUF(t, filepath.Join("testdata", "llama_gqa"), Float32)
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gguf.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	meta := append([]gguf.KV(nil), g.KV...)
	for i, kv := range meta {
		if kv.Key == "llama.block_count" {
			meta[i].Value = gguf.Uint32Value(4_000_000_000)
		}
	}
	var tensors []gguf.TensorData
	for _, info := range g.Tensors {
		tt, _ := g.Tensor(info.Name)
		tensors = append(tensors, gguf.TensorData{Name: info.Name, Dims: info.Dims, Type: info.Type, Data: tt.Data})
	}
	file := filepath.Join(t.TempDir(), "huge.gguf")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := gguf.Write(f, meta, tensors); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dir := copyFixture(t, "gpt2", func(s string) string { return strings.Replace(s, `"n_layer": 2`, `"n_layer": 4000000000`, 1) }, nil)
	for _, path := range []string{file, dir} {
		want := "the config has 4000000000 layers, but the checkpoint holds only"
		if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load %s: error %v, want %q", path, err, want)
		}
		if _, err := WriteGGUF(context.Background(), io.Discard, path, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WriteGGUF %s: error %v, want %q", path, err, want)
		}
	}
}

// FuzzLoadGGUF loads arbitrary bytes as a GGUF model file, from the
// header and metadata through the architecture's config keys to the
// tensors bound: errors are fine, panics are not, loading allocates in
// proportion to the file (a hostile block_count once ran the process out
// of memory), and a model that loads runs a step or returns an error.
// Seeds: the llama_gqa fixture as f32 and q8_0 GGUF, and the committed
// corpus (metadata-only files with hostile sizes).
func FuzzLoadGGUF(f *testing.F) {
	for _, d := range []DType{Float32, Q8_0} {
		var buf bytes.Buffer
		if _, err := WriteGGUF(context.Background(), &buf, filepath.Join("testdata", "llama_gqa"), &GGUFOptions{DType: d}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "m.gguf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var m *Model
		var err error
		n := memtest.AllocatedBytes(func() { m, err = Load(path, nil) })
		// Float32 weights are packed into the GEMM's layout (a copy of
		// about their size); the rest is small.
		if limit := uint64(4*len(data) + 8<<20); n > limit {
			t.Fatalf("loading %d bytes allocated %d (limit %d)", len(data), n, limit)
		}
		if err != nil {
			return
		}
		defer m.Close()
		seq, err := m.NewSequence(2)
		if err != nil {
			return
		}
		_ = m.Forward(context.Background(), []Input{{Seq: seq, Tokens: []int{0, m.Config.Vocab - 1}, Logits: AllLogits}}, &ForwardOptions{
			Logits: func(Row, []float32) error { return nil },
		})
	})
}

// TestGGUFFile: a model knows the GGUF file its weights came from, given
// by its path or as the one .gguf file of a directory without config.json,
// and a safetensors checkpoint has none.
func TestGGUFFile(t *testing.T) {
	dir := filepath.Join("testdata", "llama_gqa")
	if f := loadWith(t, dir, Auto).GGUFFile(); f != "" {
		t.Errorf("safetensors checkpoint: GGUFFile() = %q, want none", f)
	}
	path, _ := writeGGUF(t, dir, Float32)
	if f := loadWith(t, path, Auto).GGUFFile(); f != path {
		t.Errorf("GGUF by path: GGUFFile() = %q, want %q", f, path)
	}
	if f := loadWith(t, filepath.Dir(path), Auto).GGUFFile(); f != path {
		t.Errorf("GGUF in a directory: GGUFFile() = %q, want %q", f, path)
	}
}
