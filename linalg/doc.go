// Package linalg implements the float64 dense factorizations that fmkit's
// statistics need: symmetric eigendecomposition, thin singular value
// decomposition, Cholesky factorization, the Moore–Penrose pseudo-inverse and
// square roots of positive semidefinite matrices.
//
// # Backends
//
// The default build runs on gonum's pure-Go LAPACK (gonum.org/v1/gonum/mat),
// which needs no cgo. Its symmetric eigensolver is slow for large matrices
// (about 2.6 s at 768×768 and over a minute at 2048×2048 on a 2-core Zen 1),
// so callers that only need a whitening transform should prefer Cholesky.
// Building with the tag lapack (and cgo) swaps in LAPACKE from OpenBLAS
// (Debian packages liblapacke-dev and libopenblas-dev): dsyevd for
// eigendecomposition, dgesdd for the SVD and dpotrf/dpocon for Cholesky.
// Backend reports which one is compiled in.
//
// # Conventions
//
// Matrices are gonum mat types. Inputs are never modified; every result is
// a new matrix. Eigenvalues come in ascending order and singular values in
// descending order, as LAPACK returns them. Functions return an error only
// when an iteration fails to converge; they panic on programmer errors such
// as a non-square matrix where a square one is required.
package linalg
