package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Layers hold their parameters as *Param and compute with the operations of
// a Tape. Constructors initialise as PyTorch's modules do by default (with
// fmkit's random numbers, not torch's): Linear weights and biases uniform in
// ±1/sqrt(in) (kaiming_uniform_ with a = √5), embeddings standard normal,
// normalisation weights one and biases zero.

// newParam returns a named parameter of the given shape, zero-filled.
func newParam[T Float](name string, shape ...int) *Param[T] {
	return &Param[T]{Name: name, Tensor: New[T](shape...).SetRequiresGrad(true)}
}

// FillUniform sets p to values uniform in [-bound, bound).
func FillUniform[T Float](p *Param[T], bound float64, rng *rand.Rand) {
	for i := range p.data {
		p.data[i] = T((2*rng.Float64() - 1) * bound)
	}
}

// FillNormal sets p to values from N(0, std²).
func FillNormal[T Float](p *Param[T], std float64, rng *rand.Rand) {
	for i := range p.data {
		p.data[i] = T(rng.NormFloat64() * std)
	}
}

// Fill sets every element of p to v.
func Fill[T Float](p *Param[T], v float64) {
	for i := range p.data {
		p.data[i] = T(v)
	}
}

// Linear is torch.nn.Linear: y = x·Weightᵀ + Bias, Weight [out, in].
type Linear[T Float] struct {
	Weight *Param[T]
	Bias   *Param[T] // nil without a bias
}

// NewLinear returns a Linear layer named name (parameters name.weight and
// name.bias) with PyTorch's default initialisation.
func NewLinear[T Float](name string, in, out int, bias bool, rng *rand.Rand) *Linear[T] {
	l := &Linear[T]{Weight: newParam[T](name+".weight", out, in)}
	bound := 1 / math.Sqrt(float64(max(in, 1)))
	FillUniform(l.Weight, bound, rng)
	if bias {
		l.Bias = newParam[T](name+".bias", out)
		l.Bias.NoDecay = true
		FillUniform(l.Bias, bound, rng)
	}
	return l
}

// Forward applies the layer to x [..., in].
func (l *Linear[T]) Forward(g *Tape[T], x *Tensor[T]) *Tensor[T] {
	var b *Tensor[T]
	if l.Bias != nil {
		b = l.Bias.Tensor
	}
	return g.Linear(x, l.Weight.Tensor, b)
}

// Params returns the weight and, if present, the bias.
func (l *Linear[T]) Params() []*Param[T] {
	if l.Bias != nil {
		return []*Param[T]{l.Weight, l.Bias}
	}
	return []*Param[T]{l.Weight}
}

// Embedding is torch.nn.Embedding: rows of Weight [n, dim] by id.
type Embedding[T Float] struct {
	Weight *Param[T]
}

// NewEmbedding returns an embedding table named name (name.weight) drawn
// from N(0, 1), as PyTorch initialises one.
func NewEmbedding[T Float](name string, n, dim int, rng *rand.Rand) *Embedding[T] {
	e := &Embedding[T]{Weight: newParam[T](name+".weight", n, dim)}
	FillNormal(e.Weight, 1, rng)
	return e
}

// Forward returns the rows of ids, [len(ids), dim].
func (e *Embedding[T]) Forward(g *Tape[T], ids []int) *Tensor[T] {
	return g.Embedding(e.Weight.Tensor, ids)
}

// Params returns the table.
func (e *Embedding[T]) Params() []*Param[T] { return []*Param[T]{e.Weight} }

// LayerNorm is torch.nn.LayerNorm over the last dimension.
type LayerNorm[T Float] struct {
	Weight, Bias *Param[T]
	Eps          float64
}

// NewLayerNorm returns a LayerNorm of dim features (weight one, bias zero),
// both left out of weight decay.
func NewLayerNorm[T Float](name string, dim int, eps float64) *LayerNorm[T] {
	n := &LayerNorm[T]{Weight: newParam[T](name+".weight", dim), Bias: newParam[T](name+".bias", dim), Eps: eps}
	n.Weight.NoDecay, n.Bias.NoDecay = true, true
	Fill(n.Weight, 1)
	return n
}

// Forward normalises x.
func (n *LayerNorm[T]) Forward(g *Tape[T], x *Tensor[T]) *Tensor[T] {
	return g.LayerNorm(x, n.Weight.Tensor, n.Bias.Tensor, n.Eps)
}

// Params returns the weight and bias.
func (n *LayerNorm[T]) Params() []*Param[T] { return []*Param[T]{n.Weight, n.Bias} }

// RMSNorm is Llama's RMSNorm over the last dimension.
type RMSNorm[T Float] struct {
	Weight *Param[T]
	Eps    float64
}

// NewRMSNorm returns an RMSNorm of dim features (weight one), left out of
// weight decay.
func NewRMSNorm[T Float](name string, dim int, eps float64) *RMSNorm[T] {
	n := &RMSNorm[T]{Weight: newParam[T](name+".weight", dim), Eps: eps}
	n.Weight.NoDecay = true
	Fill(n.Weight, 1)
	return n
}

// Forward normalises x.
func (n *RMSNorm[T]) Forward(g *Tape[T], x *Tensor[T]) *Tensor[T] {
	return g.RMSNorm(x, n.Weight.Tensor, n.Eps)
}

// Params returns the weight.
func (n *RMSNorm[T]) Params() []*Param[T] { return []*Param[T]{n.Weight} }

// MLP is a transformer's feed-forward block: Down(act(Up(x))), or with
// Gated, Down(act(gate)·up) where Up produces [gate | up] side by side
// (Llama's gate_proj and up_proj as one product).
type MLP[T Float] struct {
	Up, Down *Linear[T]
	Act      Activation
	Gated    bool
}

// Forward applies the block to x [..., hidden].
func (m *MLP[T]) Forward(g *Tape[T], x *Tensor[T]) *Tensor[T] {
	h := m.Up.Forward(g, x)
	switch {
	case m.Gated && m.Act == SiLU:
		h = g.SwiGLU(h)
	case m.Gated:
		half := h.Dim(-1) / 2
		h = g.Mul(g.Activate(g.Slice(h, -1, 0, half), m.Act), g.Slice(h, -1, half, 2*half))
	default:
		h = g.Activate(h, m.Act)
	}
	return m.Down.Forward(g, h)
}

// Params returns the projections' parameters.
func (m *MLP[T]) Params() []*Param[T] { return append(m.Up.Params(), m.Down.Params()...) }

// SelfAttention is a causal self-attention block: one projection to
// queries, keys and values laid out as Spec describes, the fused attention,
// and the output projection.
type SelfAttention[T Float] struct {
	QKV, Out *Linear[T]
	// Spec gives heads, layout, scale and rotary embedding; its Batch, Seq
	// and dropout fields are set by each call.
	Spec Attention
}

// Forward attends over x [batch·seq, hidden], dropping attention
// probabilities with probability dropout (mask chosen by key).
func (a *SelfAttention[T]) Forward(g *Tape[T], x *Tensor[T], batch, seq int, dropout float64, key uint64) *Tensor[T] {
	spec := a.Spec
	spec.Batch, spec.Seq, spec.Dropout, spec.DropoutKey = batch, seq, dropout, key
	qkv := a.QKV.Forward(g, x)
	return a.Out.Forward(g, g.CausalSelfAttention(qkv, &spec))
}

// Params returns the projections' parameters.
func (a *SelfAttention[T]) Params() []*Param[T] { return append(a.QKV.Params(), a.Out.Params()...) }

// CheckFinite returns an error naming the first parameter that holds NaN or
// ±Inf, or nil.
func CheckFinite[T Float](params []*Param[T]) error {
	for _, p := range params {
		for i, v := range p.data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("nn: parameter %s holds %v at element %d", p.Name, v, i)
			}
		}
	}
	return nil
}
