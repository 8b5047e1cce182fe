package nn

import (
	"fmt"
	"slices"
)

// Reshape returns x with a new shape of the same number of elements; one
// dimension may be -1, inferred from the others. The result shares x's
// storage.
func (g *Tape[T]) Reshape(x *Tensor[T], shape ...int) *Tensor[T] {
	shape = inferShape(x, shape)
	out := g.view(x, shape)
	g.onBackward(out, func() {
		if x.grad == nil && x.tape != nil {
			// Hand the buffer over instead of copying it.
			x.grad, x.pooledGrad = out.grad, out.pooledGrad
			out.grad, out.pooledGrad = nil, false
			return
		}
		x.accumulate(out.grad)
	})
	return out
}

func inferShape[T Float](x *Tensor[T], shape []int) []int {
	shape = slices.Clone(shape)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("nn: Reshape: bad shape %v", shape))
		default:
			known *= d
		}
	}
	if infer >= 0 && known > 0 {
		shape[infer] = x.Len() / known
		known *= shape[infer]
	}
	if known != x.Len() {
		panic(fmt.Sprintf("nn: Reshape: cannot view shape %v (%d elements) as %v", x.shape, x.Len(), shape))
	}
	return shape
}

// Transpose swaps dimensions d0 and d1 (a copy, contiguous).
func (g *Tape[T]) Transpose(x *Tensor[T], d0, d1 int) *Tensor[T] {
	perm := make([]int, x.Dims())
	for i := range perm {
		perm[i] = i
	}
	d0, d1 = axis("Transpose", x, d0), axis("Transpose", x, d1)
	perm[d0], perm[d1] = perm[d1], perm[d0]
	return g.Permute(x, perm...)
}

func axis[T Float](op string, x *Tensor[T], a int) int {
	if a < 0 {
		a += x.Dims()
	}
	if a < 0 || a >= x.Dims() {
		panic(fmt.Sprintf("nn: %s: axis out of range for shape %v", op, x.shape))
	}
	return a
}

// Permute reorders the dimensions: dimension i of the result is dimension
// perm[i] of x (a copy, contiguous).
func (g *Tape[T]) Permute(x *Tensor[T], perm ...int) *Tensor[T] {
	if len(perm) != x.Dims() {
		panic(fmt.Sprintf("nn: Permute: %d axes for shape %v", len(perm), x.shape))
	}
	seen := make([]bool, len(perm))
	shape := make([]int, len(perm))
	for i, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			panic(fmt.Sprintf("nn: Permute: %v is not a permutation of the axes of %v", perm, x.shape))
		}
		seen[p] = true
		shape[i] = x.shape[p]
	}
	// in-strides read along the output's dimensions
	inStride := make([]int, len(perm))
	st := 1
	for d := len(x.shape) - 1; d >= 0; d-- {
		for i, p := range perm {
			if p == d {
				inStride[i] = st
			}
		}
		st *= x.shape[d]
	}
	src := outputIndex(shape, inStride)
	out := g.result(shape, x)
	for i := range out.data {
		out.data[i] = x.data[src(i)]
	}
	g.onBackward(out, func() {
		gx := x.zeroedGrad()
		for i, v := range out.grad {
			gx[src(i)] += v
		}
	})
	return out
}

// Slice returns elements [start, end) of x along axis (a copy).
func (g *Tape[T]) Slice(x *Tensor[T], ax, start, end int) *Tensor[T] {
	ax = axis("Slice", x, ax)
	if start < 0 || end > x.shape[ax] || start > end {
		panic(fmt.Sprintf("nn: Slice: range [%d, %d) outside dimension %d of shape %v", start, end, ax, x.shape))
	}
	outer, inner := 1, 1
	for _, d := range x.shape[:ax] {
		outer *= d
	}
	for _, d := range x.shape[ax+1:] {
		inner *= d
	}
	shape := slices.Clone(x.shape)
	shape[ax] = end - start
	out := g.result(shape, x)
	n, w := (end-start)*inner, x.shape[ax]*inner
	for o := range outer {
		copy(out.data[o*n:(o+1)*n], x.data[o*w+start*inner:])
	}
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		for o := range outer {
			row := gx[o*w : (o+1)*w]
			part := row[start*inner : start*inner+n]
			if fresh {
				clear(row[:start*inner])
				copy(part, out.grad[o*n:])
				clear(row[start*inner+n:])
			} else {
				addTo(part, part, out.grad[o*n:])
			}
		}
	})
	return out
}

// Concat joins tensors along axis; all other dimensions must agree.
func (g *Tape[T]) Concat(ax int, xs ...*Tensor[T]) *Tensor[T] {
	if len(xs) == 0 {
		panic("nn: Concat of nothing")
	}
	ax = axis("Concat", xs[0], ax)
	shape := slices.Clone(xs[0].shape)
	shape[ax] = 0
	for _, x := range xs {
		if x.Dims() != len(shape) {
			panic(fmt.Sprintf("nn: Concat: shapes %v and %v differ in rank", xs[0].shape, x.shape))
		}
		for d := range shape {
			if d != ax && x.shape[d] != xs[0].shape[d] {
				panic(fmt.Sprintf("nn: Concat along %d: shapes %v and %v differ in dimension %d", ax, xs[0].shape, x.shape, d))
			}
		}
		shape[ax] += x.shape[ax]
	}
	outer, inner := 1, 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	for _, d := range shape[ax+1:] {
		inner *= d
	}
	out := g.result(shape, xs...)
	w := shape[ax] * inner
	off := 0
	for _, x := range xs {
		n := x.shape[ax] * inner
		for o := range outer {
			copy(out.data[o*w+off:o*w+off+n], x.data[o*n:(o+1)*n])
		}
		off += n
	}
	g.onBackward(out, func() {
		off := 0
		for _, x := range xs {
			n := x.shape[ax] * inner
			if x.requiresGrad {
				gx, fresh := x.gradFor()
				for o := range outer {
					if fresh {
						copy(gx[o*n:(o+1)*n], out.grad[o*w+off:])
					} else {
						addTo(gx[o*n:(o+1)*n], gx[o*n:(o+1)*n], out.grad[o*w+off:])
					}
				}
			}
			off += n
		}
	})
	return out
}

// Embedding returns rows ids of weight ([vocab, dim]) as [len(ids), dim].
// Its backward pass adds each row's gradient into the rows of weight it
// came from (scatter-add). It panics on an id outside [0, vocab).
func (g *Tape[T]) Embedding(weight *Tensor[T], ids []int) *Tensor[T] {
	if weight.Dims() != 2 {
		panic(fmt.Sprintf("nn: Embedding: weight of shape %v; want [vocab, dim]", weight.shape))
	}
	vocab, dim := weight.shape[0], weight.shape[1]
	for i, id := range ids {
		if id < 0 || id >= vocab {
			panic(fmt.Sprintf("nn: Embedding: id %d at position %d outside the vocabulary of %d", id, i, vocab))
		}
	}
	out := g.result([]int{len(ids), dim}, weight)
	parallelFor(len(ids), dim, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			copy(out.data[r*dim:(r+1)*dim], weight.data[ids[r]*dim:])
		}
	})
	g.onBackward(out, func() {
		gw := weight.zeroedGrad()
		// Each goroutine owns a range of vocabulary rows, so that repeated
		// ids never collide.
		parallelFor(vocab, len(ids)*dim/max(vocab, 1)+1, func(lo, hi int) {
			for r, id := range ids {
				if id >= lo && id < hi {
					addTo(gw[id*dim:(id+1)*dim], gw[id*dim:], out.grad[r*dim:])
				}
			}
		})
	})
	return out
}
