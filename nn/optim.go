package nn

import (
	"errors"
	"fmt"
	"math"
)

// Param is a named trainable tensor.
type Param[T Float] struct {
	// Name identifies the parameter in checkpoints and optimizer state.
	Name string
	*Tensor[T]
	// NoDecay leaves it out of weight decay, as Hugging Face's Trainer
	// does for biases and normalisation weights.
	NoDecay bool
}

// Optimizer updates parameters from their gradients.
type Optimizer[T Float] interface {
	// Step applies one update with learning rate lr, using and keeping the
	// parameters' gradients (zero them with ZeroGrad).
	Step(lr float64)
	// Steps returns the number of updates applied so far.
	Steps() int
	// State returns the optimizer's state tensors by name, for checkpoints.
	State() map[string][]T
	// LoadState restores what State returned after steps updates; it names
	// any tensor that is missing or has the wrong size.
	LoadState(state map[string][]T, steps int) error
}

// ZeroGrad clears the gradients of params.
func ZeroGrad[T Float](params []*Param[T]) {
	for _, p := range params {
		p.ZeroGrad()
	}
}

// ErrStateMismatch is returned (wrapped) by LoadState when a checkpoint's
// optimizer state does not fit the parameters.
var ErrStateMismatch = errors.New("nn: optimizer state does not match the parameters")

// SGDOptions are torch.optim.SGD's hyperparameters. The zero value is plain
// gradient descent.
type SGDOptions struct {
	Momentum    float64
	Dampening   float64
	Nesterov    bool
	WeightDecay float64 // L2 penalty, added to the gradient
}

// SGD is torch.optim.SGD: with weight decay λ, momentum μ and dampening τ,
// g ← g + λθ; b ← g on the first step, else μb + (1-τ)g; with Nesterov
// g ← g + μb, else g ← b; θ ← θ - lr·g.
type SGD[T Float] struct {
	opts   SGDOptions
	params []*Param[T]
	buf    [][]T
	steps  int
}

// NewSGD returns SGD over params.
func NewSGD[T Float](params []*Param[T], opts SGDOptions) *SGD[T] {
	return &SGD[T]{opts: opts, params: params, buf: make([][]T, len(params))}
}

// Step implements Optimizer.
func (o *SGD[T]) Step(lr float64) {
	mu, damp, wd := T(o.opts.Momentum), T(1-o.opts.Dampening), T(o.opts.WeightDecay)
	rate := T(lr)
	for i, p := range o.params {
		grad := p.Grad()
		if grad == nil {
			continue
		}
		wdi := wd
		if p.NoDecay {
			wdi = 0
		}
		// A parameter's buffer starts as a copy of its first gradient.
		first := o.buf[i] == nil
		if o.opts.Momentum != 0 && first {
			o.buf[i] = make([]T, len(grad))
		}
		buf := o.buf[i]
		parallelFor(len(grad), 4, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				d := grad[j]
				if wdi != 0 {
					d += wdi * p.data[j]
				}
				if mu != 0 {
					if first {
						buf[j] = d
					} else {
						buf[j] = mu*buf[j] + damp*d
					}
					if o.opts.Nesterov {
						d += mu * buf[j]
					} else {
						d = buf[j]
					}
				}
				p.data[j] -= rate * d
			}
		})
	}
	o.steps++
}

// Steps implements Optimizer.
func (o *SGD[T]) Steps() int { return o.steps }

// State implements Optimizer.
func (o *SGD[T]) State() map[string][]T {
	s := make(map[string][]T)
	for i, p := range o.params {
		if o.buf[i] != nil {
			s[p.Name+".momentum_buffer"] = o.buf[i]
		}
	}
	return s
}

// LoadState implements Optimizer.
func (o *SGD[T]) LoadState(state map[string][]T, steps int) error {
	for i, p := range o.params {
		if o.opts.Momentum == 0 {
			break
		}
		b, err := stateTensor(state, p, ".momentum_buffer", steps)
		if err != nil {
			return err
		}
		o.buf[i] = b
	}
	o.steps = steps
	return nil
}

func stateTensor[T Float](state map[string][]T, p *Param[T], suffix string, steps int) ([]T, error) {
	b, ok := state[p.Name+suffix]
	switch {
	case !ok && steps == 0:
		return nil, nil
	case !ok:
		return nil, fmt.Errorf("%w: no %s%s", ErrStateMismatch, p.Name, suffix)
	case len(b) != p.Len():
		return nil, fmt.Errorf("%w: %s%s has %d values for a parameter of shape %v", ErrStateMismatch, p.Name, suffix, len(b), p.shape)
	}
	return append([]T(nil), b...), nil
}

// AdamOptions are torch.optim.Adam's and AdamW's hyperparameters.
type AdamOptions struct {
	// Beta1 and Beta2 are the decay rates of the moment estimates. Zero
	// values mean the defaults, 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps is added to the root of the second moment (outside the square
	// root, as PyTorch does). Zero means the default, 1e-8.
	Eps float64
	// WeightDecay is an L2 penalty for Adam and decoupled decay for AdamW.
	WeightDecay float64
}

func (o *AdamOptions) defaults() {
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
}

// Adam is torch.optim.Adam, or torch.optim.AdamW when decoupled (amsgrad
// off, single-tensor implementation). Step t (from 1):
//
//	AdamW: θ ← θ·(1 - lr·λ)        Adam: g ← g + λθ
//	m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²
//	θ ← θ - (lr/(1-β₁ᵗ))·m / (√v/√(1-β₂ᵗ) + ε)
//
// with the scalar factors computed in float64 and applied in T, as PyTorch
// does with Python floats.
type Adam[T Float] struct {
	opts      AdamOptions
	decoupled bool
	params    []*Param[T]
	m, v      [][]T
	steps     int
}

// NewAdam returns Adam over params.
func NewAdam[T Float](params []*Param[T], opts AdamOptions) *Adam[T] {
	return newAdam(params, opts, false)
}

// NewAdamW returns AdamW (decoupled weight decay) over params.
func NewAdamW[T Float](params []*Param[T], opts AdamOptions) *Adam[T] {
	return newAdam(params, opts, true)
}

func newAdam[T Float](params []*Param[T], opts AdamOptions, decoupled bool) *Adam[T] {
	opts.defaults()
	return &Adam[T]{opts: opts, decoupled: decoupled, params: params, m: make([][]T, len(params)), v: make([][]T, len(params))}
}

// Step implements Optimizer.
func (o *Adam[T]) Step(lr float64) {
	o.steps++
	t := float64(o.steps)
	b1, b2 := o.opts.Beta1, o.opts.Beta2
	stepSize := T(lr / (1 - math.Pow(b1, t)))
	bc2Sqrt := T(math.Sqrt(1 - math.Pow(b2, t)))
	eps := T(o.opts.Eps)
	for i, p := range o.params {
		grad := p.Grad()
		if grad == nil {
			continue
		}
		if o.m[i] == nil {
			o.m[i], o.v[i] = make([]T, len(grad)), make([]T, len(grad))
		}
		m, v := o.m[i], o.v[i]
		wd := o.opts.WeightDecay
		if p.NoDecay {
			wd = 0
		}
		decay, l2 := T(1), T(0)
		if o.decoupled {
			decay = T(1 - lr*wd)
		} else {
			l2 = T(wd)
		}
		c1, c2 := T(1-b1), T(1-b2)
		w := p.data
		parallelFor(len(grad), 8, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				g := grad[j]
				if l2 != 0 {
					g += l2 * w[j]
				}
				if decay != 1 {
					w[j] *= decay
				}
				m[j] = m[j]*T(b1) + c1*g
				v[j] = v[j]*T(b2) + c2*g*g
				denom := T(math.Sqrt(float64(v[j])))/bc2Sqrt + eps
				w[j] -= stepSize * (m[j] / denom)
			}
		})
	}
}

// Steps implements Optimizer.
func (o *Adam[T]) Steps() int { return o.steps }

// State implements Optimizer.
func (o *Adam[T]) State() map[string][]T {
	s := make(map[string][]T)
	for i, p := range o.params {
		if o.m[i] != nil {
			s[p.Name+".exp_avg"] = o.m[i]
			s[p.Name+".exp_avg_sq"] = o.v[i]
		}
	}
	return s
}

// LoadState implements Optimizer.
func (o *Adam[T]) LoadState(state map[string][]T, steps int) error {
	for i, p := range o.params {
		m, err := stateTensor(state, p, ".exp_avg", steps)
		if err != nil {
			return err
		}
		v, err := stateTensor(state, p, ".exp_avg_sq", steps)
		if err != nil {
			return err
		}
		o.m[i], o.v[i] = m, v
	}
	o.steps = steps
	return nil
}

// ClipGradNorm scales the gradients of params so that their global L2 norm
// is at most maxNorm, as torch.nn.utils.clip_grad_norm_: the factor is
// maxNorm/(norm + 1e-6), capped at 1. It returns the norm before clipping
// (NaN or +Inf if a gradient holds one; the gradients are then scaled by
// NaN or 0, as in PyTorch). maxNorm ≤ 0 only measures.
func ClipGradNorm[T Float](params []*Param[T], maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		for _, v := range p.Grad() {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	if maxNorm <= 0 {
		return norm
	}
	coef := T(math.Min(maxNorm/(norm+1e-6), 1))
	for _, p := range params {
		g := p.Grad()
		for j := range g {
			g[j] *= coef
		}
	}
	return norm
}
