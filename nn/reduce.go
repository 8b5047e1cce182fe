package nn

import (
	"fmt"
	"math"
	"slices"
)

// Softmax returns softmax over the last dimension.
func (g *Tape[T]) Softmax(x *Tensor[T]) *Tensor[T] {
	rows, n := x.rows()
	out := g.result(slices.Clone(x.shape), x)
	parallelFor(rows, 4*n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxTo(out.data[r*n:(r+1)*n], x.data[r*n:(r+1)*n])
		}
	})
	// dx = y∘(dy - Σ dy∘y)
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		parallelFor(rows, 4*n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				y, gy, d := out.data[r*n:(r+1)*n], out.grad[r*n:(r+1)*n], gx[r*n:(r+1)*n]
				s := dot(gy, y)
				for i := range d {
					v := y[i] * (gy[i] - s)
					if fresh {
						d[i] = v
					} else {
						d[i] += v
					}
				}
			}
		})
	})
	return out
}

// LogSoftmax returns log(softmax(x)) over the last dimension.
func (g *Tape[T]) LogSoftmax(x *Tensor[T]) *Tensor[T] {
	rows, n := x.rows()
	out := g.result(slices.Clone(x.shape), x)
	parallelFor(rows, 4*n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x.data[r*n:(r+1)*n], out.data[r*n:(r+1)*n]
			lse := logSumExp(xr)
			for i, v := range xr {
				yr[i] = v - lse
			}
		}
	})
	// dx = dy - softmax(x)·Σdy, with softmax(x) = exp(y)
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		parallelFor(rows, 8*n, func(lo, hi int) {
			p := make([]T, n)
			for r := lo; r < hi; r++ {
				y, gy, d := out.data[r*n:(r+1)*n], out.grad[r*n:(r+1)*n], gx[r*n:(r+1)*n]
				var s T
				for _, v := range gy {
					s += v
				}
				expTo(p, y, 0)
				for i := range d {
					v := gy[i] - p[i]*s
					if fresh {
						d[i] = v
					} else {
						d[i] += v
					}
				}
			}
		})
	})
	return out
}

// reduceKind selects a reduction.
type reduceKind int

const (
	reduceSum reduceKind = iota
	reduceMean
	reduceMax
)

// Sum returns the sum over the given axes (all of them when none are
// given), keeping them as dimensions of size 1 if keepDims is set.
func (g *Tape[T]) Sum(x *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return g.reduce(reduceSum, x, keepDims, axes)
}

// Mean returns the mean over the given axes (all of them when none are
// given).
func (g *Tape[T]) Mean(x *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return g.reduce(reduceMean, x, keepDims, axes)
}

// Max returns the maximum over the given axes (all of them when none are
// given). The gradient goes to the first maximal element of each slice.
func (g *Tape[T]) Max(x *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return g.reduce(reduceMax, x, keepDims, axes)
}

func (g *Tape[T]) reduce(kind reduceKind, x *Tensor[T], keepDims bool, axes []int) *Tensor[T] {
	name := [...]string{"Sum", "Mean", "Max"}[kind]
	reduced := make([]bool, x.Dims())
	if len(axes) == 0 {
		for i := range reduced {
			reduced[i] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += x.Dims()
		}
		if a < 0 || a >= x.Dims() {
			panic(fmt.Sprintf("nn: %s: axis out of range for shape %v", name, x.shape))
		}
		reduced[a] = true
	}
	// Iterate over x in row-major order; each element maps to one output
	// element, whose index skips the reduced dimensions.
	var shape, kept []int
	for i, d := range x.shape {
		if reduced[i] {
			if keepDims {
				shape = append(shape, 1)
			}
			kept = append(kept, 1)
		} else {
			shape = append(shape, d)
			kept = append(kept, d)
		}
	}
	strides := bstrides(kept, x.shape) // output stride per input dimension, 0 when reduced
	out := g.result(shape, x)
	count := 1
	for i, d := range x.shape {
		if reduced[i] {
			count *= d
		}
	}
	index := outputIndex(x.shape, strides)
	var arg []int // for Max: the input index of each output
	switch kind {
	case reduceMax:
		arg = make([]int, out.Len())
		for i := range out.data {
			out.data[i] = T(math.Inf(-1))
			arg[i] = -1
		}
		for i, v := range x.data {
			o := index(i)
			if arg[o] < 0 || v > out.data[o] || v != v && out.data[o] == out.data[o] {
				out.data[o], arg[o] = v, i
			}
		}
	default:
		acc := make([]float64, out.Len())
		for i, v := range x.data {
			acc[index(i)] += float64(v)
		}
		for i, s := range acc {
			if kind == reduceMean {
				s /= float64(count)
			}
			out.data[i] = T(s)
		}
	}
	g.onBackward(out, func() {
		gx := x.zeroedGrad()
		switch kind {
		case reduceMax:
			for o, i := range arg {
				if i >= 0 {
					gx[i] += out.grad[o]
				}
			}
		default:
			scale := T(1)
			if kind == reduceMean {
				scale = T(1 / float64(count))
			}
			for i := range gx {
				gx[i] += out.grad[index(i)] * scale
			}
		}
	})
	return out
}

// outputIndex returns a function from a row-major index into shape to the
// offset given by strides (one per dimension).
func outputIndex(shape, strides []int) func(i int) int {
	return func(i int) int {
		o := 0
		for d := len(shape) - 1; d >= 0; d-- {
			o += (i % shape[d]) * strides[d]
			i /= shape[d]
		}
		return o
	}
}
