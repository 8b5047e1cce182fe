package linalg

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNoConvergence is returned (wrapped) when an iterative factorization
// does not converge, which happens for matrices holding NaN or ±Inf.
var ErrNoConvergence = errors.New("linalg: factorization did not converge")

// Eps is the float64 machine epsilon, 2^-52, as NumPy and PyTorch define it.
const Eps = 0x1p-52

// EigenSym returns the eigenvalues of the symmetric matrix a in ascending
// order and an n×n matrix whose columns are the matching orthonormal
// eigenvectors.
func EigenSym(a mat.Symmetric) (values []float64, vectors *mat.Dense, err error) {
	if a.SymmetricDim() == 0 {
		return nil, &mat.Dense{}, nil
	}
	return eigenSym(a)
}

// SVD returns the thin singular value decomposition a = U·diag(s)·Vᵀ of the
// m×n matrix a: with r = min(m, n), U is m×r, s holds r singular values in
// descending order and V is n×r, both with orthonormal columns.
func SVD(a mat.Matrix) (u *mat.Dense, s []float64, v *mat.Dense, err error) {
	m, n := a.Dims()
	if m == 0 || n == 0 {
		return &mat.Dense{}, nil, &mat.Dense{}, nil
	}
	return svdThin(a)
}

// Cholesky factors the symmetric positive definite matrix a as L·Lᵀ and
// returns the lower triangular L with an estimate of the reciprocal of a's
// condition number in the 1-norm (LAPACK's dpocon). ok is false when a is
// not numerically positive definite; L is then nil.
func Cholesky(a mat.Symmetric) (l *mat.TriDense, rcond float64, ok bool) {
	if a.SymmetricDim() == 0 {
		return &mat.TriDense{}, 1, true
	}
	return cholesky(a)
}

// Pinv returns the Moore–Penrose pseudo-inverse of a. Singular values at or
// below max(atol, rtol·σ_max) are treated as zero, as in
// torch.linalg.pinv(a, atol=atol, rtol=rtol); numpy.linalg.pinv's default
// is atol = 0, rtol = max(m, n)·Eps.
func Pinv(a mat.Matrix, atol, rtol float64) (*mat.Dense, error) {
	m, n := a.Dims()
	u, s, v, err := SVD(a)
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(n, m, nil)
	if len(s) == 0 {
		return out, nil
	}
	tol := math.Max(atol, rtol*s[0])
	// Scale the kept columns of V by 1/σ, then multiply by Uᵀ.
	k := 0
	for k < len(s) && s[k] > tol {
		k++
	}
	if k == 0 {
		return out, nil
	}
	vs := mat.DenseCopyOf(v.Slice(0, n, 0, k))
	for j := 0; j < k; j++ {
		for i := 0; i < n; i++ {
			vs.Set(i, j, vs.At(i, j)/s[j])
		}
	}
	out.Mul(vs, u.Slice(0, m, 0, k).T())
	return out, nil
}

// PSDSqrt returns the positive semidefinite square root of the symmetric
// positive semidefinite matrix a, and the pseudo-inverse of that root.
// Negative eigenvalues (rounding error) are clamped to zero, and eigenvalues
// at or below λ_max·n·Eps count as zero for the inverse, the threshold
// torch.linalg.pinv uses.
func PSDSqrt(a mat.Symmetric) (sqrt, invSqrt *mat.SymDense, err error) {
	n := a.SymmetricDim()
	vals, vecs, err := EigenSym(a)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return &mat.SymDense{}, &mat.SymDense{}, nil
	}
	thresh := math.Max(vals[n-1], 0) * float64(n) * Eps
	root := make([]float64, n)
	inv := make([]float64, n)
	for i, l := range vals {
		l = math.Max(l, 0)
		root[i] = math.Sqrt(l)
		if l > thresh {
			inv[i] = 1 / math.Sqrt(l)
		}
	}
	return SymFromEigen(vecs, root), SymFromEigen(vecs, inv), nil
}

// SymFromEigen returns V·diag(d)·Vᵀ for an n×n V, exactly symmetric.
func SymFromEigen(v *mat.Dense, d []float64) *mat.SymDense {
	n, _ := v.Dims()
	if len(d) != n {
		panic("linalg: SymFromEigen: len(d) does not match V")
	}
	vd := mat.DenseCopyOf(v)
	for j, dj := range d {
		for i := 0; i < n; i++ {
			vd.Set(i, j, vd.At(i, j)*dj)
		}
	}
	var full mat.Dense
	full.Mul(vd, v.T())
	return Symmetrize(&full)
}

// Symmetrize returns (a + aᵀ)/2 for a square a, removing the asymmetry that
// rounding leaves in products such as V·D·Vᵀ.
func Symmetrize(a mat.Matrix) *mat.SymDense {
	n, c := a.Dims()
	if n != c {
		panic("linalg: Symmetrize: matrix is not square")
	}
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}
