package shapes

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ParamsOptions mirrors the options of the EleutherAI cookbook's
// calc_transformer_params.py. DefaultParamsOptions returns the script's
// defaults; fields marked as fmkit extensions have no flag there.
type ParamsOptions struct {
	VocabSize      int  `json:"vocab_size"`      // default 51200
	TiedEmbeddings bool `json:"tied_embeddings"` // default false
	HiddenSize     int  `json:"hidden_size"`     // default 6144
	SequenceLength int  `json:"sequence_length"` // default 2048
	NumLayers      int  `json:"num_layers"`      // default 44
	MoE            bool `json:"moe"`             // default false
	NumExperts     int  `json:"num_experts"`     // default 8
	ExpertInterval int  `json:"expert_interval"` // default 1
	TopK           int  `json:"topk"`            // default 1; the script accepts it but no parameter depends on it
	// FFNExpansionFactor is the MLP width as a multiple of HiddenSize, an
	// integer as in the script. The default is 4.
	FFNExpansionFactor int `json:"ffn_expansion_factor"`
	// FFNHiddenSize, an fmkit extension, sets the MLP width directly (for
	// widths such as Llama's 11008 that are no integer multiple of h) and
	// then replaces FFNExpansionFactor. The default, 0, leaves it unset.
	FFNHiddenSize int     `json:"ffn_hidden_size,omitempty"`
	NumMLPLinears int     `json:"num_mlp_linears"` // default 2; 3 for SwiGLU
	KVSizeRatio   float64 `json:"kv_size_ratio"`   // default 1.0; kv heads / query heads
	// NoLearnedPositions, an fmkit extension, drops the h·s learned position
	// table that the script always counts (rotary and ALiBi models have
	// none). The default is false, as in the script.
	NoLearnedPositions bool `json:"no_learned_positions,omitempty"`
}

// DefaultParamsOptions returns calc_transformer_params.py's defaults.
func DefaultParamsOptions() ParamsOptions {
	return ParamsOptions{
		VocabSize: 51200, HiddenSize: 6144, SequenceLength: 2048, NumLayers: 44,
		NumExperts: 8, ExpertInterval: 1, TopK: 1, FFNExpansionFactor: 4, NumMLPLinears: 2, KVSizeRatio: 1,
	}
}

// Params is a parameter count split as the cookbook prints it.
type Params struct {
	Embedding float64 `json:"embedding"`
	Position  float64 `json:"position"`
	Attention float64 `json:"attention"`
	LayerNorm float64 `json:"layernorm"`
	FFN       float64 `json:"ffn"`
	Gating    float64 `json:"gating"`
	Total     float64 `json:"total"`
}

// Validate reports every option the formulas cannot use, all at once.
func (o ParamsOptions) Validate() error {
	var p []string
	p = positiveInts(p, "vocab-size", o.VocabSize, "hidden-size", o.HiddenSize, "num-layers", o.NumLayers,
		"num-mlp-linears", o.NumMLPLinears)
	if o.SequenceLength < 0 {
		p = append(p, fmt.Sprintf("sequence-length is %d, expected zero or more", o.SequenceLength))
	}
	if o.FFNHiddenSize < 0 || (o.FFNHiddenSize == 0 && o.FFNExpansionFactor <= 0) {
		p = append(p, fmt.Sprintf("ffn-expansion-factor is %d and ffn-hidden-size %d, expected a positive MLP width", o.FFNExpansionFactor, o.FFNHiddenSize))
	}
	if o.KVSizeRatio <= 0 || o.KVSizeRatio > 1 {
		p = append(p, fmt.Sprintf("kv-size-ratio is %g, expected a fraction in (0, 1]", o.KVSizeRatio))
	}
	if o.MoE {
		p = positiveInts(p, "num-experts", o.NumExperts, "expert-interval", o.ExpertInterval)
	}
	return joinProblems("params", p)
}

// Count returns the parameter count, computed as calc_transformer_params.py
// computes it (same formulas, same float64 operation order):
//
//	embedding  2hv, or hv when tied
//	position   h·s (learned positions; none with NoLearnedPositions)
//	attention  2(1+kv)·L·h²      (Q and O are h², K and V kv·h² each)
//	layernorm  8Lh + 2h
//	ffn        nl·ff·L·h², experts counted in the MoE layers
//	gating     (L/interval)·h·experts for MoE
func (o ParamsOptions) Count() Params {
	h, v, L := float64(o.HiddenSize), float64(o.VocabSize), float64(o.NumLayers)
	var p Params
	if o.TiedEmbeddings {
		p.Embedding = h * v
	} else {
		p.Embedding = 2 * h * v
	}
	if !o.NoLearnedPositions {
		p.Position = h * float64(o.SequenceLength)
	}
	p.Attention = math.Trunc(2 * (1 + o.KVSizeRatio) * L * h * h)
	p.LayerNorm = 8*L*h + 2*h
	nl := float64(o.NumMLPLinears)
	// ffnOf counts the dense FFN parameters of layers layers, keeping the
	// script's operation order (nl·ff·L·h·h) so the floats agree exactly.
	ffnOf := func(layers float64) float64 {
		if o.FFNHiddenSize > 0 {
			return nl * layers * h * float64(o.FFNHiddenSize)
		}
		return nl * float64(o.FFNExpansionFactor) * layers * h * h
	}
	if o.MoE {
		expertLayers := L / float64(o.ExpertInterval)
		var expertFFN float64
		if o.FFNHiddenSize > 0 {
			expertFFN = nl * expertLayers * float64(o.NumExperts) * h * float64(o.FFNHiddenSize)
		} else {
			expertFFN = nl * float64(o.FFNExpansionFactor) * expertLayers * float64(o.NumExperts) * h * h
		}
		p.FFN = expertFFN + ffnOf(L-expertLayers)
		p.Gating = expertLayers * h * float64(o.NumExperts)
	} else {
		p.FFN = ffnOf(L)
	}
	p.Total = p.Embedding + p.Attention + p.FFN + p.Position + p.LayerNorm
	if o.MoE {
		p.Total += p.Gating
	}
	return p
}

func positiveInts(p []string, nameValues ...any) []string {
	for i := 0; i+1 < len(nameValues); i += 2 {
		name, v := nameValues[i].(string), nameValues[i+1].(int)
		if v <= 0 {
			p = append(p, fmt.Sprintf("%s is %d, expected a positive number", name, v))
		}
	}
	return p
}

func joinProblems(what string, p []string) error {
	if len(p) == 0 {
		return nil
	}
	return errors.New("shapes: " + what + ": " + strings.Join(p, "; "))
}
