// Package erase removes concepts from representations with LEACE
// (least-squares concept erasure, Belrose et al. 2023, "LEACE: Perfect
// linear concept erasure in closed form"), the oracle and quadratic
// variants, and checks that a concept is gone.
//
// # LEACE
//
// Given representations X ∈ ℝ^d and a concept Z (class labels, one-hot
// encoded, or a real vector), the LEACE eraser is the affine map
//
//	r(x) = x − W⁺·P_{WΣ_XZ}·W·(x − E[X])
//
// with W = (Σ_XX^{1/2})⁺ the whitening transform and P_{WΣ_XZ} the
// orthogonal projection onto the column space of W·Σ_XZ. Afterwards the
// cross-covariance of r(X) and Z is zero, so no linear classifier can
// predict Z better than a constant, and E‖r(X) − X‖²_M is the smallest
// possible for every inner product M. The edit has rank at most the
// dimension of Z (number of classes minus one for one-hot labels).
//
// A Fitter accumulates the statistics in batches (float32 or float64 rows)
// and merges with other Fitters (Chan, Golub and LeVeque's pairwise
// formulas), so fitting can be spread over goroutines and files.
// Fitter.Eraser computes an Eraser, which applies to rows, gives its
// projection matrix, and saves and loads as safetensors.
//
// # Numerics
//
// The eraser follows the reference implementation (EleutherAI's
// concept-erasure): eigenvalues of Σ_XX at or below λ_max·d·ε count as
// zero, singular values of W·Σ_XZ at or below Options.SVDTol are dropped,
// optional optimal linear shrinkage and a trace constraint. Because any
// whitening W' = Q·W with Q orthogonal gives the same eraser, a well
// conditioned Σ_XX is whitened with its Cholesky factor (d = 768 in about
// 0.1 s) instead of the eigendecomposition (seconds with gonum; build with
// the lapack tag for large singular covariances).
//
// # Variants and checks
//
// OracleFitter builds the oracle eraser, which needs Z at apply time and is
// the most surgical of all; QuadraticFitter builds quadratic LEACE, which
// moves every class onto one Gaussian so that quadratic classifiers fail
// too. CheckGuardedness scores logistic regression and a linear SVM
// (FitLogistic, FitLinearSVM) on held-out rows before and after erasure.
package erase
