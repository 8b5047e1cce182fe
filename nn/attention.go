package nn

import (
	"fmt"
	"math"
	"sync"
)

// RoPE describes rotary position embeddings in the GPT-NeoX/Llama layout:
// the first Dim elements of a head vector are rotated, element i paired with
// element i+Dim/2 (rotate_half), by the angle pos·InvFreq[i]; the rest of
// the head (partial rotary) is left alone. Angles are float32 products and
// their sine and cosine are rounded to float32, as Hugging Face computes
// them.
type RoPE struct {
	Dim     int
	InvFreq []float32 // Dim/2 inverse frequencies

	mu    sync.Mutex
	table *ropeTable
}

type ropeTable struct {
	n        int // positions covered
	cos, sin []float32
}

// NewRoPE returns rotary embeddings over dim elements with the standard
// inverse frequencies base^(-2i/dim), the exponent computed in float32. It
// panics if dim is odd or not positive.
func NewRoPE(dim int, base float64) *RoPE {
	if dim <= 0 || dim%2 != 0 {
		panic(fmt.Sprintf("nn: NewRoPE: dimension %d must be positive and even", dim))
	}
	inv := make([]float32, dim/2)
	for i := range inv {
		e := float32(2*i) / float32(dim)
		inv[i] = 1 / float32(math.Pow(base, float64(e)))
	}
	return &RoPE{Dim: dim, InvFreq: inv}
}

// cosSin returns tables of cos and sin for positions [0, n), Dim/2 values
// per position.
func (r *RoPE) cosSin(n int) (cos, sin []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	half := r.Dim / 2
	if r.table == nil || r.table.n < n || len(r.InvFreq) != half {
		t := &ropeTable{n: n, cos: make([]float32, n*half), sin: make([]float32, n*half)}
		for p := range n {
			for i, f := range r.InvFreq {
				s, c := math.Sincos(float64(float32(p) * f))
				t.cos[p*half+i], t.sin[p*half+i] = float32(c), float32(s)
			}
		}
		r.table = t
	}
	return r.table.cos[:n*half], r.table.sin[:n*half]
}

// rotate applies (sign +1) or undoes (sign -1, the transpose, which is what
// the backward pass needs) the rotation of one head vector at one position.
func rotate[T Float](x []T, cos, sin []float32, sign T) {
	half := len(cos)
	lo, hi := x[:half], x[half:2*half]
	for i := range half {
		c, s := T(cos[i]), sign*T(sin[i])
		a, b := lo[i], hi[i]
		lo[i] = a*c - b*s
		hi[i] = b*c + a*s
	}
}

// Attention describes a fused causal self-attention over rows that hold
// Batch sequences of Seq positions each, one row per position.
//
// Within a row of the input, query head h occupies the HeadDim columns from
// QBase + h·QStride, and key and value head j those from KBase + j·KStride
// and VBase + j·VStride. This covers GPT-NeoX's fused per-head layout,
// GPT-2's [q | k | v] and Llama's separate projections written side by
// side, without copying them apart. With KVHeads < Heads, key/value head j
// serves query heads j·Heads/KVHeads through (j+1)·Heads/KVHeads - 1
// (grouped-query attention).
type Attention struct {
	Batch, Seq              int
	Heads, KVHeads, HeadDim int

	QBase, QStride int
	KBase, KStride int
	VBase, VStride int

	// Scale multiplies q·k; 0 means 1/sqrt(HeadDim).
	Scale float64
	// RoPE, if set, rotates queries and keys by their position in the
	// sequence (0 to Seq-1).
	RoPE *RoPE
	// Dropout drops attention probabilities with this probability, with
	// DropoutKey choosing the mask (see Tape.Dropout).
	Dropout    float64
	DropoutKey uint64
}

// attnBlock is the number of query rows handled together: each block
// multiplies only by the keys its rows can see, which saves about half of
// the work under a causal mask.
const attnBlock = 64

func (a *Attention) check(qkv []int) (rows, width int) {
	if len(qkv) < 1 {
		panic("nn: CausalSelfAttention: scalar input")
	}
	width = qkv[len(qkv)-1]
	rows = numel("CausalSelfAttention", qkv[:len(qkv)-1])
	bad := func(format string, args ...any) {
		panic(fmt.Sprintf("nn: CausalSelfAttention: input of shape %v: ", qkv) + fmt.Sprintf(format, args...))
	}
	switch {
	case a.Batch <= 0 || a.Seq <= 0 || a.Heads <= 0 || a.KVHeads <= 0 || a.HeadDim <= 0:
		bad("batch %d, seq %d, heads %d, kv heads %d and head dim %d must be positive", a.Batch, a.Seq, a.Heads, a.KVHeads, a.HeadDim)
	case rows != a.Batch*a.Seq:
		bad("%d rows, want batch %d × seq %d", rows, a.Batch, a.Seq)
	case a.Heads%a.KVHeads != 0:
		bad("%d heads is not a multiple of %d kv heads", a.Heads, a.KVHeads)
	case a.RoPE != nil && a.RoPE.Dim > a.HeadDim:
		bad("rotary dim %d above head dim %d", a.RoPE.Dim, a.HeadDim)
	}
	for _, s := range [][3]int{{a.QBase, a.QStride, a.Heads}, {a.KBase, a.KStride, a.KVHeads}, {a.VBase, a.VStride, a.KVHeads}} {
		if s[0] < 0 || s[1] < 0 || s[0]+(s[2]-1)*s[1]+a.HeadDim > width {
			bad("head layout base %d stride %d for %d heads of %d does not fit rows of %d", s[0], s[1], s[2], a.HeadDim, width)
		}
	}
	return rows, width
}

// CausalSelfAttention returns softmax(scale·q·kᵀ + causal mask)·v for every
// query head, as rows [..., Heads·HeadDim] with head h in columns
// h·HeadDim onwards (the layout the output projection reads). Queries and
// keys are rotated first when spec.RoPE is set. The backward pass
// recomputes the attention probabilities instead of storing them, so the
// operation keeps only its input and output.
func (g *Tape[T]) CausalSelfAttention(qkv *Tensor[T], spec *Attention) *Tensor[T] {
	_, width := spec.check(qkv.shape)
	d, nh := spec.HeadDim, spec.Heads
	shape := append(append([]int(nil), qkv.shape[:qkv.Dims()-1]...), nh*d)
	out := g.result(shape, qkv)
	run := newAttnRun[T](g, spec, width)
	defer run.free(g)
	parallelTasks(spec.Batch*spec.KVHeads, func(w, task int) {
		run.forwardGroup(run.workers[w], qkv.data, out.data, task)
	})
	g.onBackward(out, func() {
		dqkv, fresh := qkv.gradFor()
		if fresh {
			clear(dqkv)
		}
		run := newAttnRun[T](g, spec, width)
		defer run.free(g)
		parallelTasks(spec.Batch*spec.KVHeads, func(w, task int) {
			run.backwardGroup(run.workers[w], qkv.data, out.data, out.grad, dqkv, task)
		})
	})
	return out
}

// attnRun is one call's constants and per-goroutine scratch.
type attnRun[T Float] struct {
	spec       *Attention
	width      int
	scale      T
	group      int // query heads per key/value head
	cos, sin   []float32
	workers    []*attnScratch[T]
	keepThresh uint64
	dropScale  T
}

// attnScratch is one goroutine's space: a head's q, k, v (T×d each), their
// gradients, and a block of scores and probabilities (attnBlock×T each).
type attnScratch[T Float] struct {
	q, k, v, dq, dk, dv []T
	s, p, pd            []T // pd: probabilities after dropout, backward only
}

func newAttnRun[T Float](g *Tape[T], spec *Attention, width int) *attnRun[T] {
	r := &attnRun[T]{spec: spec, width: width, group: spec.Heads / spec.KVHeads}
	r.scale = T(spec.Scale)
	if spec.Scale == 0 {
		r.scale = T(1 / math.Sqrt(float64(spec.HeadDim)))
	}
	if spec.RoPE != nil {
		r.cos, r.sin = spec.RoPE.cosSin(spec.Seq)
	}
	if spec.Dropout > 0 {
		r.keepThresh = dropThreshold(spec.Dropout)
		r.dropScale = T(1 / (1 - spec.Dropout))
	}
	n := min(spec.Batch*spec.KVHeads, maxProcs())
	td, bt := spec.Seq*spec.HeadDim, min(attnBlock, spec.Seq)*spec.Seq
	for range n {
		r.workers = append(r.workers, &attnScratch[T]{
			q: g.temp(td), k: g.temp(td), v: g.temp(td),
			dq: g.temp(td), dk: g.temp(td), dv: g.temp(td),
			s: g.temp(bt), p: g.temp(bt), pd: g.temp(bt),
		})
	}
	return r
}

func (r *attnRun[T]) free(g *Tape[T]) {
	for _, w := range r.workers {
		for _, b := range [][]T{w.q, w.k, w.v, w.dq, w.dk, w.dv, w.s, w.p, w.pd} {
			g.put(b)
		}
	}
}

// gather copies head columns [base, base+d) of the rows of sequence b into
// dst (T×d) and rotates them if rope is set.
func (r *attnRun[T]) gather(dst, src []T, b, base int, rope bool) {
	T_, d := r.spec.Seq, r.spec.HeadDim
	for i := range T_ {
		row := src[(b*T_+i)*r.width+base:]
		x := dst[i*d : (i+1)*d]
		copy(x, row[:d])
		if rope {
			half := r.spec.RoPE.Dim / 2
			rotate(x, r.cos[i*half:(i+1)*half], r.sin[i*half:(i+1)*half], 1)
		}
	}
}

// scatterAdd adds src (T×d) into head columns from base of the rows of
// sequence b, undoing the rotation first if rope is set (src is changed).
func (r *attnRun[T]) scatterAdd(dst, src []T, b, base int, rope bool) {
	T_, d := r.spec.Seq, r.spec.HeadDim
	for i := range T_ {
		x := src[i*d : (i+1)*d]
		if rope {
			half := r.spec.RoPE.Dim / 2
			rotate(x, r.cos[i*half:(i+1)*half], r.sin[i*half:(i+1)*half], -1)
		}
		row := dst[(b*T_+i)*r.width+base:]
		addTo(row[:d], row[:d], x)
	}
}

// probs computes the attention probabilities of query rows [r0, r1) of one
// head against keys [0, r1) into w.p: rows of r1 entries, those past the
// causal limit zero. w.s is overwritten with the scores.
func (r *attnRun[T]) probs(w *attnScratch[T], r0, r1 int) {
	d := r.spec.HeadDim
	m := r1 - r0
	gemmSerial(false, true, m, r1, d, r.scale, w.q[r0*d:], d, w.k, d, 0, w.s, r1)
	for i := range m {
		n := r0 + i + 1 // keys this query sees
		p := w.p[i*r1 : (i+1)*r1]
		softmaxTo(p[:n], w.s[i*r1:i*r1+n])
		clear(p[n:])
	}
}

// drop applies the dropout mask of query rows [r0, r1) of head h in
// sequence b to x (rows of r1 entries, scaling the survivors).
func (r *attnRun[T]) drop(x []T, b, h, r0, r1 int) {
	T_ := r.spec.Seq
	for i := range r1 - r0 {
		base := uint64(((b*r.spec.Heads+h)*T_ + r0 + i) * T_)
		row := x[i*r1 : i*r1+r0+i+1]
		for j := range row {
			if keepElement(r.spec.DropoutKey, base+uint64(j), r.keepThresh) {
				row[j] *= r.dropScale
			} else {
				row[j] = 0
			}
		}
	}
}

// forwardGroup computes the output of the query heads that share key/value
// head task%KVHeads in sequence task/KVHeads.
func (r *attnRun[T]) forwardGroup(w *attnScratch[T], qkv, out []T, task int) {
	s := r.spec
	b, j := task/s.KVHeads, task%s.KVHeads
	d, T_ := s.HeadDim, s.Seq
	rope := s.RoPE != nil
	r.gather(w.k, qkv, b, s.KBase+j*s.KStride, rope)
	r.gather(w.v, qkv, b, s.VBase+j*s.VStride, false)
	ldo := s.Heads * d
	for h := j * r.group; h < (j+1)*r.group; h++ {
		r.gather(w.q, qkv, b, s.QBase+h*s.QStride, rope)
		for r0 := 0; r0 < T_; r0 += attnBlock {
			r1 := min(r0+attnBlock, T_)
			r.probs(w, r0, r1)
			if r.keepThresh > 0 {
				r.drop(w.p, b, h, r0, r1)
			}
			gemmSerial(false, false, r1-r0, d, r1, 1, w.p, r1, w.v, d, 0, out[(b*T_+r0)*ldo+h*d:], ldo)
		}
	}
}

// backwardGroup adds the gradients of one key/value head's group (its
// query heads, and the key and value head) into dqkv.
//
// With P the probabilities, P' = P after dropout, dO the output gradient:
// dV = P'ᵀ·dO, dP = dO·Vᵀ (through the dropout mask), dS = P∘(dP - D) with
// D_i = Σ_j P_ij·dP_ij, dQ = scale·dS·K and dK = scale·dSᵀ·Q.
func (r *attnRun[T]) backwardGroup(w *attnScratch[T], qkv, out, dout, dqkv []T, task int) {
	s := r.spec
	b, j := task/s.KVHeads, task%s.KVHeads
	d, T_ := s.HeadDim, s.Seq
	rope := s.RoPE != nil
	dropout := r.keepThresh > 0
	r.gather(w.k, qkv, b, s.KBase+j*s.KStride, rope)
	r.gather(w.v, qkv, b, s.VBase+j*s.VStride, false)
	clear(w.dk)
	clear(w.dv)
	ldo := s.Heads * d
	for h := j * r.group; h < (j+1)*r.group; h++ {
		r.gather(w.q, qkv, b, s.QBase+h*s.QStride, rope)
		for r0 := 0; r0 < T_; r0 += attnBlock {
			r1 := min(r0+attnBlock, T_)
			m := r1 - r0
			do := dout[(b*T_+r0)*ldo+h*d:]
			r.probs(w, r0, r1)
			// dV += P'ᵀ·dO, with P' the probabilities after dropout
			pd := w.p
			if dropout {
				pd = w.pd[:m*r1]
				copy(pd, w.p[:m*r1])
				r.drop(pd, b, h, r0, r1)
			}
			gemmSerial(true, false, r1, d, m, 1, pd, r1, do, ldo, 1, w.dv, d)
			// w.s becomes dP = dO·Vᵀ (through the mask), then dS.
			gemmSerial(false, true, m, r1, d, 1, do, ldo, w.v, d, 0, w.s, r1)
			if dropout {
				r.drop(w.s, b, h, r0, r1)
			}
			for i := range m {
				n := r0 + i + 1
				p, ds := w.p[i*r1:i*r1+n], w.s[i*r1:(i+1)*r1]
				dd := dot(p, ds[:n])
				for jj := range n {
					ds[jj] = p[jj] * (ds[jj] - dd)
				}
				clear(ds[n:])
			}
			gemmSerial(false, false, m, d, r1, r.scale, w.s, r1, w.k, d, 0, w.dq[r0*d:], d)
			gemmSerial(true, false, r1, d, m, r.scale, w.s, r1, w.q[r0*d:], d, 1, w.dk, d)
		}
		r.scatterAdd(dqkv, w.dq, b, s.QBase+h*s.QStride, rope)
	}
	r.scatterAdd(dqkv, w.dk, b, s.KBase+j*s.KStride, rope)
	r.scatterAdd(dqkv, w.dv, b, s.VBase+j*s.VStride, false)
}

// ApplyRoPE rotates the heads of x, rows [..., heads·headDim] holding
// sequences of seq positions (row r is at position r mod seq), by rope. It
// is the rotation CausalSelfAttention applies inside, as an operation of
// its own.
func (g *Tape[T]) ApplyRoPE(x *Tensor[T], rope *RoPE, seq, headDim int) *Tensor[T] {
	rows, width := x.rows()
	if seq <= 0 || headDim <= 0 || rows%seq != 0 || width%headDim != 0 || rope.Dim > headDim {
		panic(fmt.Sprintf("nn: ApplyRoPE: input of shape %v with seq %d, head dim %d and rotary dim %d", x.shape, seq, headDim, rope.Dim))
	}
	out := g.result(append([]int(nil), x.shape...), x)
	copy(out.data, x.data)
	cos, sin := rope.cosSin(seq)
	half := rope.Dim / 2
	apply := func(buf []T, sign T) {
		parallelFor(rows, width, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				p := r % seq
				for h := 0; h < width; h += headDim {
					rotate(buf[r*width+h:r*width+h+headDim], cos[p*half:(p+1)*half], sin[p*half:(p+1)*half], sign)
				}
			}
		})
	}
	apply(out.data, 1)
	g.onBackward(out, func() {
		back := g.temp(len(out.grad))
		defer g.put(back)
		copy(back, out.grad)
		apply(back, -1)
		x.accumulate(back)
	})
	return out
}
