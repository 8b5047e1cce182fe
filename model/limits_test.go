package model

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/safetensors"
)

func f32Bytes(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// TestLoadMismatchedCheckpoints covers the silent wrong results of issue
// 24: a config with fewer layers than the checkpoint ran the first layers
// only, and unknown tensors were dropped without a word.
func TestLoadMismatchedCheckpoints(t *testing.T) {
	fewerLayers := copyFixture(t, "gpt2", func(s string) string { return strings.Replace(s, `"n_layer": 2`, `"n_layer": 1`, 1) }, nil)
	_, err := Load(fewerLayers, nil)
	if err == nil || !strings.Contains(err.Error(), "the config has 1 layers, but the checkpoint holds 12 tensors of further layers (such as h.1.attn.c_attn.bias)") {
		t.Errorf("n_layer 1 on a 2-layer checkpoint: %v", err)
	}
	neox := copyFixture(t, "neox_parallel", func(s string) string {
		return strings.Replace(s, `"num_hidden_layers": 2`, `"num_hidden_layers": 1`, 1)
	}, nil)
	if _, err := Load(neox, nil); err == nil || !strings.Contains(err.Error(), "tensors of further layers (such as gpt_neox.layers.1.") {
		t.Errorf("num_hidden_layers 1 on a 2-layer GPT-NeoX: %v", err)
	}
	extra := copyFixture(t, "llama3_mqa_bias", nil, func(ts []safetensors.Tensor) []safetensors.Tensor {
		head := ts[0]
		head.Name, head.Shape, head.Data = "v_head.weight", []int{1}, []byte{0, 0, 0, 0}
		head.DType = safetensors.F32
		return append(ts, head)
	})
	m, err := Load(extra, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.UnusedTensors(); !slices.Equal(got, []string{"v_head.weight"}) {
		t.Errorf("UnusedTensors = %v, want [v_head.weight]", got)
	}
	for _, name := range []string{"gpt2", "llama_gqa", "neox_parallel", "neox_sequential_tied", "llama3_mqa_bias", "llama_bf16_linear", "gpt2_scaled", "neox_dynamic_f16"} {
		m, err := Load("testdata/"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if u := m.UnusedTensors(); len(u) > 0 {
			t.Errorf("%s: unused %v; the fixtures' buffers should be known", name, u)
		}
		m.Close()
	}
}

// TestNonFiniteWeightsFail checks that NaN weights give ErrNonFinite from
// Forward and Generate instead of NaN logits and an empty generation.
func TestNonFiniteWeightsFail(t *testing.T) {
	dir := copyFixture(t, "llama3_mqa_bias", nil, func(ts []safetensors.Tensor) []safetensors.Tensor {
		for i := range ts {
			if ts[i].Name == "model.norm.weight" {
				v, _ := ts[i].ToFloat32()
				v[3] = float32(math.NaN())
				ts[i].Data = f32Bytes(v)
			}
		}
		return ts
	})
	m, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Generate(context.Background(), [][]int{{1, 2, 3}}, &GenerateOptions{MaxNewTokens: 4})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "batch entry 0, position 2") {
		t.Errorf("Generate with NaN weights: %v", err)
	}
}

// TestSamplerLimits is the sampler's table of hostile settings: options
// that cannot be sampled with are rejected, and temperatures too small to
// divide by are greedy, as in vLLM, instead of overflowing to empty text.
func TestSamplerLimits(t *testing.T) {
	bad := []struct {
		opts SamplerOptions
		want string
	}{
		{SamplerOptions{Temperature: math.NaN()}, "Temperature (NaN) must be a finite number >= 0"},
		{SamplerOptions{Temperature: math.Inf(1)}, "Temperature (+Inf)"},
		{SamplerOptions{Temperature: -1}, "Temperature (-1)"},
		{SamplerOptions{TopP: math.NaN()}, "TopP (NaN) must be in [0, 1]"},
		{SamplerOptions{TopP: 1.5}, "TopP (1.5)"},
		{SamplerOptions{MinP: math.NaN()}, "MinP (NaN) must be in [0, 1)"},
		{SamplerOptions{RepetitionPenalty: math.NaN()}, "RepetitionPenalty (NaN) must be a finite number >= 0"},
		{SamplerOptions{TopK: -2}, "TopK (-2) must be >= 0"},
		{SamplerOptions{Temperature: math.NaN(), TopP: 2}, "Temperature (NaN) must be a finite number >= 0; TopP (2) must be in [0, 1]"},
	}
	for _, c := range bad {
		err := c.opts.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Validate = %v, want %q", c.opts, err, c.want)
		}
	}
	logits := []float32{0.5, 3, -1, 2.9}
	for _, temp := range []float64{1e-40, 5e-324, MinTemperature / 2} {
		s := NewSampler(SamplerOptions{Temperature: temp, Seed: 1}, 0)
		for i := 0; i < 20; i++ {
			if got := s.Sample(logits, nil); got != 1 {
				t.Fatalf("temperature %g: sampled %d, want the argmax 1", temp, got)
			}
		}
	}
	// Just above the threshold the sampler divides and still finds the
	// argmax, without overflowing to NaN probabilities.
	huge := []float32{3e38, -3e38, 1e38}
	s := NewSampler(SamplerOptions{Temperature: MinTemperature, Seed: 1}, 0)
	if got := s.Sample(huge, nil); got != 0 {
		t.Errorf("temperature %g on logits near the float32 limit: sampled %d, want 0", MinTemperature, got)
	}
	n := memtest.AllocatedBytes(func() { s.Sample(huge, nil) })
	if n > 1024 {
		t.Errorf("a warm sampler allocated %d bytes", n)
	}
}

// TestTruncatedWeights is issue 24's SIGBUS: a half-precision checkpoint
// truncated while mapped. Forward notices the changed file before reading
// it, and a truncation it cannot notice (between the check and the read)
// faults into an error instead of killing the process.
func TestTruncatedWeights(t *testing.T) {
	dir := copyFixture(t, "neox_dynamic_f16", nil, nil)
	m, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	run := func(forward func(context.Context, []Input, *ForwardOptions) error) error {
		seq, err := m.NewSequence(8)
		if err != nil {
			t.Fatal(err)
		}
		defer seq.Release()
		return forward(context.Background(), []Input{{Seq: seq, Tokens: []int{1, 2, 3, 4}, Logits: 1}}, &ForwardOptions{Logits: func(Row, []float32) error { return nil }})
	}
	if err := run(m.Forward); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "model.safetensors"), 64); err != nil {
		t.Fatal(err)
	}
	if err := run(m.Forward); !errors.Is(err, safetensors.ErrChanged) || !strings.Contains(err.Error(), "size went from") {
		t.Errorf("Forward after truncation: %v", err)
	}
	if err := m.CheckWeights(); !errors.Is(err, safetensors.ErrChanged) {
		t.Errorf("CheckWeights after truncation: %v", err)
	}
	err = run(m.forwardGuarded)
	if !errors.Is(err, safetensors.ErrChanged) || !strings.Contains(err.Error(), "while reading the memory-mapped weights") {
		t.Errorf("forward over a truncated mapping: %v, want a fault turned into an error", err)
	}
}
