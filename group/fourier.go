package group

import (
	"fmt"
	"math"
	"sync"

	"github.com/fmkit/fmkit/tensor"
)

// MaxFourierN is the largest n for which NewFourier builds a transform
// (its tables hold (n!)² numbers: 203 MB in float64 for S_7).
const MaxFourierN = 7

// Fourier is the Fourier transform on S_n with every irrep's matrices built
// once. Functions on S_n are slices of n! values in the order of
// Elements(n). The transform of f at the irrep ρ is the d_ρ×d_ρ matrix
//
//	f̂(ρ) = Σ_g f(g) ρ(g),
//
// the inverse is f(σ) = (1/n!) Σ_ρ d_ρ tr(f̂(ρ) ρ(σ⁻¹)), and Plancherel's
// identity Σ_g f(g)² = (1/n!) Σ_ρ d_ρ ‖f̂(ρ)‖²_F splits ‖f‖² over the
// irreps: the power spectrum. The power spectrum does not depend on the
// basis of each irrep, so it equals that of any other orthogonal form.
//
// A Fourier is safe for concurrent use.
type Fourier struct {
	n, order int
	irreps   []*Irrep
	offsets  []int // offsets[i]: first coefficient of irrep i; Σ d² = n!
	// basis[c·order+g] = ρ(g)_{ab} for coefficient c = offsets[i] + a·d + b.
	basis []float64

	once    sync.Once
	ortho32 []float32 // √(d/n!)·basis in float32: an orthogonal matrix
}

// NewFourier builds the transform on S_n, 1 ≤ n ≤ MaxFourierN, with the
// irreps in the order of Partitions(n).
func NewFourier(n int) (*Fourier, error) {
	if err := checkDegree(n, MaxFourierN); err != nil {
		return nil, err
	}
	f := &Fourier{n: n, order: Factorial(n)}
	f.basis = make([]float64, f.order*f.order)
	c := 0
	for _, λ := range Partitions(n) {
		r, err := NewIrrep(λ)
		if err != nil {
			return nil, err
		}
		f.irreps = append(f.irreps, r)
		f.offsets = append(f.offsets, c)
		d := r.Dim()
		tab := r.Table()
		for g := 0; g < f.order; g++ {
			m := tab[g*d*d : (g+1)*d*d]
			for ab, v := range m {
				f.basis[(c+ab)*f.order+g] = v
			}
		}
		c += d * d
	}
	return f, nil
}

// N returns the degree n.
func (f *Fourier) N() int { return f.n }

// Order returns n!, the length of a function on S_n.
func (f *Fourier) Order() int { return f.order }

// Irreps returns the irreps, in the order of Partitions(n).
func (f *Fourier) Irreps() []*Irrep { return f.irreps }

func (f *Fourier) checkLen(fn []float64) {
	if len(fn) != f.order {
		panic(fmt.Sprintf("group: function has %d values, S_%d has %d elements", len(fn), f.n, f.order))
	}
}

// Transform returns f̂(ρ) for every irrep ρ, each a d×d row-major matrix.
// It panics unless len(fn) = n!.
func (f *Fourier) Transform(fn []float64) [][]float64 {
	f.checkLen(fn)
	out := make([][]float64, len(f.irreps))
	for i, r := range f.irreps {
		d := r.Dim()
		m := make([]float64, d*d)
		for ab := range m {
			row := f.basis[(f.offsets[i]+ab)*f.order : (f.offsets[i]+ab+1)*f.order]
			s := 0.0
			for g, v := range fn {
				s += v * row[g]
			}
			m[ab] = s
		}
		out[i] = m
	}
	return out
}

// Inverse returns the function whose transform is coeffs, one d×d matrix
// per irrep in the order of Irreps. It panics if the shapes do not match.
func (f *Fourier) Inverse(coeffs [][]float64) []float64 {
	if len(coeffs) != len(f.irreps) {
		panic("group: one coefficient matrix per irrep expected")
	}
	fn := make([]float64, f.order)
	for i, r := range f.irreps {
		d := r.Dim()
		if len(coeffs[i]) != d*d {
			panic("group: coefficient matrix of the wrong size")
		}
		// tr(f̂ ρ(σ⁻¹)) = tr(f̂ ρ(σ)ᵀ) = Σ_ab f̂_ab ρ(σ)_ab.
		w := float64(d) / float64(f.order)
		for ab, v := range coeffs[i] {
			row := f.basis[(f.offsets[i]+ab)*f.order : (f.offsets[i]+ab+1)*f.order]
			for g := range fn {
				fn[g] += w * v * row[g]
			}
		}
	}
	return fn
}

// PowerSpectrum returns, for each irrep ρ, the fraction of ‖f‖² that lies
// in it: d_ρ‖f̂(ρ)‖²_F / (n!·Σ_g f(g)²). The fractions sum to 1. For the
// zero function they are NaN. It panics unless len(fn) = n!.
func (f *Fourier) PowerSpectrum(fn []float64) []float64 {
	coeffs := f.Transform(fn)
	total := 0.0
	for _, v := range fn {
		total += v * v
	}
	out := make([]float64, len(coeffs))
	for i, m := range coeffs {
		s := 0.0
		for _, v := range m {
			s += v * v
		}
		out[i] = float64(f.irreps[i].Dim()) * s / (float64(f.order) * total)
	}
	return out
}

// orthogonal returns the n!×n! orthogonal matrix Q with rows
// √(d_ρ/n!)·ρ(·)_ab, in float32, built on first use.
func (f *Fourier) orthogonal() []float32 {
	f.once.Do(func() {
		q := make([]float32, len(f.basis))
		for i, r := range f.irreps {
			d := r.Dim()
			s := math.Sqrt(float64(d) / float64(f.order))
			lo, hi := f.offsets[i]*f.order, (f.offsets[i]+d*d)*f.order
			for j := lo; j < hi; j++ {
				q[j] = float32(s * f.basis[j])
			}
		}
		f.ortho32 = q
	})
	return f.ortho32
}

// PowerSpectra computes the power spectra of m functions at once, in
// float32 with one GEMM against the orthogonal Fourier matrix (sums of
// squares are taken in float64). fns holds the functions as rows: m rows
// of n! values. The result has m rows of one fraction per irrep (in the
// order of Irreps); a zero row gives NaN. It panics unless len(fns) = m·n!.
func (f *Fourier) PowerSpectra(fns []float32, m int) []float64 {
	if m < 0 || len(fns) != m*f.order {
		panic(fmt.Sprintf("group: %d values are not %d functions on S_%d", len(fns), m, f.n))
	}
	k := len(f.irreps)
	out := make([]float64, m*k)
	if m == 0 {
		return out
	}
	q := f.orthogonal()
	coef := make([]float32, m*f.order)
	// coef = fns · Qᵀ: row i holds the orthonormal coefficients of function i.
	tensor.Gemm(false, true, m, f.order, f.order, 1, fns, f.order, q, f.order, 0, coef, f.order)
	for i := range m {
		total := 0.0
		for _, v := range fns[i*f.order : (i+1)*f.order] {
			total += float64(v) * float64(v)
		}
		row := coef[i*f.order : (i+1)*f.order]
		for j, r := range f.irreps {
			d := r.Dim()
			s := 0.0
			for _, v := range row[f.offsets[j] : f.offsets[j]+d*d] {
				s += float64(v) * float64(v)
			}
			out[i*k+j] = s / total
		}
	}
	return out
}
