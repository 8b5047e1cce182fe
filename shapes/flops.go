package shapes

import (
	"fmt"
	"math"
)

// FLOPsOptions mirrors the options of the EleutherAI cookbook's
// calc_transformer_flops.py; DefaultFLOPsOptions returns its defaults.
type FLOPsOptions struct {
	VocabSize      int     `json:"vocab_size"`      // default 51200
	HiddenSize     int     `json:"hidden_size"`     // default 6144
	SequenceLength int     `json:"sequence_length"` // default 2048
	NumLayers      int     `json:"num_layers"`      // default 44
	KVSizeRatio    float64 `json:"kv_size_ratio"`   // default 1.0; kv heads / query heads
	MoE            bool    `json:"moe"`             // default false
	NumExperts     int     `json:"num_experts"`     // default 128
	ExpertInterval int     `json:"expert_interval"` // default 2
	TopK           int     `json:"topk"`            // default 1
	// BatchSize is accepted as in the script, which counts FLOPs from
	// Tokens and never reads it. The default is 1.
	BatchSize int     `json:"batch_size"`
	Tokens    float64 `json:"tokens"` // default 300e9
	// CheckpointActivations adds the recomputed forward pass to training.
	// The default is true (the script's --no-checkpoint-activations clears
	// it).
	CheckpointActivations bool `json:"checkpoint_activations"`
	FFNExpansionFactor    int  `json:"ffn_expansion_factor"` // default 4
	// FFNHiddenSize sets the MLP width directly. The script defines this
	// option, refuses it together with a non-default FFNExpansionFactor, and
	// then ignores it in its arithmetic; fmkit uses it, as the script's help
	// text says it should. The default, 0, leaves it unset.
	FFNHiddenSize int  `json:"ffn_hidden_size,omitempty"`
	NumMLPLinears int  `json:"num_mlp_linears"` // default 2; 3 for SwiGLU
	Infer         bool `json:"infer"`           // default false: one forward pass only
}

// DefaultFLOPsOptions returns calc_transformer_flops.py's defaults.
func DefaultFLOPsOptions() FLOPsOptions {
	return FLOPsOptions{
		VocabSize: 51200, HiddenSize: 6144, SequenceLength: 2048, NumLayers: 44, KVSizeRatio: 1,
		NumExperts: 128, ExpertInterval: 2, TopK: 1, BatchSize: 1, Tokens: 300e9,
		CheckpointActivations: true, FFNExpansionFactor: 4, NumMLPLinears: 2,
	}
}

// FLOPs is a FLOP count split as the cookbook prints it.
type FLOPs struct {
	// IterFactor is 1 for inference, 3 for training (forward and two
	// gradients), 4 with activation recomputation.
	IterFactor          int     `json:"iter_factor"`
	QKV                 float64 `json:"qkv"`
	AttentionMatrix     float64 `json:"attention_matrix"`
	AttentionOverValues float64 `json:"attention_over_values"`
	LinearProjection    float64 `json:"linear_projection"`
	FFN                 float64 `json:"ffn"`
	Embedding           float64 `json:"embedding"`
	Gating              float64 `json:"gating"`
	Total               float64 `json:"total"`
}

// Validate reports every option the formulas cannot use, all at once,
// including the script's own three assertions.
func (o FLOPsOptions) Validate() error {
	var p []string
	p = positiveInts(p, "vocab-size", o.VocabSize, "hidden-size", o.HiddenSize, "sequence-length", o.SequenceLength,
		"num-layers", o.NumLayers, "num-mlp-linears", o.NumMLPLinears, "ffn-expansion-factor", o.FFNExpansionFactor)
	if !(o.Tokens > 0) || math.IsInf(o.Tokens, 0) {
		p = append(p, fmt.Sprintf("tokens is %g, expected a positive count", o.Tokens))
	}
	if o.KVSizeRatio <= 0 || o.KVSizeRatio > 1 {
		p = append(p, fmt.Sprintf("kv-size-ratio is %g, expected a fraction in (0, 1]", o.KVSizeRatio))
	}
	if o.FFNHiddenSize < 0 {
		p = append(p, fmt.Sprintf("ffn-hidden-size is %d, expected a positive width", o.FFNHiddenSize))
	}
	if o.FFNHiddenSize > 0 && o.FFNExpansionFactor != 4 {
		p = append(p, fmt.Sprintf("ffn-hidden-size (%d) and a non-default ffn-expansion-factor (%d) conflict; give one", o.FFNHiddenSize, o.FFNExpansionFactor))
	}
	if o.ExpertInterval <= 0 {
		p = append(p, fmt.Sprintf("expert-interval is %d, expected a positive number", o.ExpertInterval))
	} else if o.NumLayers%o.ExpertInterval != 0 {
		p = append(p, fmt.Sprintf("num-layers (%d) is not a multiple of expert-interval (%d); the cookbook requires no hanging dense layers", o.NumLayers, o.ExpertInterval))
	}
	if o.TopK > o.NumExperts {
		p = append(p, fmt.Sprintf("topk (%d) is larger than num-experts (%d)", o.TopK, o.NumExperts))
	}
	if o.MoE && (o.NumExperts <= 0 || o.TopK <= 0) {
		p = append(p, fmt.Sprintf("num-experts (%d) and topk (%d) must be positive with moe", o.NumExperts, o.TopK))
	}
	return joinProblems("flops", p)
}

// Count returns the FLOPs to process Tokens tokens, computed as
// calc_transformer_flops.py computes them (same formulas, same float64
// operation order), with T tokens, f the IterFactor and kv the ratio:
//
//	qkv                    2f(1+2kv)·L·T·h²
//	attention matrix       2f·L·T·s·h
//	attention over values  2f·L·T·s·h
//	linear projection      2f·L·T·h²
//	ffn                    2f·nl·ff·L·T·h²   (× topk/interval for MoE with topk > 1)
//	embedding              T(4h + 2hv)       (never recomputed, never multiplied by f)
//	gating                 2f·T·experts·h·L/interval for MoE
func (o FLOPsOptions) Count() (FLOPs, error) {
	if err := o.Validate(); err != nil {
		return FLOPs{}, err
	}
	f := 1
	if !o.Infer {
		f = 3
		if o.CheckpointActivations {
			f++
		}
	}
	iter := float64(f)
	h, s, T := float64(o.HiddenSize), float64(o.SequenceLength), o.Tokens
	L, v := float64(o.NumLayers), float64(o.VocabSize)
	r := FLOPs{IterFactor: f}
	r.QKV = math.Trunc(iter * 2 * (1 + 2*o.KVSizeRatio) * L * T * h * h)
	r.AttentionMatrix = float64(2*f*o.NumLayers) * T * s * h
	r.AttentionOverValues = r.AttentionMatrix
	r.LinearProjection = float64(2*f*o.NumLayers) * T * h * h
	if o.FFNHiddenSize > 0 {
		r.FFN = float64(2*f*o.NumMLPLinears*o.NumLayers) * T * h * float64(o.FFNHiddenSize)
	} else {
		r.FFN = float64(2*f*o.NumMLPLinears*o.FFNExpansionFactor*o.NumLayers) * T * h * h
	}
	r.Embedding = T * (4*h + 2*h*v)
	if o.MoE && o.TopK > 1 {
		r.FFN *= float64(o.TopK) / float64(o.ExpertInterval)
	}
	r.Total = r.QKV + r.AttentionMatrix + r.AttentionOverValues + r.LinearProjection + r.FFN + r.Embedding
	if o.MoE {
		r.Gating = float64(2*f) * T * float64(o.NumExperts) * h * L / float64(o.ExpertInterval)
		r.Total += r.Gating
	}
	return r, nil
}
