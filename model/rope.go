package model

import (
	"math"
	"sync"
	"sync/atomic"
)

// rope holds the rotary embedding of a model: inverse frequencies computed as
// Hugging Face's modeling_rope_utils does (default, linear, dynamic NTK,
// llama3) and a lazily grown table of cos/sin per position.
type rope struct {
	dim     int // rotated dimensions per head
	invFreq []float32

	dynamic bool
	theta   float64
	factor  float64
	maxPos  int

	mu    sync.Mutex
	table atomic.Pointer[ropeTable]
}

// ropeTable holds cos and sin for positions [0, n), half = dim/2 each.
type ropeTable struct {
	n        int
	cos, sin []float32
}

func newRope(c *Config) *rope {
	if c.RotaryDim == 0 {
		return nil
	}
	r := &rope{dim: c.RotaryDim, theta: c.RopeTheta, maxPos: c.MaxPositions, factor: c.RopeScaling.Factor}
	r.invFreq = defaultInvFreq(c.RopeTheta, c.RotaryDim)
	s := c.RopeScaling
	switch s.Type {
	case "linear":
		for i := range r.invFreq {
			r.invFreq[i] /= float32(s.Factor)
		}
	case "dynamic":
		r.dynamic = true
	case "llama3":
		llama3Scale(r.invFreq, s)
	}
	r.table.Store(&ropeTable{})
	return r
}

// RopeInvFreq returns the RotaryDim/2 inverse frequencies of the config's
// rotary embedding within its trained length (dynamic NTK scaling, which
// only acts beyond it, leaves them at the defaults), or nil for a model
// without rotary embeddings. The training package builds its rotations
// from these, so that both run the same angles.
func (c *Config) RopeInvFreq() []float32 {
	r := newRope(c)
	if r == nil {
		return nil
	}
	return r.invFreq
}

// defaultInvFreq is 1 / base^(2i/dim) with the exponent in float32, as
// torch.arange(0, dim, 2).float() / dim computes it.
func defaultInvFreq(base float64, dim int) []float32 {
	inv := make([]float32, dim/2)
	for i := range inv {
		e := float32(2*i) / float32(dim)
		inv[i] = 1 / float32(math.Pow(base, float64(e)))
	}
	return inv
}

// llama3Scale applies Llama 3.1's frequency-dependent scaling: wavelengths
// longer than original/low_freq_factor are divided by factor, shorter than
// original/high_freq_factor kept, and those between interpolated smoothly.
func llama3Scale(inv []float32, s RopeScaling) {
	old := float64(s.OriginalMax)
	lowWL, highWL := old/s.LowFreqFactor, old/s.HighFreq
	for i, f := range inv {
		wl := 2 * math.Pi / float64(f)
		v := float64(f)
		if wl > lowWL {
			v /= s.Factor
		}
		if !(wl < highWL) && !(wl > lowWL) {
			smooth := (old/wl - s.LowFreqFactor) / (s.HighFreq - s.LowFreqFactor)
			v = (1-smooth)*v/s.Factor + smooth*v
		}
		inv[i] = float32(v)
	}
}

// tableFor returns a table covering positions [0, n).
func (r *rope) tableFor(n int) *ropeTable {
	t := r.table.Load()
	if t.n >= n {
		return t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t = r.table.Load(); t.n >= n {
		return t
	}
	size := max(n, 2*t.n, 64)
	half := r.dim / 2
	nt := &ropeTable{n: size, cos: make([]float32, size*half), sin: make([]float32, size*half)}
	copy(nt.cos, t.cos)
	copy(nt.sin, t.sin)
	for p := t.n; p < size; p++ {
		fillCosSin(nt.cos[p*half:(p+1)*half], nt.sin[p*half:(p+1)*half], p, r.invFreq)
	}
	r.table.Store(nt)
	return nt
}

// fillCosSin computes cos and sin of the float32 angle pos·invFreq[i], the
// values torch computes from float32 frequencies.
func fillCosSin(cos, sin []float32, pos int, invFreq []float32) {
	for i, f := range invFreq {
		a := float64(float32(pos) * f)
		s, c := math.Sincos(a)
		cos[i], sin[i] = float32(c), float32(s)
	}
}

// dynamicInvFreq returns the inverse frequencies dynamic NTK scaling uses for
// a sequence of seqLen positions, into dst. Up to the trained length they are
// the defaults; beyond it the base grows as
// base·(factor·seqLen/maxPos − (factor−1))^(dim/(dim−2)).
func (r *rope) dynamicInvFreq(dst []float32, seqLen int) []float32 {
	base := r.theta * math.Pow(r.factor*float64(seqLen)/float64(r.maxPos)-(r.factor-1), float64(r.dim)/float64(r.dim-2))
	dst = dst[:0]
	for i := 0; i < r.dim/2; i++ {
		e := float32(2*i) / float32(r.dim)
		dst = append(dst, 1/float32(math.Pow(base, float64(e))))
	}
	return dst
}

// rotate applies the rotation (cos, sin of one position) to the first dim
// elements of a head vector in the GPT-NeoX/Llama layout, which pairs x[i]
// with x[i+dim/2] (rotate_half).
func rotate(x, cos, sin []float32) {
	half := len(cos)
	lo, hi := x[:half], x[half:2*half]
	for i := range half {
		a, b := lo[i], hi[i]
		lo[i] = a*cos[i] - b*sin[i]
		hi[i] = b*cos[i] + a*sin[i]
	}
}
