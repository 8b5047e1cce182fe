//go:build !lapack || !cgo

package linalg

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Backend names the factorization backend compiled in: "gonum" here,
// "lapack" when built with the lapack tag.
func Backend() string { return "gonum" }

func eigenSym(a mat.Symmetric) ([]float64, *mat.Dense, error) {
	var es mat.EigenSym
	if !es.Factorize(a, true) {
		return nil, nil, fmt.Errorf("linalg: EigenSym of %d×%d matrix: %w", a.SymmetricDim(), a.SymmetricDim(), ErrNoConvergence)
	}
	var v mat.Dense
	es.VectorsTo(&v)
	return es.Values(nil), &v, nil
}

func svdThin(a mat.Matrix) (*mat.Dense, []float64, *mat.Dense, error) {
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		m, n := a.Dims()
		return nil, nil, nil, fmt.Errorf("linalg: SVD of %d×%d matrix: %w", m, n, ErrNoConvergence)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	return &u, svd.Values(nil), &v, nil
}

func cholesky(a mat.Symmetric) (*mat.TriDense, float64, bool) {
	var c mat.Cholesky
	if !c.Factorize(a) {
		return nil, 0, false
	}
	var l mat.TriDense
	c.LTo(&l)
	return &l, 1 / c.Cond(), true
}
