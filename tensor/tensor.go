package tensor

import "fmt"

// Tensor is a dense, contiguous, row-major float32 tensor. A Tensor returned
// by Row, Slice or Reshape is a view that shares storage with its parent.
type Tensor struct {
	shape []int
	data  []float32
}

// New returns a zero-filled tensor of the given shape.
// It panics if a dimension is negative.
func New(shape ...int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), data: make([]float32, numel(shape))}
}

// FromSlice returns a tensor of the given shape backed by data (not copied).
// It panics if len(data) does not equal the product of the dimensions.
func FromSlice(data []float32, shape ...int) *Tensor {
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("tensor: shape %v needs %d elements, have %d", shape, n, len(data)))
	}
	return &Tensor{shape: append([]int(nil), shape...), data: data}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Shape returns the dimensions. The caller must not modify the result.
func (t *Tensor) Shape() []int { return t.shape }

// Dims returns the number of dimensions.
func (t *Tensor) Dims() int { return len(t.shape) }

// Dim returns the size of dimension i.
func (t *Tensor) Dim(i int) int { return t.shape[i] }

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Data returns the backing slice in row-major order.
func (t *Tensor) Data() []float32 { return t.data }

// rowSize is the number of elements in one index of the first dimension.
func (t *Tensor) rowSize() int {
	if len(t.shape) == 0 {
		panic("tensor: scalar has no rows")
	}
	if t.shape[0] == 0 {
		return numel(t.shape[1:])
	}
	return len(t.data) / t.shape[0]
}

// Row returns the i-th slice along the first dimension as a flat view.
// It panics if i is out of range.
func (t *Tensor) Row(i int) []float32 {
	if i < 0 || i >= t.shape[0] {
		panic(fmt.Sprintf("tensor: row %d out of range [0,%d)", i, t.shape[0]))
	}
	r := t.rowSize()
	return t.data[i*r : (i+1)*r : (i+1)*r]
}

// Slice returns the view t[i:j] along the first dimension.
// It panics unless 0 <= i <= j <= Dim(0).
func (t *Tensor) Slice(i, j int) *Tensor {
	if i < 0 || j < i || j > t.shape[0] {
		panic(fmt.Sprintf("tensor: slice [%d:%d] out of range [0,%d]", i, j, t.shape[0]))
	}
	r := t.rowSize()
	shape := append([]int{j - i}, t.shape[1:]...)
	return &Tensor{shape: shape, data: t.data[i*r : j*r : j*r]}
}

// Reshape returns a view with a new shape of the same number of elements.
// One dimension may be -1 and is then inferred. It panics if the sizes differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic("tensor: more than one -1 in reshape")
			}
			infer = i
			continue
		}
		known *= d
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(t.data) / known
	}
	return FromSlice(t.data, shape...)
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{shape: append([]int(nil), t.shape...), data: append([]float32(nil), t.data...)}
}

// String describes the shape, not the contents, so that printing a large
// tensor by accident stays cheap.
func (t *Tensor) String() string { return fmt.Sprintf("tensor%v", t.shape) }
