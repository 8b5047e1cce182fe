package erase

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/linalg"
)

// Method selects how the eraser whitens X before projecting.
type Method int

const (
	// LEACE whitens with W = (Σ_XX^{1/2})⁺, giving the least-squares
	// optimal eraser.
	LEACE Method = iota
	// Orth uses W = I: a plain orthogonal projection onto the complement of
	// the column space of Σ_XZ. It needs no covariance of X.
	Orth
)

func (m Method) String() string {
	switch m {
	case LEACE:
		return "leace"
	case Orth:
		return "orth"
	}
	return "Method(" + strconv.Itoa(int(m)) + ")"
}

// ParseMethod parses "leace" or "orth".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "leace":
		return LEACE, nil
	case "orth":
		return Orth, nil
	}
	return 0, fmt.Errorf("erase: unknown method %q: expected leace or orth", s)
}

// Options configures a Fitter. A nil *Options means the defaults. The zero
// value of every field is its default, except SVDTol (see there).
//
// The reference implementation (EleutherAI's concept-erasure) turns
// shrinkage and the trace constraint on by default; here both are opt-in so
// that the default is the closed form of the LEACE paper. Set them to
// reproduce the reference's LeaceFitter defaults.
type Options struct {
	// Method is LEACE (the default) or Orth.
	Method Method
	// NoAffine drops the centering: the eraser is then the linear map
	// x ↦ P·x, fixing the origin, instead of x ↦ P·(x − μ) + μ.
	NoAffine bool
	// Shrinkage replaces the covariance of X with its optimal linear
	// shrinkage toward (tr Σ/d)·I. It makes Σ_XX full rank, which helps
	// when there are few rows per dimension.
	Shrinkage bool
	// ConstrainTrace keeps the eraser from increasing the trace of the
	// covariance of X, mixing in the orthogonal projection if it would.
	// For an exact LEACE eraser the trace never increases, so this guards
	// against rounding only; it matters when erasers are applied
	// repeatedly inside a model.
	ConstrainTrace bool
	// SVDTol is the threshold below which singular values of W·Σ_XZ are
	// dropped. The default value is 0.01; it must be positive.
	SVDTol float64
}

// DefaultSVDTol is the default of Options.SVDTol.
const DefaultSVDTol = 0.01

// EnsureDefaults returns a copy of o (or of the zero Options when o is nil)
// with zero fields set to their defaults.
func (o *Options) EnsureDefaults() *Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.SVDTol == 0 {
		out.SVDTol = DefaultSVDTol
	}
	return &out
}

// Validate reports all invalid fields at once.
func (o *Options) Validate() error {
	var errs []error
	if o.Method != LEACE && o.Method != Orth {
		errs = append(errs, fmt.Errorf("erase: Method (%d) must be LEACE or Orth", int(o.Method)))
	}
	if !(o.SVDTol > 0) || math.IsInf(o.SVDTol, 1) {
		errs = append(errs, fmt.Errorf("erase: SVDTol (%g) must be positive and finite", o.SVDTol))
	}
	return errors.Join(errs...)
}

// Fitter accumulates the statistics that a LEACE eraser needs: the mean of
// X, and the covariance of X and cross-covariance of X and Z, updated in
// batches and mergeable across goroutines and files. A Fitter is not safe
// for concurrent use; give each goroutine its own and Merge them.
type Fitter struct {
	opts *Options
	m    *moments
}

// NewFitter returns a Fitter for representations of dimension xDim and
// concepts of dimension zDim (the number of classes for class labels, the
// number of columns for a real-valued Z).
func NewFitter(xDim, zDim int, opts *Options) (*Fitter, error) {
	o := opts.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if xDim <= 0 || zDim <= 0 {
		return nil, fmt.Errorf("erase: dimensions xDim=%d zDim=%d must be positive", xDim, zDim)
	}
	return &Fitter{opts: o, m: newMoments(xDim, zDim, o.Method == LEACE, false)}, nil
}

// Options returns the options the Fitter uses, defaults filled in.
func (f *Fitter) Options() Options { return *f.opts }

// XDim returns the dimension of X.
func (f *Fitter) XDim() int { return f.m.d }

// ZDim returns the dimension of Z.
func (f *Fitter) ZDim() int { return f.m.k }

// N returns the number of rows seen.
func (f *Fitter) N() int64 { return f.m.n }

// Update adds a batch of n rows: x holds n×XDim values, row-major.
func (f *Fitter) Update(x []float64, z Concept) error { return f.m.update(x, nil, z) }

// UpdateFloat32 adds a batch of float32 rows. The covariance of X is then
// accumulated with the float32 GEMM of package tensor in blocks of 512 rows
// added into float64 totals, relative error about 1e-6; use Update with
// float64 rows where more is needed.
func (f *Fitter) UpdateFloat32(x []float32, z Concept) error {
	if x == nil {
		x = []float32{}
	}
	return f.m.update(nil, x, z)
}

// Merge adds the statistics of g, a Fitter with the same dimensions and
// method, as if its rows had been given to f.
func (f *Fitter) Merge(g *Fitter) error {
	if f.opts.Method != g.opts.Method {
		return fmt.Errorf("erase: cannot merge a %v Fitter into a %v Fitter", g.opts.Method, f.opts.Method)
	}
	return f.m.mergeFrom(g.m)
}

// MeanX returns the mean of the rows seen.
func (f *Fitter) MeanX() []float64 { return append([]float64(nil), f.m.meanX...) }

// CovXX returns the covariance of X that the eraser whitens with: the
// scatter over n−1 (Bessel's correction), or its optimal linear shrinkage
// when Options.Shrinkage is set. It returns an error for an Orth Fitter,
// which does not track it, and for fewer than two rows.
func (f *Fitter) CovXX() (*mat.SymDense, error) {
	if f.m.cxx == nil {
		return nil, fmt.Errorf("erase: the %v method does not track the covariance of X", f.opts.Method)
	}
	if f.m.n < 2 {
		return nil, fmt.Errorf("erase: need at least 2 rows to estimate a covariance, have %d", f.m.n)
	}
	return covariance(f.m.cxx, f.m.d, f.m.n, f.opts.Shrinkage), nil
}

func covariance(scatter []float64, d int, n int64, shrink bool) *mat.SymDense {
	if shrink {
		s := fullSym(scatter, d, 1/float64(n))
		shrinkInPlace(s, d, float64(n))
		return mat.NewSymDense(d, s)
	}
	return mat.NewSymDense(d, fullSym(scatter, d, 1/float64(n-1)))
}

// CovXZ returns the d×k cross-covariance of X and Z (scatter over n−1).
func (f *Fitter) CovXZ() (*mat.Dense, error) {
	if f.m.n < 2 {
		return nil, fmt.Errorf("erase: need at least 2 rows to estimate a covariance, have %d", f.m.n)
	}
	c := mat.NewDense(f.m.d, f.m.k, append([]float64(nil), f.m.cxz...))
	c.Scale(1/float64(f.m.n-1), c)
	return c, nil
}

// Eraser computes the eraser from the statistics seen so far.
//
// For LEACE it whitens with a Cholesky factor L of Σ_XX when Σ_XX is
// comfortably positive definite: W' = L⁻¹ equals Q·W for the orthogonal
// Q = L⁻¹Σ^{1/2}, and any such W' gives the same eraser, since
// W'⁺·P_{W'Σ_XZ}·W' = W⁺Qᵀ·Q·P_{WΣ_XZ}·Qᵀ·Q·W. Otherwise (rank-deficient
// or badly conditioned Σ_XX) it uses the eigendecomposition as the
// reference does, treating eigenvalues at or below λ_max·d·ε as zero.
func (f *Fitter) Eraser() (*Eraser, error) {
	sxz, err := f.CovXZ()
	if err != nil {
		return nil, err
	}
	var pr projection
	switch f.opts.Method {
	case Orth:
		pr, err = orthProjection(sxz, f.opts.SVDTol)
	default:
		var sigma *mat.SymDense
		sigma, err = f.CovXX()
		if err != nil {
			return nil, err
		}
		pr, err = leaceProjection(sigma, sxz, f.opts.SVDTol, f.opts.ConstrainTrace)
	}
	if err != nil {
		return nil, err
	}
	e := &Eraser{D: f.m.d, Metadata: map[string]string{
		"method":          f.opts.Method.String(),
		"affine":          strconv.FormatBool(!f.opts.NoAffine),
		"shrinkage":       strconv.FormatBool(f.opts.Shrinkage),
		"constrain_trace": strconv.FormatBool(f.opts.ConstrainTrace),
		"svd_tol":         strconv.FormatFloat(f.opts.SVDTol, 'g', -1, 64),
		"n":               strconv.FormatInt(f.m.n, 10),
		"z_dim":           strconv.Itoa(f.m.k),
		"whitening":       pr.whitening,
	}}
	if pr.left != nil {
		_, e.R = pr.left.Dims()
		e.Left = rowMajor(pr.left)
		e.Right = rowMajor(pr.right)
	}
	if !f.opts.NoAffine {
		e.Bias = f.MeanX()
	}
	return e, nil
}

// projection is the low-rank part of an eraser, P = I − left·right, and
// how the whitening was computed ("cholesky", "eigen" or "none"). left and
// right are nil when the eraser has rank 0 (Σ_XZ is negligible).
type projection struct {
	left, right *mat.Dense
	whitening   string
}

// keptColumns returns the leading columns of u whose singular values exceed
// tol (singular values come in descending order).
func keptColumns(u *mat.Dense, s []float64, tol float64) *mat.Dense {
	r := 0
	for r < len(s) && s[r] > tol {
		r++
	}
	if r == 0 {
		return nil
	}
	d, _ := u.Dims()
	return mat.DenseCopyOf(u.Slice(0, d, 0, r))
}

func orthProjection(sxz *mat.Dense, tol float64) (projection, error) {
	u, s, _, err := linalg.SVD(sxz)
	if err != nil {
		return projection{}, err
	}
	ur := keptColumns(u, s, tol)
	if ur == nil {
		return projection{whitening: "none"}, nil
	}
	return projection{left: ur, right: mat.DenseCopyOf(ur.T()), whitening: "none"}, nil
}

// choleskyOK reports whether a Cholesky factor with reciprocal condition
// estimate rcond may stand in for the eigendecomposition: the eigen path
// drops eigenvalues at or below λ_max·d·ε, i.e. it changes the result only
// when κ₂(Σ) ≥ 1/(d·ε). Since κ₂ ≤ κ₁ for symmetric matrices and dpocon's
// estimate of κ₁ is rarely low by more than a factor 10, a margin of 1000
// keeps the Cholesky path to matrices where no eigenvalue would be dropped.
func choleskyOK(rcond float64, d int) bool {
	return rcond > 1e3*float64(d)*linalg.Eps
}

func leaceProjection(sigma *mat.SymDense, sxz *mat.Dense, tol float64, constrainTrace bool) (projection, error) {
	d := sigma.SymmetricDim()
	var pr projection
	var u *mat.Dense // left singular vectors of W·Σ_XZ for the symmetric W
	if l, rcond, ok := linalg.Cholesky(sigma); ok && choleskyOK(rcond, d) {
		pr = choleskyProjection(l, sxz, tol)
	} else {
		var err error
		pr, u, err = eigenProjection(sigma, sxz, tol)
		if err != nil {
			return projection{}, err
		}
	}
	if !constrainTrace || !traceIncreases(pr, sigma) {
		return pr, nil
	}
	// The reference mixes in Q = I − u·uᵀ with u from the symmetric
	// whitening, which the Cholesky path does not compute.
	if u == nil {
		var err error
		pr, u, err = eigenProjection(sigma, sxz, tol)
		if err != nil {
			return projection{}, err
		}
		if !traceIncreases(pr, sigma) {
			return pr, nil
		}
	}
	left, right := mixTowardOrth(pr.left, pr.right, u, sigma)
	return projection{left: left, right: right, whitening: pr.whitening + "+trace"}, nil
}

// choleskyProjection builds the eraser with W' = L⁻¹: with U the kept left
// singular vectors of L⁻¹Σ_XZ, left = L·U and right = Uᵀ·L⁻¹.
func choleskyProjection(l *mat.TriDense, sxz *mat.Dense, tol float64) projection {
	tri := l.RawTriangular()
	m := mat.DenseCopyOf(sxz)
	blas64.Trsm(blas.Left, blas.NoTrans, 1, tri, m.RawMatrix())
	u, s, _, err := linalg.SVD(m)
	if err != nil {
		// L⁻¹Σ_XZ is finite whenever Σ has a Cholesky factor.
		panic(err)
	}
	ur := keptColumns(u, s, tol)
	if ur == nil {
		return projection{whitening: "cholesky"}
	}
	left := mat.DenseCopyOf(ur)
	blas64.Trmm(blas.Left, blas.NoTrans, 1, tri, left.RawMatrix())
	rt := mat.DenseCopyOf(ur)
	blas64.Trsm(blas.Left, blas.Trans, 1, tri, rt.RawMatrix())
	return projection{left: left, right: mat.DenseCopyOf(rt.T()), whitening: "cholesky"}
}

// eigenProjection builds the eraser with the symmetric W = V·diag(λ^-½)·Vᵀ
// and W⁺ = V·diag(λ^½)·Vᵀ over the kept eigenvalues, applying them as
// V·(D·(Vᵀ·B)) so that no d×d product is formed. It also returns the kept
// left singular vectors U of W·Σ_XZ.
func eigenProjection(sigma *mat.SymDense, sxz *mat.Dense, tol float64) (projection, *mat.Dense, error) {
	vals, v, err := linalg.EigenSym(sigma)
	if err != nil {
		return projection{}, nil, fmt.Errorf("erase: whitening: %w", err)
	}
	d := len(vals)
	thresh := vals[d-1] * float64(d) * linalg.Eps
	w := make([]float64, d)    // diagonal of W in the eigenbasis
	winv := make([]float64, d) // diagonal of W⁺
	for i, l := range vals {
		if l > thresh {
			w[i] = 1 / math.Sqrt(l)
			winv[i] = math.Sqrt(l)
		}
	}
	apply := func(diag []float64, b mat.Matrix) *mat.Dense {
		var t, out mat.Dense
		t.Mul(v.T(), b)
		r, c := t.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				t.Set(i, j, t.At(i, j)*diag[i])
			}
		}
		out.Mul(v, &t)
		return &out
	}
	u, s, _, err := linalg.SVD(apply(w, sxz))
	if err != nil {
		return projection{}, nil, err
	}
	ur := keptColumns(u, s, tol)
	if ur == nil {
		return projection{whitening: "eigen"}, nil, nil
	}
	left := apply(winv, ur)
	rightT := apply(w, ur) // W is symmetric, so (UᵀW)ᵀ = W·U
	return projection{left: left, right: mat.DenseCopyOf(rightT.T()), whitening: "eigen"}, ur, nil
}

// traceIncreases reports whether tr(PΣPᵀ) > tr(Σ) for P = I − left·right.
// For an exact LEACE eraser it never does: with left = W⁺U and right = UᵀW,
// WΣ = W⁺ on the kept eigenvectors and U inside W's range, so
// PΣPᵀ = Σ − W⁺UUᵀW⁺, whose trace is tr Σ − ‖W⁺U‖²_F ≤ tr Σ; only rounding
// can make the test true. It is computed in O(d²r) as
// tr Σ − 2·tr(left·(right·Σ)) + tr((right·Σ·rightᵀ)·(leftᵀ·left)).
func traceIncreases(pr projection, sigma *mat.SymDense) bool {
	x, w := projectedTrace(pr.left, pr.right, sigma)
	return x > w
}

func projectedTrace(left, right *mat.Dense, sigma *mat.SymDense) (newTrace, oldTrace float64) {
	oldTrace = mat.Trace(sigma)
	if left == nil {
		return oldTrace, oldTrace
	}
	var rs, rsr, ltl mat.Dense
	rs.Mul(right, sigma)
	rsr.Mul(&rs, right.T())
	ltl.Mul(left.T(), left)
	return oldTrace - 2*traceOfProduct(left, &rs) + traceOfProduct(&rsr, &ltl), oldTrace
}

// traceOfProduct returns tr(a·b) without forming the product.
func traceOfProduct(a, b mat.Matrix) float64 {
	m, k := a.Dims()
	t := 0.0
	for i := 0; i < m; i++ {
		for j := 0; j < k; j++ {
			t += a.At(i, j) * b.At(j, i)
		}
	}
	return t
}

// mixTowardOrth implements the reference's trace constraint: with
// P = I − left·right and Q = I − u·uᵀ, it finds the α ∈ [0, 1] for which
// αP + (1−α)Q leaves the trace of the covariance unchanged and returns the
// low-rank factors of I − (αP + (1−α)Q) = α·left·right + (1−α)·u·uᵀ.
// The trace is a quadratic in α with value tr(QΣQᵀ) ≤ tr Σ at α = 0 and
// tr(PΣPᵀ) > tr Σ at α = 1, so the root exists.
func mixTowardOrth(left, right, u *mat.Dense, sigma *mat.SymDense) (*mat.Dense, *mat.Dense) {
	x, w := projectedTrace(left, right, sigma)
	// y = 2·tr(PΣQᵀ) and z = tr(QΣQᵀ), expanded into low-rank terms.
	var su, rsu mat.Dense
	su.Mul(sigma, u) // Σu, d×r
	var rs mat.Dense
	rs.Mul(right, sigma)
	rsu.Mul(&rs, u) // right·Σ·u
	var utl mat.Dense
	utl.Mul(u.T(), left) // uᵀ·left
	utsu := traceOfProduct(u.T(), &su)
	y := 2 * (w - traceOfProduct(left, &rs) - utsu + traceOfProduct(&rsu, &utl))
	z := w - utsu
	discr := math.Sqrt(4*w*x - 4*w*y + 4*w*z - 4*x*z + y*y)
	alpha1 := (-y/2 + z - discr/2) / (x - y + z)
	alpha2 := (-y/2 + z + discr/2) / (x - y + z)
	alpha := alpha2
	if alpha1 > 0 {
		alpha = alpha1
	}
	if math.IsNaN(alpha) {
		alpha = 0
	}
	alpha = math.Min(math.Max(alpha, 0), 1)
	return lowRank(alpha, left, right, 1-alpha, u)
}

// lowRank returns factors (L, R) of a·left·right + b·u·uᵀ with orthogonal
// structure: L = Qc·Us·√S and R = √S·Vsᵀ·Qdᵀ from QR factorizations of the
// stacked factors and an SVD of the small core, dropping zero directions.
func lowRank(a float64, left, right *mat.Dense, b float64, u *mat.Dense) (*mat.Dense, *mat.Dense) {
	d, r1 := left.Dims()
	_, r2 := u.Dims()
	c := mat.NewDense(d, r1+r2, nil) // [a·left, b·u]
	c.Slice(0, d, 0, r1).(*mat.Dense).Scale(a, left)
	c.Slice(0, d, r1, r1+r2).(*mat.Dense).Scale(b, u)
	dt := mat.NewDense(d, r1+r2, nil) // [rightᵀ, u]
	dt.Slice(0, d, 0, r1).(*mat.Dense).Copy(right.T())
	dt.Slice(0, d, r1, r1+r2).(*mat.Dense).Copy(u)
	var qc, qd mat.QR
	qc.Factorize(c)
	qd.Factorize(dt)
	var q1, rc, q2, rd mat.Dense
	qc.QTo(&q1)
	qc.RTo(&rc)
	qd.QTo(&q2)
	qd.RTo(&rd)
	k := r1 + r2
	var core mat.Dense
	core.Mul(rc.Slice(0, k, 0, k), rd.Slice(0, k, 0, k).T())
	us, s, vs, err := linalg.SVD(&core)
	if err != nil {
		panic(err) // core is a finite k×k matrix
	}
	keep := 0
	for keep < len(s) && s[keep] > s[0]*float64(d)*linalg.Eps {
		keep++
	}
	for j := 0; j < keep; j++ {
		rt := math.Sqrt(s[j])
		for i := 0; i < k; i++ {
			us.Set(i, j, us.At(i, j)*rt)
			vs.Set(i, j, vs.At(i, j)*rt)
		}
	}
	var l, rT mat.Dense
	l.Mul(q1.Slice(0, d, 0, k), us.Slice(0, k, 0, keep))
	rT.Mul(q2.Slice(0, d, 0, k), vs.Slice(0, k, 0, keep))
	return &l, mat.DenseCopyOf(rT.T())
}
