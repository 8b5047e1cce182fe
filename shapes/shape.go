package shapes

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Shape is a decoder-only transformer's shape and how one GPU runs it.
type Shape struct {
	Hidden int `json:"hidden"` // h
	Heads  int `json:"heads"`  // a, query heads
	// KVHeads is the number of key/value heads (GQA, MQA). The default, 0,
	// means Heads (multi-head attention).
	KVHeads int `json:"kv_heads"`
	Layers  int `json:"layers"` // L
	Vocab   int `json:"vocab"`  // v
	Seq     int `json:"seq"`    // s
	// MicroBatch is b, the sequences per GPU per step. The default, 0,
	// means 1.
	MicroBatch int `json:"micro_batch"`
	// TP is the tensor-parallel degree t. The default, 0, means 1.
	TP int `json:"tp"`
	// FFN is the MLP's intermediate size. The default, 0, means 4h, or
	// ⌊8h/3⌋ when SwiGLU is set.
	FFN int `json:"ffn"`
	// SwiGLU selects a gated MLP with three matrices (gate, up, down)
	// instead of two.
	SwiGLU bool `json:"swiglu"`
	// TiedEmbeddings shares the input embedding with the output layer.
	TiedEmbeddings bool `json:"tied_embeddings"`
	// LearnedPositions adds a learned position table of Seq×Hidden (GPT-2);
	// rotary models have none.
	LearnedPositions bool `json:"learned_positions"`
}

// WithDefaults returns s with its zero defaults filled in.
func (s Shape) WithDefaults() Shape {
	if s.KVHeads == 0 {
		s.KVHeads = s.Heads
	}
	if s.MicroBatch == 0 {
		s.MicroBatch = 1
	}
	if s.TP == 0 {
		s.TP = 1
	}
	if s.FFN == 0 {
		s.FFN = DefaultFFN(s.Hidden, s.SwiGLU)
	}
	return s
}

// DefaultFFN is the conventional MLP width: 4h, or ⌊8h/3⌋ for SwiGLU,
// which keeps the parameter count of the two-matrix MLP.
func DefaultFFN(hidden int, swiglu bool) int {
	if swiglu {
		return 8 * hidden / 3
	}
	return 4 * hidden
}

// HeadDim is h/a.
func (s Shape) HeadDim() int {
	if s.Heads == 0 {
		return 0
	}
	return s.Hidden / s.Heads
}

// MLPMatrices is 3 with SwiGLU, else 2.
func (s Shape) MLPMatrices() int {
	if s.SwiGLU {
		return 3
	}
	return 2
}

// Validate reports every field that cannot describe a transformer, all at
// once. Defaults are filled in first. Heads not divisible by TP are allowed
// here (the GEMM model rounds the per-rank work up) and reported by
// Guidelines instead.
func (s Shape) Validate() error {
	// Sizes first: the defaults themselves (4h) could overflow.
	if p := s.overflows(); len(p) > 0 {
		return errors.New("shapes: invalid shape: " + strings.Join(p, "; "))
	}
	s = s.WithDefaults()
	var p []string
	positive := []struct {
		name string
		v    int
	}{
		{"hidden", s.Hidden}, {"heads", s.Heads}, {"kv-heads", s.KVHeads}, {"layers", s.Layers},
		{"vocab", s.Vocab}, {"seq", s.Seq}, {"micro-batch", s.MicroBatch}, {"tp", s.TP}, {"ffn", s.FFN},
	}
	for _, f := range positive {
		if f.v <= 0 {
			p = append(p, fmt.Sprintf("%s is %d, expected a positive number", f.name, f.v))
		}
	}
	if s.Heads > 0 && s.Hidden > 0 && s.Hidden%s.Heads != 0 {
		p = append(p, fmt.Sprintf("hidden (%d) is not divisible by heads (%d)", s.Hidden, s.Heads))
	}
	if s.KVHeads > 0 && s.Heads > 0 && (s.KVHeads > s.Heads || s.Heads%s.KVHeads != 0) {
		p = append(p, fmt.Sprintf("heads (%d) is not a multiple of kv-heads (%d)", s.Heads, s.KVHeads))
	}
	if len(p) > 0 {
		return errors.New("shapes: invalid shape: " + strings.Join(p, "; "))
	}
	return nil
}

// maxProduct bounds every product of dimensions the model computes in
// integers (tokens b·s, a GEMM's M·N·K·batch and its thread blocks), with a
// factor 2 of headroom below the int64 limit for the FLOP count's 2·.
const maxProduct = 1 << 62

// overflows reports the GEMMs of s whose size would overflow 64-bit
// integers, computing in float64 (where nothing overflows) before any
// integer product, default included, is formed.
func (s Shape) overflows() []string {
	h, a, k, b, sq := float64(s.Hidden), float64(s.Heads), float64(s.KVHeads), float64(s.MicroBatch), float64(s.Seq)
	if k == 0 {
		k = a
	}
	b = max(b, 1)
	d := 0.0
	if a > 0 {
		d = math.Floor(h / a)
	}
	ffn := float64(s.FFN)
	if s.FFN == 0 {
		ffn = 8 * h // the larger default, SwiGLU's before the /3
	}
	sizes := []struct {
		name string
		v    float64
	}{
		{"qkv", b * sq * (a + 2*k) * d * h},
		{"attn_score", b * a * sq * sq * d},
		{"mlp", b * sq * ffn * h},
		{"logits", b * sq * float64(s.Vocab) * h},
		{"default ffn width", 8 * h},
	}
	var over []string
	for _, g := range sizes {
		if g.v > maxProduct {
			over = append(over, fmt.Sprintf("%s %.3g", g.name, g.v))
		}
	}
	if len(over) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("dimensions too large: the GEMM sizes M·N·K (%s) exceed 64-bit integers (at most %.3g)", strings.Join(over, ", "), float64(maxProduct))}
}

// Layer returns the GEMMs of one transformer layer's forward pass on one
// tensor-parallel rank (the largest share, where t does not divide evenly), in execution order (b micro-batch, s sequence, h
// hidden, a heads, k kv-heads, d = h/a, t tensor-parallel, f FFN width):
//
//	qkv          (b·s, h) × (h, (a+2k)·d/t)
//	attn_score   b·a/t × (s, d) × (d, s)
//	attn_over_v  b·a/t × (s, s) × (s, d)
//	attn_out     (b·s, h/t) × (h/t, h)
//	mlp_up       (b·s, h) × (h, f/t)      (twice, gate and up, with SwiGLU)
//	mlp_down     (b·s, f/t) × (f/t, h)
//
// Non-GEMM work (norms, softmax, activations) is left out: the paper finds
// GEMMs dominate a layer's time as models grow.
func (s Shape) Layer() []GEMM {
	s = s.WithDefaults()
	bs := s.MicroBatch * s.Seq
	d := s.HeadDim()
	heads := ceilDiv(s.MicroBatch*s.Heads, s.TP) // (b·a)/t, rounded up when it is not an integer
	ffn := ceilDiv(s.FFN, s.TP)
	g := []GEMM{
		{Name: "qkv", M: bs, N: ceilDiv((s.Heads+2*s.KVHeads)*d, s.TP), K: s.Hidden, Batch: 1},
		{Name: "attn_score", M: s.Seq, N: s.Seq, K: d, Batch: heads},
		{Name: "attn_over_v", M: s.Seq, N: d, K: s.Seq, Batch: heads},
		{Name: "attn_out", M: bs, N: s.Hidden, K: ceilDiv(s.Hidden, s.TP), Batch: 1},
	}
	if s.SwiGLU {
		g = append(g,
			GEMM{Name: "mlp_gate", M: bs, N: ffn, K: s.Hidden, Batch: 1},
			GEMM{Name: "mlp_up", M: bs, N: ffn, K: s.Hidden, Batch: 1})
	} else {
		g = append(g, GEMM{Name: "mlp_up", M: bs, N: ffn, K: s.Hidden, Batch: 1})
	}
	return append(g, GEMM{Name: "mlp_down", M: bs, N: s.Hidden, K: ffn, Batch: 1})
}

// Logits returns the output layer's GEMM, (b·s, h) × (h, v/t), run once per
// forward pass after the last layer.
func (s Shape) Logits() GEMM {
	s = s.WithDefaults()
	return GEMM{Name: "logits", M: s.MicroBatch * s.Seq, N: ceilDiv(s.Vocab, s.TP), K: s.Hidden, Batch: 1}
}

// Params counts the model's parameters with the cookbook's formula
// (CountParams), reading the FFN width and kv-head ratio from s.
func (s Shape) Params() float64 {
	s = s.WithDefaults()
	return s.paramsOptions().Count().Total
}

func (s Shape) paramsOptions() ParamsOptions {
	return ParamsOptions{
		VocabSize:          s.Vocab,
		TiedEmbeddings:     s.TiedEmbeddings,
		HiddenSize:         s.Hidden,
		SequenceLength:     s.Seq,
		NumLayers:          s.Layers,
		FFNHiddenSize:      s.FFN,
		NumMLPLinears:      s.MLPMatrices(),
		KVSizeRatio:        float64(s.KVHeads) / float64(s.Heads),
		NoLearnedPositions: !s.LearnedPositions,
		ExpertInterval:     1,
		TopK:               1,
	}
}
