package erase

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/tensor"
)

// Eraser removes a concept from representations with the affine map
// r(x) = x − Left·Right·(x − Bias), that is x ↦ P·(x − Bias) + Bias with the
// projection P = I − Left·Right of rank at most the concept's dimension.
// Left is D×R and Right is R×D, both row-major; Bias is nil for a linear
// (non-affine) eraser. An Eraser is safe for concurrent use once built.
type Eraser struct {
	D, R  int
	Left  []float64
	Right []float64
	Bias  []float64
	// Metadata records how the eraser was fitted (method, options, number
	// of rows) and is saved with it; callers may add their own keys.
	Metadata map[string]string

	once sync.Once
	// float32 copies for ApplyFloat32, stored transposed (leftT is R×D,
	// rightT is D×R) so that both GEMMs run without transpose flags.
	leftT32, rightT32, bias32 []float32
}

// rowMajor returns the elements of m in contiguous row-major order.
func rowMajor(m *mat.Dense) []float64 {
	raw := m.RawMatrix()
	if raw.Stride == raw.Cols {
		return raw.Data[:raw.Rows*raw.Cols]
	}
	out := make([]float64, 0, raw.Rows*raw.Cols)
	for i := 0; i < raw.Rows; i++ {
		out = append(out, raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols]...)
	}
	return out
}

// check validates the shapes, for erasers built by hand or loaded.
func (e *Eraser) check() error {
	if e.D <= 0 || e.R < 0 || e.R > e.D {
		return fmt.Errorf("erase: eraser of dimension %d and rank %d: expected 0 ≤ rank ≤ dimension", e.D, e.R)
	}
	if len(e.Left) != e.D*e.R || len(e.Right) != e.R*e.D {
		return fmt.Errorf("erase: eraser of dimension %d and rank %d has %d left and %d right values, expected %d each", e.D, e.R, len(e.Left), len(e.Right), e.D*e.R)
	}
	if e.Bias != nil && len(e.Bias) != e.D {
		return fmt.Errorf("erase: eraser of dimension %d has a bias of length %d", e.D, len(e.Bias))
	}
	return nil
}

// P returns the D×D projection matrix I − Left·Right.
func (e *Eraser) P() *mat.Dense {
	p := mat.NewDense(e.D, e.D, nil)
	if e.R > 0 {
		p.Mul(mat.NewDense(e.D, e.R, e.Left), mat.NewDense(e.R, e.D, e.Right))
		p.Scale(-1, p)
	}
	for i := 0; i < e.D; i++ {
		p.Set(i, i, p.At(i, i)+1)
	}
	return p
}

// Apply writes the erased rows of x to dst (n×D each, row-major; dst may
// be x). It panics if the lengths are not the same multiple of D.
func (e *Eraser) Apply(dst, x []float64) {
	n := e.rows(len(dst), len(x))
	if &dst[0] != &x[0] {
		copy(dst, x)
	}
	if e.R == 0 || n == 0 {
		return
	}
	delta := make([]float64, n*e.D)
	copy(delta, x)
	if e.Bias != nil {
		for i := 0; i < n; i++ {
			row := delta[i*e.D : (i+1)*e.D]
			for j, b := range e.Bias {
				row[j] -= b
			}
		}
	}
	// (x − b)·Rightᵀ is n×R; dst −= that·Leftᵀ. Multiplying in this order
	// keeps the work at O(n·D·R).
	t := make([]float64, n*e.R)
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, general(delta, n, e.D), general(e.Right, e.R, e.D), 0, general(t, n, e.R))
	blas64.Gemm(blas.NoTrans, blas.Trans, -1, general(t, n, e.R), general(e.Left, e.D, e.R), 1, general(dst, n, e.D))
}

// ApplyFloat32 is Apply for float32 rows, computed with tensor.Gemm on
// float32 copies of the factors.
func (e *Eraser) ApplyFloat32(dst, x []float32) {
	n := e.rows(len(dst), len(x))
	if &dst[0] != &x[0] {
		copy(dst, x)
	}
	if e.R == 0 || n == 0 {
		return
	}
	e.once.Do(func() {
		e.leftT32, e.rightT32 = transpose32(e.Left, e.D, e.R), transpose32(e.Right, e.R, e.D)
		if e.Bias != nil {
			e.bias32 = toFloat32(e.Bias)
		}
	})
	delta := make([]float32, n*e.D)
	copy(delta, x)
	if e.bias32 != nil {
		for i := 0; i < n; i++ {
			row := delta[i*e.D : (i+1)*e.D]
			for j, b := range e.bias32 {
				row[j] -= b
			}
		}
	}
	t := make([]float32, n*e.R)
	tensor.Gemm(false, false, n, e.R, e.D, 1, delta, e.D, e.rightT32, e.R, 0, t, e.R)
	tensor.Gemm(false, false, n, e.D, e.R, -1, t, e.R, e.leftT32, e.D, 1, dst, e.D)
}

func (e *Eraser) rows(ld, lx int) int {
	if ld != lx || lx%e.D != 0 || lx == 0 {
		panic(fmt.Sprintf("erase: Apply: dst has %d values and x %d, expected the same positive multiple of %d", ld, lx, e.D))
	}
	return lx / e.D
}

// transpose32 returns the transpose of the r×c matrix a in float32.
func transpose32(a []float64, r, c int) []float32 {
	out := make([]float32, len(a))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = float32(a[i*c+j])
		}
	}
	return out
}

func toFloat32(a []float64) []float32 {
	out := make([]float32, len(a))
	for i, v := range a {
		out[i] = float32(v)
	}
	return out
}
