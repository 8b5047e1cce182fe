package tensor

import (
	"fmt"
	"math"
)

// RoPE applies rotary position embeddings to the first RotaryDim elements of
// a head vector, leaving the rest unchanged (partial rotary, as GPT-NeoX's
// rotary_pct). Frequencies are computed in float32 as Hugging Face does, so
// angles match the reference bit for bit before the sine and cosine.
type RoPE struct {
	// RotaryDim is the number of rotated elements (even).
	RotaryDim int
	// Interleaved selects the GPT-J layout, which rotates pairs (x[2i],
	// x[2i+1]); otherwise the GPT-NeoX/Llama layout rotates (x[i], x[i+d/2]).
	Interleaved bool
	// InvFreq holds the RotaryDim/2 inverse frequencies.
	InvFreq []float32
}

// NewRoPE returns the standard rotary embedding with inverse frequencies
// base^(-2i/rotaryDim). It panics if rotaryDim is odd or not positive.
func NewRoPE(rotaryDim int, base float64, interleaved bool) *RoPE {
	if rotaryDim <= 0 || rotaryDim%2 != 0 {
		panic(fmt.Sprintf("tensor: NewRoPE: rotary dim %d must be positive and even", rotaryDim))
	}
	inv := make([]float32, rotaryDim/2)
	for i := range inv {
		// Hugging Face: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
		exp := float32(2*i) / float32(rotaryDim)
		inv[i] = float32(1 / math.Pow(base, float64(exp)))
	}
	return &RoPE{RotaryDim: rotaryDim, Interleaved: interleaved, InvFreq: inv}
}

// Apply rotates x in place for position pos. It panics if x is shorter than
// RotaryDim.
func (r *RoPE) Apply(x []float32, pos int) {
	if len(x) < r.RotaryDim {
		panic(fmt.Sprintf("tensor: RoPE.Apply: vector of %d elements, rotary dim %d", len(x), r.RotaryDim))
	}
	half := r.RotaryDim / 2
	for i := 0; i < half; i++ {
		angle := float32(pos) * r.InvFreq[i]
		sin, cos := math.Sincos(float64(angle))
		s, c := float32(sin), float32(cos)
		a, b := i, i+half
		if r.Interleaved {
			a, b = 2*i, 2*i+1
		}
		x0, x1 := x[a], x[b]
		x[a] = x0*c - x1*s
		x[b] = x1*c + x0*s
	}
}
