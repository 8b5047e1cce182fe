package nn

import (
	"fmt"
	"slices"
)

// broadcast describes a binary operation's operands aligned to its output
// shape by NumPy's rules: trailing dimensions line up, and a dimension of 1
// (or a missing one) stretches to match the other operand.
type broadcast struct {
	shape  []int // the output's
	sa, sb []int // the operands' strides along each output dimension, 0 where stretched
	rows   int   // the product of all output dimensions but the last
	n      int   // the last output dimension
}

func newBroadcast(op string, a, b []int) *broadcast {
	nd := max(len(a), len(b))
	shape := make([]int, nd)
	for i := range nd {
		da, db := dimFromEnd(a, nd-1-i), dimFromEnd(b, nd-1-i)
		switch {
		case da == db, db == 1:
			shape[i] = da
		case da == 1:
			shape[i] = db
		default:
			panic(fmt.Sprintf("nn: %s: shapes %v and %v do not broadcast (dimension %d: %d vs %d)", op, a, b, i-nd, da, db))
		}
	}
	bc := &broadcast{shape: shape, sa: bstrides(a, shape), sb: bstrides(b, shape), rows: 1, n: 1}
	if nd > 0 {
		bc.n = shape[nd-1]
		bc.rows = numel(op, shape[:nd-1])
	}
	return bc
}

// dimFromEnd returns shape[len(shape)-1-i], or 1 beyond its start.
func dimFromEnd(shape []int, i int) int {
	if i >= len(shape) {
		return 1
	}
	return shape[len(shape)-1-i]
}

// bstrides returns the strides of a tensor of shape s read along the
// dimensions of out, 0 where s has a 1 or lacks the dimension.
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	step := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := i - (len(out) - len(s))
		if j < 0 {
			break
		}
		if s[j] != 1 {
			st[i] = step
		}
		step *= s[j]
	}
	return st
}

// offsets returns the operands' offsets at the start of output row r.
func (bc *broadcast) offsets(r int) (ia, ib int) {
	for d := len(bc.shape) - 2; d >= 0; d-- {
		i := r % bc.shape[d]
		r /= bc.shape[d]
		ia += i * bc.sa[d]
		ib += i * bc.sb[d]
	}
	return ia, ib
}

// steps returns the operands' strides along the last dimension.
func (bc *broadcast) steps() (da, db int) {
	if len(bc.shape) == 0 {
		return 0, 0
	}
	return bc.sa[len(bc.sa)-1], bc.sb[len(bc.sb)-1]
}

// binaryKind selects the arithmetic of a binary operation.
type binaryKind int

const (
	opAdd binaryKind = iota
	opSub
	opMul
	opDiv
)

var binaryNames = [...]string{"Add", "Sub", "Mul", "Div"}

// Add returns a + b, broadcasting.
func (g *Tape[T]) Add(a, b *Tensor[T]) *Tensor[T] { return g.binary(opAdd, a, b) }

// Sub returns a - b, broadcasting.
func (g *Tape[T]) Sub(a, b *Tensor[T]) *Tensor[T] { return g.binary(opSub, a, b) }

// Mul returns a ∘ b elementwise, broadcasting.
func (g *Tape[T]) Mul(a, b *Tensor[T]) *Tensor[T] { return g.binary(opMul, a, b) }

// Div returns a / b elementwise, broadcasting.
func (g *Tape[T]) Div(a, b *Tensor[T]) *Tensor[T] { return g.binary(opDiv, a, b) }

func (g *Tape[T]) binary(kind binaryKind, a, b *Tensor[T]) *Tensor[T] {
	bc := newBroadcast(binaryNames[kind], a.shape, b.shape)
	out := g.result(bc.shape, a, b)
	da, db := bc.steps()
	parallelFor(bc.rows, bc.n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ia, ib := bc.offsets(r)
			o := out.data[r*bc.n : (r+1)*bc.n]
			binaryRow(kind, o, a.data, ia, da, b.data, ib, db)
		}
	})
	g.onBackward(out, func() { binaryBackward(kind, bc, a, b, out) })
	return out
}

// binaryRow computes one output row from operand rows that start at ia and
// ib and step by da and db (1, or 0 for a stretched operand).
func binaryRow[T Float](kind binaryKind, o, a []T, ia, da int, b []T, ib, db int) {
	if da == 1 && db == 1 {
		x, y := a[ia:ia+len(o)], b[ib:ib+len(o)]
		switch kind {
		case opAdd:
			addTo(o, x, y)
		case opSub:
			for i := range o {
				o[i] = x[i] - y[i]
			}
		case opMul:
			for i := range o {
				o[i] = x[i] * y[i]
			}
		case opDiv:
			for i := range o {
				o[i] = x[i] / y[i]
			}
		}
		return
	}
	for i := range o {
		x, y := a[ia+i*da], b[ib+i*db]
		switch kind {
		case opAdd:
			o[i] = x + y
		case opSub:
			o[i] = x - y
		case opMul:
			o[i] = x * y
		case opDiv:
			o[i] = x / y
		}
	}
}

// binaryBackward passes out's gradient to a and b, summing over the
// dimensions each was stretched along.
func binaryBackward[T Float](kind binaryKind, bc *broadcast, a, b, out *Tensor[T]) {
	gout := out.grad
	da, db := bc.steps()
	same := slices.Equal(a.shape, b.shape)
	for side, t := range []*Tensor[T]{a, b} {
		if !t.requiresGrad {
			continue
		}
		if kind == opAdd && slices.Equal(t.shape, bc.shape) {
			t.accumulate(gout)
			continue
		}
		gt := t.zeroedGrad()
		// Operands the size of the output are written by disjoint rows and
		// can be split over cores; stretched ones are sums, done serially.
		body := func(lo, hi int) {
			for r := lo; r < hi; r++ {
				ia, ib := bc.offsets(r)
				for i := range bc.n {
					gi := gout[r*bc.n+i]
					x, y := ia+i*da, ib+i*db
					if side == 0 {
						gt[x] += gi * binaryPartialA(kind, b.data[y])
					} else {
						gt[y] += gi * binaryPartialB(kind, a.data[x], b.data[y], out.data[r*bc.n+i])
					}
				}
			}
		}
		if same || t.Len() == out.Len() {
			parallelFor(bc.rows, bc.n, body)
		} else {
			body(0, bc.rows)
		}
	}
}

// binaryPartialA is ∂out/∂a given b.
func binaryPartialA[T Float](kind binaryKind, y T) T {
	switch kind {
	case opMul:
		return y
	case opDiv:
		return 1 / y
	}
	return 1
}

// binaryPartialB is ∂out/∂b given a, b and out.
func binaryPartialB[T Float](kind binaryKind, x, y, o T) T {
	switch kind {
	case opSub:
		return -1
	case opMul:
		return x
	case opDiv:
		return -o / y
	}
	return 1
}

// Scale returns alpha·x.
func (g *Tape[T]) Scale(x *Tensor[T], alpha float64) *Tensor[T] {
	out := g.result(slices.Clone(x.shape), x)
	a := T(alpha)
	parallelFor(x.Len(), 1, func(lo, hi int) { scaleTo(out.data[lo:hi], a, x.data[lo:hi]) })
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		if fresh {
			scaleTo(gx, a, out.grad)
			return
		}
		axpy(a, out.grad, gx)
	})
	return out
}

// AddScalar returns x + c.
func (g *Tape[T]) AddScalar(x *Tensor[T], c float64) *Tensor[T] {
	out := g.result(slices.Clone(x.shape), x)
	v := T(c)
	parallelFor(x.Len(), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.data[i] = x.data[i] + v
		}
	})
	g.onBackward(out, func() { x.accumulate(out.grad) })
	return out
}

// Where returns cond ? a : b elementwise. cond has one entry per element of
// a and b, which must have the same shape.
func (g *Tape[T]) Where(cond []bool, a, b *Tensor[T]) *Tensor[T] {
	if !slices.Equal(a.shape, b.shape) || len(cond) != a.Len() {
		panic(fmt.Sprintf("nn: Where: condition of %d entries, operands of shapes %v and %v; all must match", len(cond), a.shape, b.shape))
	}
	out := g.result(slices.Clone(a.shape), a, b)
	for i, c := range cond {
		if c {
			out.data[i] = a.data[i]
		} else {
			out.data[i] = b.data[i]
		}
	}
	g.onBackward(out, func() {
		for side, t := range []*Tensor[T]{a, b} {
			if !t.requiresGrad {
				continue
			}
			gt := t.zeroedGrad()
			for i, c := range cond {
				if c == (side == 0) {
					gt[i] += out.grad[i]
				}
			}
		}
	})
	return out
}
