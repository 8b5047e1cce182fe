package erase

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/linalg"
)

// Optimal transport between centered Gaussians, the machinery of quadratic
// LEACE. All matrices are symmetric positive semidefinite covariances.

// otMap returns the optimal transport map from N(0, k1) to N(0, k2): the
// unique positive semidefinite T with T·k1·T = k2, namely
// T = k1^-½·(k1^½·k2·k1^½)^½·k1^-½ (pseudo-inverse roots).
func otMap(k1, k2 *mat.SymDense) (*mat.SymDense, error) {
	root, inv, err := linalg.PSDSqrt(k1)
	if err != nil {
		return nil, err
	}
	inner, err := sandwichSqrt(root, k2)
	if err != nil {
		return nil, err
	}
	var t mat.Dense
	t.Product(inv, inner, inv)
	return linalg.Symmetrize(&t), nil
}

// sandwichSqrt returns (r·k·r)^½.
func sandwichSqrt(r, k mat.Symmetric) (*mat.SymDense, error) {
	var rkr mat.Dense
	rkr.Product(r, k, r)
	s, _, err := linalg.PSDSqrt(linalg.Symmetrize(&rkr))
	return s, err
}

// otMidpoint returns the covariance of the 2-Wasserstein barycenter of
// N(0, k1) and N(0, k2) with weights w1 + w2 = 1, in closed form:
// w1²·k1 + w2²·k2 + w1·w2·(M + Mᵀ) with M = k1^½·(k1^½·k2·k1^½)^½·k1^-½.
func otMidpoint(k1, k2 *mat.SymDense, w1, w2 float64) (*mat.SymDense, error) {
	root, inv, err := linalg.PSDSqrt(k1)
	if err != nil {
		return nil, err
	}
	inner, err := sandwichSqrt(root, k2)
	if err != nil {
		return nil, err
	}
	var m mat.Dense
	m.Product(root, inner, inv)
	d := k1.SymmetricDim()
	out := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			out.SetSym(i, j, w1*w1*k1.At(i, j)+w2*w2*k2.At(i, j)+w1*w2*(m.At(i, j)+m.At(j, i)))
		}
	}
	return out, nil
}

// otBarycenter returns the covariance of the 2-Wasserstein barycenter of
// the Gaussians N(0, ks[i]) with the given weights, by the fixed-point
// iteration of Álvarez-Esteban et al. (2016), "A fixed-point approach to
// barycenters in Wasserstein space": μ ← T·μ·T with
// T = Σ wᵢ·μ^-½·(μ^½·kᵢ·μ^½)^½·μ^-½, starting from the weighted mean and
// stopping when the objective no longer decreases (at most maxIter steps).
func otBarycenter(ks []*mat.SymDense, weights []float64, maxIter int) (*mat.SymDense, error) {
	if len(ks) < 2 || len(weights) != len(ks) {
		return nil, fmt.Errorf("erase: barycenter of %d Gaussians with %d weights: need at least two, one weight each", len(ks), len(weights))
	}
	d := ks[0].SymmetricDim()
	total := 0.0
	for _, w := range weights {
		total += w
	}
	w := make([]float64, len(weights))
	for i := range w {
		w[i] = weights[i] / total
	}
	mu := mat.NewSymDense(d, nil)
	for i, k := range ks {
		mu.AddSym(mu, scaledSym(k, w[i]))
	}
	traceAvg := mat.Trace(mu)
	loss := math.Inf(1)
	for iter := 0; iter < maxIter; iter++ {
		root, inv, err := linalg.PSDSqrt(mu)
		if err != nil {
			return nil, err
		}
		t := mat.NewDense(d, d, nil)
		innerTrace := 0.0
		for i, k := range ks {
			inner, err := sandwichSqrt(root, k)
			if err != nil {
				return nil, err
			}
			innerTrace += w[i] * mat.Trace(inner)
			var ti mat.Dense
			ti.Product(inv, inner, inv)
			ti.Scale(w[i], &ti)
			t.Add(t, &ti)
		}
		newLoss := mat.Trace(mu) + traceAvg - 2*innerTrace
		if loss-newLoss < linalg.Eps {
			break
		}
		loss = newLoss
		var next mat.Dense
		next.Product(t, mu, t.T())
		mu = linalg.Symmetrize(&next)
	}
	return mu, nil
}

func scaledSym(a *mat.SymDense, s float64) *mat.SymDense {
	var out mat.SymDense
	out.ScaleSym(s, a)
	return &out
}
