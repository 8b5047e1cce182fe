package erase

import "github.com/fmkit/fmkit/linalg"

// shrinkInPlace replaces the p×p sample covariance s (the scatter divided by
// n, full and symmetric, row-major) with the distribution-free optimal
// linear shrinkage estimate α·S + β·(tr S/p)·I of Ikeda, Kubokawa and
// Srivastava ("On the strong convergence of the optimal linear shrinkage
// estimator for large dimensional covariance matrix", arXiv:1308.2608), in
// the form the reference implementation uses, epsilon terms included, so
// that a zero matrix stays zero.
func shrinkInPlace(s []float64, p int, n float64) {
	tr := 0.0
	for i := 0; i < p; i++ {
		tr += s[i*p+i]
	}
	normSq := 0.0
	for _, v := range s {
		normSq += v * v
	}
	// Σ₀ = (tr S/p)·I has squared Frobenius norm tr²/p.
	sigma0NormSq := tr * tr / float64(p)
	prodTrace := sigma0NormSq
	top := tr * tr * sigma0NormSq / n
	bottom := normSq*sigma0NormSq - prodTrace*prodTrace
	const eps = linalg.Eps
	alpha := 1 - (top+eps)/(bottom+eps)
	beta := (1 - alpha) * (prodTrace + eps) / (sigma0NormSq + eps)
	diag := beta * tr / float64(p)
	for i := range s {
		s[i] *= alpha
	}
	for i := 0; i < p; i++ {
		s[i*p+i] += diag
	}
}
