package nn

import (
	"fmt"
	"math"
	"slices"
)

// Float is the element type of a Tensor: float32 for training, float64 for
// checking gradients against finite differences.
type Float interface{ float32 | float64 }

// Tensor is a dense, contiguous, row-major array that may carry a gradient.
//
// Tensors made by New, FromData or NewParam are leaves: they own their
// storage, and their gradient, once a backward pass has reached them, stays
// allocated across passes so that it can be accumulated (see ZeroGrad).
// Tensors returned by operations on a Tape belong to that tape: their values
// and gradients live until Backward has finished with them, or until Reset
// (see Tape).
type Tensor[T Float] struct {
	shape []int
	data  []T
	grad  []T

	requiresGrad bool
	// gradStale marks a leaf gradient that ZeroGrad has cleared without
	// writing zeros: the next backward contribution overwrites it.
	gradStale bool

	// tape bookkeeping for results of operations
	tape       *Tape[T]
	node       int        // index of the node that made it on tape
	pooledData bool       // data came from the tape's pool
	pooledGrad bool       // grad came from the tape's pool
	keep       bool       // Backward must not release data
	base       *Tensor[T] // the tensor whose storage a view shares
}

// New returns a zero leaf tensor of the given shape. It panics if a
// dimension is negative.
func New[T Float](shape ...int) *Tensor[T] {
	return &Tensor[T]{shape: slices.Clone(shape), data: make([]T, numel("New", shape))}
}

// FromData returns a leaf tensor that uses data as its storage (no copy).
// It panics if len(data) does not match the shape.
func FromData[T Float](data []T, shape ...int) *Tensor[T] {
	if n := numel("FromData", shape); n != len(data) {
		panic(fmt.Sprintf("nn: FromData: %d values for shape %v (%d elements)", len(data), shape, n))
	}
	return &Tensor[T]{shape: slices.Clone(shape), data: data}
}

// NewParam returns a leaf tensor that requires a gradient, with data as its
// storage.
func NewParam[T Float](data []T, shape ...int) *Tensor[T] {
	t := FromData(data, shape...)
	t.requiresGrad = true
	return t
}

// Scalar returns a one-element leaf tensor of shape [].
func Scalar[T Float](v T) *Tensor[T] { return &Tensor[T]{data: []T{v}} }

func numel(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: %s: negative dimension in shape %v", op, shape))
		}
		if d != 0 && n > math.MaxInt/d {
			panic(fmt.Sprintf("nn: %s: shape %v has too many elements", op, shape))
		}
		n *= d
	}
	return n
}

// Shape returns the dimensions. The caller must not modify it.
func (t *Tensor[T]) Shape() []int { return t.shape }

// Dims returns the number of dimensions.
func (t *Tensor[T]) Dims() int { return len(t.shape) }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Len returns the number of elements.
func (t *Tensor[T]) Len() int { return len(t.data) }

// Data returns the values, row-major. For a result of an operation they are
// valid until Backward releases them or the tape is Reset.
func (t *Tensor[T]) Data() []T { return t.data }

// Item returns the value of a one-element tensor. It panics otherwise.
func (t *Tensor[T]) Item() T {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("nn: Item of a tensor of shape %v", t.shape))
	}
	return t.data[0]
}

// RequiresGrad reports whether gradients flow to t.
func (t *Tensor[T]) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf as trainable (or frozen). It panics for the
// result of an operation, whose flag follows from its inputs.
func (t *Tensor[T]) SetRequiresGrad(on bool) *Tensor[T] {
	if t.tape != nil {
		panic("nn: SetRequiresGrad on the result of an operation")
	}
	t.requiresGrad = on
	return t
}

// Grad returns the accumulated gradient, or nil if no backward pass has
// reached t. A leaf's gradient stays valid until ZeroGrad; a result's until
// Backward has passed it.
func (t *Tensor[T]) Grad() []T {
	if t.gradStale {
		clear(t.grad)
		t.gradStale = false
	}
	return t.grad
}

// ZeroGrad clears a leaf's gradient so that the next backward pass starts
// from zero. The storage is kept, and is overwritten rather than zeroed and
// added to.
func (t *Tensor[T]) ZeroGrad() {
	if t.grad != nil {
		t.gradStale = true
	}
}

// Keep marks the result of an operation so that Backward does not release
// its values (they stay valid until Reset). It returns t.
func (t *Tensor[T]) Keep() *Tensor[T] {
	for b := t; b != nil; b = b.base {
		b.keep = true
	}
	return t
}

// String prints the shape and up to eight values.
func (t *Tensor[T]) String() string {
	n := min(len(t.data), 8)
	s := fmt.Sprintf("Tensor%v%v", t.shape, t.data[:n])
	if n < len(t.data) {
		s = s[:len(s)-1] + " ...]"
	}
	return s
}

// rows returns the product of all dimensions but the last, and the last.
func (t *Tensor[T]) rows() (int, int) {
	if len(t.shape) == 0 {
		return 1, 1
	}
	last := t.shape[len(t.shape)-1]
	if last == 0 {
		return 0, 0
	}
	return len(t.data) / last, last
}

// gradFor returns t's gradient buffer for an operation's backward pass to
// add into. fresh reports that the buffer holds garbage and must be
// overwritten in full instead of added to (see overwrite).
func (t *Tensor[T]) gradFor() (grad []T, fresh bool) {
	switch {
	case t.grad == nil && t.tape != nil:
		t.grad = t.tape.pool.get(len(t.data))
		t.pooledGrad = true
		return t.grad, true
	case t.grad == nil:
		t.grad = make([]T, len(t.data))
		return t.grad, false
	case t.gradStale:
		t.gradStale = false
		return t.grad, true
	}
	return t.grad, false
}

// zeroedGrad returns t's gradient buffer ready to be added to.
func (t *Tensor[T]) zeroedGrad() []T {
	g, fresh := t.gradFor()
	if fresh {
		clear(g)
	}
	return g
}

// accumulate adds src into t's gradient (or copies it there first).
func (t *Tensor[T]) accumulate(src []T) {
	g, fresh := t.gradFor()
	if fresh {
		copy(g, src)
		return
	}
	addTo(g, g, src)
}
