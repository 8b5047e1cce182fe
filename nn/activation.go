package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/fmkit/fmkit/tensor"
)

// Activation names an elementwise nonlinearity.
type Activation int

const (
	ReLU      Activation = iota
	GELU                 // x·Φ(x) with the exact normal CDF (torch's default, Hugging Face "gelu")
	GELUTanh             // the tanh approximation ("gelu_new", "gelu_pytorch_tanh", "gelu_fast")
	QuickGELU            // x·σ(1.702x) ("quick_gelu")
	SiLU                 // x·σ(x) ("silu", "swish")
	Tanh
	Sigmoid
)

var activationNames = [...]string{"ReLU", "GELU", "GELUTanh", "QuickGELU", "SiLU", "Tanh", "Sigmoid"}

func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ActivationByName maps Hugging Face's ACT2FN names to an Activation.
func ActivationByName(name string) (Activation, error) {
	switch name {
	case "relu":
		return ReLU, nil
	case "gelu":
		return GELU, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return GELUTanh, nil
	case "quick_gelu":
		return QuickGELU, nil
	case "silu", "swish":
		return SiLU, nil
	case "tanh":
		return Tanh, nil
	case "sigmoid":
		return Sigmoid, nil
	}
	return 0, fmt.Errorf("nn: unsupported activation %q (supported: relu, gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, silu, swish, tanh, sigmoid)", name)
}

// ReLU returns max(x, 0).
func (g *Tape[T]) ReLU(x *Tensor[T]) *Tensor[T] { return g.Activate(x, ReLU) }

// GELU returns x·Φ(x), Φ the standard normal CDF.
func (g *Tape[T]) GELU(x *Tensor[T]) *Tensor[T] { return g.Activate(x, GELU) }

// GELUTanh returns the tanh approximation of GELU.
func (g *Tape[T]) GELUTanh(x *Tensor[T]) *Tensor[T] { return g.Activate(x, GELUTanh) }

// SiLU returns x·σ(x).
func (g *Tape[T]) SiLU(x *Tensor[T]) *Tensor[T] { return g.Activate(x, SiLU) }

// Tanh returns tanh(x).
func (g *Tape[T]) Tanh(x *Tensor[T]) *Tensor[T] { return g.Activate(x, Tanh) }

// Sigmoid returns 1/(1+exp(-x)).
func (g *Tape[T]) Sigmoid(x *Tensor[T]) *Tensor[T] { return g.Activate(x, Sigmoid) }

// Activate applies the activation elementwise.
func (g *Tape[T]) Activate(x *Tensor[T], act Activation) *Tensor[T] {
	if act < ReLU || act > Sigmoid {
		panic(fmt.Sprintf("nn: Activate: unknown activation %d", int(act)))
	}
	out := g.result(slices.Clone(x.shape), x)
	parallelFor(x.Len(), 8, func(lo, hi int) { activate(act, out.data[lo:hi], x.data[lo:hi]) })
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		var sig []T // σ(x), for SiLU's derivative
		if act == SiLU {
			sig = g.temp(x.Len())
			defer g.put(sig)
		}
		parallelFor(x.Len(), 16, func(lo, hi int) {
			var s []T
			if sig != nil {
				s = sig[lo:hi]
				sigmoidTo(s, x.data[lo:hi])
			}
			activationGrad(act, gx[lo:hi], fresh, out.grad[lo:hi], x.data[lo:hi], out.data[lo:hi], s)
		})
	})
	return out
}

// activate computes dst = act(x), float32 on the vector kernels where they
// exist.
func activate[T Float](act Activation, dst, x []T) {
	if d, ok := any(dst).([]float32); ok {
		xs := any(x).([]float32)
		switch act {
		case GELU:
			tensor.GELUTo(d, xs)
			return
		case GELUTanh:
			tensor.GELUTanhTo(d, xs)
			return
		case SiLU:
			tensor.SiLUTo(d, xs)
			return
		}
	}
	switch act {
	case ReLU:
		for i, v := range x {
			dst[i] = max(v, 0)
		}
	case GELU:
		for i, v := range x {
			dst[i] = T(float64(v) * normalCDF(float64(v)))
		}
	case GELUTanh:
		for i, v := range x {
			dst[i] = T(geluTanh(float64(v)))
		}
	case QuickGELU:
		for i, v := range x {
			dst[i] = T(float64(v) / (1 + math.Exp(-1.702*float64(v))))
		}
	case SiLU:
		for i, v := range x {
			dst[i] = T(float64(v) / (1 + math.Exp(-float64(v))))
		}
	case Tanh:
		for i, v := range x {
			dst[i] = T(math.Tanh(float64(v)))
		}
	case Sigmoid:
		sigmoidTo(dst, x)
	}
}

// activationGrad sets (fresh) or adds to gx the product of gy and the
// derivative of act at x, whose value y = act(x) is given; s holds σ(x) for
// SiLU.
func activationGrad[T Float](act Activation, gx []T, fresh bool, gy, x, y, s []T) {
	for i, v := range x {
		var d T
		switch act {
		case ReLU:
			if v > 0 {
				d = 1
			}
		case GELU:
			u := float64(v)
			d = T(normalCDF(u) + u*math.Exp(-u*u/2)/math.Sqrt(2*math.Pi))
		case GELUTanh:
			d = T(geluTanhGrad(float64(v)))
		case QuickGELU:
			sg := 1 / (1 + math.Exp(-1.702*float64(v)))
			d = T(sg + 1.702*float64(v)*sg*(1-sg))
		case SiLU:
			d = s[i] * (1 + v*(1-s[i]))
		case Tanh:
			d = 1 - y[i]*y[i]
		case Sigmoid:
			d = y[i] * (1 - y[i])
		}
		if fresh {
			gx[i] = gy[i] * d
		} else {
			gx[i] += gy[i] * d
		}
	}
}

func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

const sqrt2OverPi = 0.7978845608028654

func geluTanh(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x)))
}

func geluTanhGrad(x float64) float64 {
	t := math.Tanh(sqrt2OverPi * (x + 0.044715*x*x*x))
	return 0.5*(1+t) + 0.5*x*(1-t*t)*sqrt2OverPi*(1+3*0.044715*x*x)
}

// SwiGLU splits the last dimension of x into halves gate and up and returns
// SiLU(gate)·up, Llama's MLP nonlinearity with its two input projections
// fused into one.
func (g *Tape[T]) SwiGLU(x *Tensor[T]) *Tensor[T] {
	rows, w := x.rows()
	if w%2 != 0 {
		panic(fmt.Sprintf("nn: SwiGLU: last dimension %d of shape %v is odd", w, x.shape))
	}
	h := w / 2
	shape := slices.Clone(x.shape)
	shape[len(shape)-1] = h
	out := g.result(shape, x)
	parallelFor(rows, 8*h, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gate, up, o := x.data[r*w:r*w+h], x.data[r*w+h:(r+1)*w], out.data[r*h:(r+1)*h]
			activate(SiLU, o, gate)
			for i := range o {
				o[i] *= up[i]
			}
		}
	})
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		parallelFor(rows, 16*h, func(lo, hi int) {
			s := make([]T, h)
			for r := lo; r < hi; r++ {
				gate, up := x.data[r*w:r*w+h], x.data[r*w+h:(r+1)*w]
				dgate, dup := gx[r*w:r*w+h], gx[r*w+h:(r+1)*w]
				gy := out.grad[r*h : (r+1)*h]
				sigmoidTo(s, gate)
				for i, v := range gate {
					silu := v * s[i]
					dg := gy[i] * up[i] * s[i] * (1 + v*(1-s[i]))
					du := gy[i] * silu
					if fresh {
						dgate[i], dup[i] = dg, du
					} else {
						dgate[i] += dg
						dup[i] += du
					}
				}
			}
		})
	})
	return out
}

// Exp returns exp(x).
func (g *Tape[T]) Exp(x *Tensor[T]) *Tensor[T] {
	out := g.result(slices.Clone(x.shape), x)
	parallelFor(x.Len(), 8, func(lo, hi int) { expTo(out.data[lo:hi], x.data[lo:hi], 0) })
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		for i, y := range out.data {
			if fresh {
				gx[i] = out.grad[i] * y
			} else {
				gx[i] += out.grad[i] * y
			}
		}
	})
	return out
}

// Log returns the natural logarithm of x.
func (g *Tape[T]) Log(x *Tensor[T]) *Tensor[T] {
	out := g.result(slices.Clone(x.shape), x)
	for i, v := range x.data {
		out.data[i] = T(math.Log(float64(v)))
	}
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		for i, v := range x.data {
			if fresh {
				gx[i] = out.grad[i] / v
			} else {
				gx[i] += out.grad[i] / v
			}
		}
	})
	return out
}

// LogSigmoid returns log σ(x) = -softplus(-x), computed without overflow
// for inputs of either sign (DPO's loss is -LogSigmoid of a reward margin).
func (g *Tape[T]) LogSigmoid(x *Tensor[T]) *Tensor[T] {
	out := g.result(slices.Clone(x.shape), x)
	for i, v := range x.data {
		u := float64(v)
		out.data[i] = T(math.Min(u, 0) - math.Log1p(math.Exp(-math.Abs(u))))
	}
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		for i, v := range x.data {
			d := out.grad[i] * T(1/(1+math.Exp(float64(v)))) // σ(-x)
			if fresh {
				gx[i] = d
			} else {
				gx[i] += d
			}
		}
	})
	return out
}
