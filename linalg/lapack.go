//go:build lapack && cgo

package linalg

/*
#cgo LDFLAGS: -llapacke -lopenblas
#include <lapacke.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/mat"
)

// Backend names the factorization backend compiled in: "lapack" here,
// "gonum" in the default build.
func Backend() string { return "lapack" }

// rowMajor copies a into a contiguous row-major slice, the layout the
// LAPACKE calls below are given.
func rowMajor(a mat.Matrix) []float64 {
	m, n := a.Dims()
	out := make([]float64, m*n)
	switch a := a.(type) {
	case *mat.Dense:
		raw := a.RawMatrix()
		for i := 0; i < m; i++ {
			copy(out[i*n:(i+1)*n], raw.Data[i*raw.Stride:])
		}
		return out
	case *mat.SymDense:
		// Only the upper triangle is referenced by gonum; mirror it.
		raw := a.RawSymmetric()
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				v := raw.Data[i*raw.Stride+j]
				out[i*n+j], out[j*n+i] = v, v
			}
		}
		return out
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			out[i*n+j] = a.At(i, j)
		}
	}
	return out
}

func eigenSym(a mat.Symmetric) ([]float64, *mat.Dense, error) {
	n := a.SymmetricDim()
	data := rowMajor(a)
	w := make([]float64, n)
	info := C.LAPACKE_dsyevd(C.LAPACK_ROW_MAJOR, 'V', 'U', C.lapack_int(n),
		(*C.double)(unsafe.Pointer(&data[0])), C.lapack_int(n), (*C.double)(unsafe.Pointer(&w[0])))
	if info != 0 {
		return nil, nil, fmt.Errorf("linalg: dsyevd of %d×%d matrix (info %d): %w", n, n, int(info), ErrNoConvergence)
	}
	return w, mat.NewDense(n, n, data), nil
}

func svdThin(a mat.Matrix) (*mat.Dense, []float64, *mat.Dense, error) {
	m, n := a.Dims()
	r := min(m, n)
	data := rowMajor(a)
	s := make([]float64, r)
	u := make([]float64, m*r)
	vt := make([]float64, r*n)
	info := C.LAPACKE_dgesdd(C.LAPACK_ROW_MAJOR, 'S', C.lapack_int(m), C.lapack_int(n),
		(*C.double)(unsafe.Pointer(&data[0])), C.lapack_int(n), (*C.double)(unsafe.Pointer(&s[0])),
		(*C.double)(unsafe.Pointer(&u[0])), C.lapack_int(r), (*C.double)(unsafe.Pointer(&vt[0])), C.lapack_int(n))
	if info != 0 {
		return nil, nil, nil, fmt.Errorf("linalg: dgesdd of %d×%d matrix (info %d): %w", m, n, int(info), ErrNoConvergence)
	}
	var v mat.Dense
	v.CloneFrom(mat.NewDense(r, n, vt).T())
	return mat.NewDense(m, r, u), s, &v, nil
}

func cholesky(a mat.Symmetric) (*mat.TriDense, float64, bool) {
	n := a.SymmetricDim()
	data := rowMajor(a)
	// The 1-norm of a, which dpocon needs to turn ‖a⁻¹‖ into a condition number.
	anorm := 0.0
	for j := 0; j < n; j++ {
		col := 0.0
		for i := 0; i < n; i++ {
			v := data[i*n+j]
			if v < 0 {
				v = -v
			}
			col += v
		}
		anorm = max(anorm, col)
	}
	p := (*C.double)(unsafe.Pointer(&data[0]))
	if C.LAPACKE_dpotrf(C.LAPACK_ROW_MAJOR, 'L', C.lapack_int(n), p, C.lapack_int(n)) != 0 {
		return nil, 0, false
	}
	var rcond C.double
	if C.LAPACKE_dpocon(C.LAPACK_ROW_MAJOR, 'L', C.lapack_int(n), p, C.lapack_int(n), C.double(anorm), &rcond) != 0 {
		return nil, 0, false
	}
	// dpotrf leaves the strict upper triangle as it was; clear it.
	for i := 0; i < n; i++ {
		clear(data[i*n+i+1 : (i+1)*n])
	}
	return mat.NewTriDense(n, mat.Lower, data), float64(rcond), true
}
