package erase

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/linalg"
)

func TestLEACEAgainstNumPy(t *testing.T) {
	for _, c := range loadManifest(t).LEACE {
		t.Run(c.Name, func(t *testing.T) {
			x, shape := loadNpy(t, c.Data+"_x")
			d := shape[1]
			var z Concept
			if c.Labels {
				z = Labels(loadLabels(t, c.Data+"_z"))
			} else {
				v, _ := loadNpy(t, c.Data+"_z")
				z = Values(v)
			}
			method, err := ParseMethod(c.Method)
			if err != nil {
				t.Fatal(err)
			}
			_, e := fit(t, x, z, d, c.K, &Options{Method: method, NoAffine: !c.Affine, Shrinkage: c.Shrinkage})
			// Both whitening paths must be exercised: the singular Σ_XX of
			// the rank-deficient data takes the eigen path, the others (and
			// every shrunk Σ) the Cholesky path.
			wantPath := "none"
			if method == LEACE {
				wantPath = "cholesky"
				if c.Data == "rankdef" && !c.Shrinkage {
					wantPath = "eigen"
				}
			}
			if got := e.Metadata["whitening"]; got != wantPath {
				t.Errorf("whitening %q, want %q", got, wantPath)
			}
			if e.R != c.Rank {
				t.Errorf("rank %d, NumPy %d", e.R, c.Rank)
			}
			wantP, _ := loadNpy(t, c.Name+"_P")
			if diff := maxAbsDiff(e.P().RawMatrix().Data, wantP); diff > fixtureTol {
				t.Errorf("max |P − NumPy| = %g (whitening %s)", diff, e.Metadata["whitening"])
			}
			got := make([]float64, len(x))
			e.Apply(got, x)
			want, _ := loadNpy(t, c.Name+"_erased")
			if diff := maxAbsDiff(got, want); diff > fixtureTol {
				t.Errorf("max |erased − NumPy| = %g", diff)
			}
		})
	}
}

// TestWhiteningPaths checks the claim that any whitening W' = QW gives the
// same eraser: the Cholesky path and the eigen path agree on the same
// statistics, with and without shrinkage.
func TestWhiteningPaths(t *testing.T) {
	for _, shrink := range []bool{false, true} {
		x, y := classification(3, 600, 24, 4, 4)
		f, _ := fit(t, x, Labels(y), 24, 4, &Options{Shrinkage: shrink})
		sigma, _ := f.CovXX()
		sxz, _ := f.CovXZ()
		l, rcond, ok := linalg.Cholesky(sigma)
		if !ok || !choleskyOK(rcond, 24) {
			t.Fatalf("shrink=%v: test covariance should take the Cholesky path", shrink)
		}
		chol := choleskyProjection(l, sxz, DefaultSVDTol)
		eig, _, err := eigenProjection(sigma, sxz, DefaultSVDTol)
		if err != nil {
			t.Fatal(err)
		}
		var pc, pe mat.Dense
		pc.Mul(chol.left, chol.right)
		pe.Mul(eig.left, eig.right)
		if diff := maxAbsDiff(pc.RawMatrix().Data, pe.RawMatrix().Data); diff > 1e-10 {
			t.Errorf("shrink=%v: Cholesky and eigen erasers differ by %g", shrink, diff)
		}
	}
}

// TestLinearErasure mirrors the reference test_linear_erasure: for each
// number of classes and each combination of options, the erased data has
// zero cross-covariance with Z, equal class means, an idempotent eraser, an
// edit of rank ≤ k that keeps the mean, and no edit smaller than oracle
// LEACE's.
func TestLinearErasure(t *testing.T) {
	const n, d = 2048, 64
	for _, classes := range []int{1, 2, 3, 5, 10, 20} {
		distinct := max(classes, 2)
		x, y := classification(uint64(classes), n, d, distinct, distinct)
		var z []float64
		if classes == 1 {
			// Binary labels as one real column.
			z = make([]float64, n)
			for i, c := range y {
				z[i] = float64(c)
			}
		} else {
			z = oneHot(y, classes)
		}
		k := classes

		oracle, err := NewOracleFitter(d, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := oracle.Update(x, Values(z)); err != nil {
			t.Fatal(err)
		}
		oe, err := oracle.Eraser()
		if err != nil {
			t.Fatal(err)
		}
		xo := make([]float64, len(x))
		if err := oe.Apply(xo, x, Values(z)); err != nil {
			t.Fatal(err)
		}
		oracleLoss := meanSquaredEdit(x, xo)

		before := classMeans(x, y, d, distinct)
		if maxAbsDiff(before[0], before[1]) < 0.1 {
			t.Fatalf("classes=%d: class means already equal before erasure", classes)
		}

		for _, opts := range []Options{
			{}, {Shrinkage: true}, {NoAffine: true}, {NoAffine: true, Shrinkage: true},
			{Method: Orth}, {Method: Orth, NoAffine: true},
			{ConstrainTrace: true}, {Shrinkage: true, ConstrainTrace: true},
		} {
			name := fmt.Sprintf("classes=%d/%s/affine=%v/shrink=%v/trace=%v", classes, opts.Method, !opts.NoAffine, opts.Shrinkage, opts.ConstrainTrace)
			t.Run(name, func(t *testing.T) {
				_, e := fit(t, x, Values(z), d, k, &opts)
				xe := make([]float64, len(x))
				e.Apply(xe, x)

				// Σ_XZ of the erased data vanishes relative to before.
				scale := maxAbs(crossCov(x, z, d, k))
				if got := maxAbs(crossCov(xe, z, d, k)); got > 1e-9*scale {
					t.Errorf("max |Σ_XZ| after erasure = %g, before %g", got, scale)
				}
				// Class-conditional means are equal.
				means := classMeans(xe, y, d, distinct)
				for c := 1; c < distinct; c++ {
					if diff := maxAbsDiff(means[c], means[0]); diff > 1e-9 {
						t.Errorf("class %d mean differs from class 0 by %g", c, diff)
					}
				}
				// Idempotence.
				xee := make([]float64, len(x))
				e.Apply(xee, xe)
				if diff := maxAbsDiff(xee, xe); diff > 1e-9 {
					t.Errorf("erasing twice moves rows by %g", diff)
				}
				// The edit has rank ≤ k.
				diff := make([]float64, len(x))
				for i := range diff {
					diff[i] = x[i] - xe[i]
				}
				if r := rank(t, diff, n, d, 1e-8); r > k {
					t.Errorf("rank(X − X') = %d > k = %d", r, k)
				}
				// The unconditional mean is unchanged when affine.
				if !opts.NoAffine {
					if d := maxAbsDiff(colMeans(x, d), colMeans(xe, d)); d > 1e-10 {
						t.Errorf("mean moved by %g", d)
					}
				}
				// No eraser beats the oracle.
				if loss := meanSquaredEdit(x, xe); loss < oracleLoss*(1-1e-12) {
					t.Errorf("mean squared edit %g beats oracle LEACE's %g", loss, oracleLoss)
				}
			})
		}
	}
}

func meanSquaredEdit(x, xe []float64) float64 {
	s := 0.0
	for i := range x {
		d := x[i] - xe[i]
		s += d * d
	}
	return s / float64(len(x))
}

// TestLEACEBeatsOrth checks optimality: LEACE's edit is smaller than the
// orthogonal projection's in the Euclidean norm, the covariance norm of
// Σ_XX, the Mahalanobis norm of Σ_XX⁻¹ and a random positive definite norm, since LEACE minimizes
// E‖r(X) − X‖²_M for every M at once.
func TestLEACEBeatsOrth(t *testing.T) {
	const n, d, k = 1500, 16, 3
	x, y := classification(11, n, d, k, 3)
	f, leace := fit(t, x, Labels(y), d, k, nil)
	_, orth := fit(t, x, Labels(y), d, k, &Options{Method: Orth})
	sigma, _ := f.CovXX()
	var sigmaInv mat.Dense
	if err := sigmaInv.Inverse(sigma); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	g := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var random mat.Dense
	random.Mul(g, g.T())
	xl, xo := make([]float64, len(x)), make([]float64, len(x))
	leace.Apply(xl, x)
	orth.Apply(xo, x)
	for name, m := range map[string]mat.Matrix{"euclidean": eye(d), "covariance": sigma, "mahalanobis": &sigmaInv, "random": &random} {
		ll, lo := normEdit(x, xl, m, d), normEdit(x, xo, m, d)
		if !(ll < lo) {
			t.Errorf("%s: LEACE edit %g is not smaller than orth's %g", name, ll, lo)
		}
	}
}

func eye(n int) *mat.Dense {
	e := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		e.Set(i, i, 1)
	}
	return e
}

// normEdit returns the mean of (x − x')ᵀ·M·(x − x').
func normEdit(x, xe []float64, m mat.Matrix, d int) float64 {
	n := len(x) / d
	s := 0.0
	v := mat.NewVecDense(d, nil)
	var mv mat.VecDense
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			v.SetVec(j, x[i*d+j]-xe[i*d+j])
		}
		mv.MulVec(m, v)
		s += mat.Dot(v, &mv)
	}
	return s / float64(n)
}

// TestStreamingAgrees checks that one pass, many batches and merged shards
// give the same statistics and eraser.
func TestStreamingAgrees(t *testing.T) {
	const n, d, k = 1300, 20, 3
	x, y := classification(21, n, d, k, 3)
	whole, ew := fit(t, x, Labels(y), d, k, nil)

	batched, _ := NewFitter(d, k, nil)
	for i := 0; i < n; {
		j := min(n, i+1+i%97) // uneven batch sizes, including 1
		if err := batched.Update(x[i*d:j*d], Labels(y[i:j])); err != nil {
			t.Fatal(err)
		}
		i = j
	}
	merged, _ := NewFitter(d, k, nil)
	for _, cut := range [][2]int{{0, 1}, {1, 400}, {400, 1000}, {1000, n}} {
		shard, _ := NewFitter(d, k, nil)
		if err := shard.Update(x[cut[0]*d:cut[1]*d], Labels(y[cut[0]:cut[1]])); err != nil {
			t.Fatal(err)
		}
		if err := merged.Merge(shard); err != nil {
			t.Fatal(err)
		}
	}
	wantXX, _ := whole.CovXX()
	wantXZ, _ := whole.CovXZ()
	for name, f := range map[string]*Fitter{"batched": batched, "merged": merged} {
		if f.N() != n {
			t.Errorf("%s: N = %d", name, f.N())
		}
		gotXX, _ := f.CovXX()
		gotXZ, _ := f.CovXZ()
		if diff := maxAbsDiff(gotXX.RawSymmetric().Data, wantXX.RawSymmetric().Data); diff > 1e-12 {
			t.Errorf("%s: Σ_XX differs by %g", name, diff)
		}
		if diff := maxAbsDiff(gotXZ.RawMatrix().Data, wantXZ.RawMatrix().Data); diff > 1e-12 {
			t.Errorf("%s: Σ_XZ differs by %g", name, diff)
		}
		if diff := maxAbsDiff(f.MeanX(), whole.MeanX()); diff > 1e-12 {
			t.Errorf("%s: mean differs by %g", name, diff)
		}
		e, err := f.Eraser()
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxAbsDiff(e.P().RawMatrix().Data, ew.P().RawMatrix().Data); diff > 1e-10 {
			t.Errorf("%s: P differs by %g", name, diff)
		}
	}
}

// TestStatsAgainstDirect mirrors the reference test_stats: the streaming
// covariances equal those computed from the whole centered data at once.
func TestStatsAgainstDirect(t *testing.T) {
	const n, d, k = 50, 3, 2
	rng := rand.New(rand.NewPCG(42, 42))
	x := make([]float64, n*d)
	z := make([]float64, n*k)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	f, _ := NewFitter(d, k, nil)
	for b := 0; b < 5; b++ {
		if err := f.Update(x[b*10*d:(b+1)*10*d], Values(z[b*10*k:(b+1)*10*k])); err != nil {
			t.Fatal(err)
		}
	}
	mx := colMeans(x, d)
	want := make([]float64, d*d)
	for i := 0; i < n; i++ {
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				want[a*d+b] += (x[i*d+a] - mx[a]) * (x[i*d+b] - mx[b]) / (n - 1)
			}
		}
	}
	got, _ := f.CovXX()
	if diff := maxAbsDiff(got.RawSymmetric().Data, want); diff > 1e-14 {
		t.Errorf("Σ_XX differs from the direct computation by %g", diff)
	}
	wantXZ := crossCov(x, z, d, k)
	gotXZ, _ := f.CovXZ()
	for i := range wantXZ {
		wantXZ[i] *= float64(n) / (n - 1)
	}
	if diff := maxAbsDiff(gotXZ.RawMatrix().Data, wantXZ); diff > 1e-14 {
		t.Errorf("Σ_XZ differs from the direct computation by %g", diff)
	}
}

// TestFloat32Update bounds the error of the float32 GEMM path against the
// float64 path on activations with a large common offset.
func TestFloat32Update(t *testing.T) {
	const n, d, k = 3000, 32, 2
	x, y := classification(8, n, d, k, 2)
	for i := range x {
		x[i] += 100 // a large mean must not cost precision
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
		x[i] = float64(x32[i]) // same data on both paths
	}
	f64, _ := NewFitter(d, k, nil)
	f32, _ := NewFitter(d, k, nil)
	if err := f64.Update(x, Labels(y)); err != nil {
		t.Fatal(err)
	}
	if err := f32.UpdateFloat32(x32, Labels(y)); err != nil {
		t.Fatal(err)
	}
	a, _ := f64.CovXX()
	b, _ := f32.CovXX()
	var diff mat.Dense
	diff.Sub(a, b)
	if rel := mat.Norm(&diff, 2) / mat.Norm(a, 2); rel > 1e-5 || rel == 0 {
		t.Errorf("float32 path: relative error of Σ_XX %g, want (0, 1e-5]", rel)
	}
	if d := maxAbsDiff(f64.MeanX(), f32.MeanX()); d > 1e-12 {
		t.Errorf("float32 path: mean differs by %g", d)
	}
	e, _ := f32.Eraser()
	xe := make([]float32, len(x32))
	e.ApplyFloat32(xe, x32)
	xe64 := make([]float64, len(xe))
	for i, v := range xe {
		xe64[i] = float64(v)
	}
	scale := maxAbs(crossCov(x, oneHot(y, k), d, k))
	if got := maxAbs(crossCov(xe64, oneHot(y, k), d, k)); got > 1e-4*scale {
		t.Errorf("float32 erasure leaves max |Σ_XZ| = %g of %g", got, scale)
	}
}

func TestTraceConstraintAgainstNumPy(t *testing.T) {
	sig, _ := loadNpy(t, "trace_sigma")
	u, _ := loadNpy(t, "trace_u")
	a, _ := loadNpy(t, "trace_a")
	b, _ := loadNpy(t, "trace_b")
	want, _ := loadNpy(t, "trace_mixed")
	const d = 6
	sigma := mat.NewSymDense(d, sig)
	left, right := mixTowardOrth(mat.NewDense(d, 2, a), mat.NewDense(2, d, b), mat.NewDense(d, 2, u), sigma)
	e := &Eraser{D: d, Left: rowMajor(left), Right: rowMajor(right)}
	_, e.R = left.Dims()
	got := e.P()
	if diff := maxAbsDiff(got.RawMatrix().Data, want); diff > fixtureTol {
		t.Errorf("mixed projection differs from NumPy by %g", diff)
	}
	var psp mat.Dense
	psp.Product(got, sigma, got.T())
	if tr, tr0 := mat.Trace(&psp), mat.Trace(sigma); math.Abs(tr-tr0) > 1e-10*tr0 {
		t.Errorf("trace after mixing %g, want the original %g", tr, tr0)
	}
}

func TestRankZero(t *testing.T) {
	// Every row in one class: Σ_XZ is zero and the eraser is the identity.
	x, _ := classification(1, 100, 5, 2, 2)
	y := make([]int, 100)
	for _, opts := range []*Options{nil, {Method: Orth}} {
		_, e := fit(t, x, Labels(y), 5, 2, opts)
		if e.R != 0 {
			t.Fatalf("rank %d, want 0", e.R)
		}
		out := make([]float64, len(x))
		e.Apply(out, x)
		if diff := maxAbsDiff(out, x); diff != 0 {
			t.Errorf("identity eraser moved rows by %g", diff)
		}
	}
}

func TestBadInput(t *testing.T) {
	f, err := NewFitter(3, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		x    []float64
		z    Concept
	}{
		{"ragged x", []float64{1, 2, 3, 4}, Labels([]int{0})},
		{"label out of range", []float64{1, 2, 3}, Labels([]int{2})},
		{"negative label", []float64{1, 2, 3}, Labels([]int{-1})},
		{"too few labels", []float64{1, 2, 3, 4, 5, 6}, Labels([]int{0})},
		{"wrong value count", []float64{1, 2, 3}, Values([]float64{1})},
		{"no concept", []float64{1, 2, 3}, Concept{}},
		{"both", []float64{1, 2, 3}, Concept{Labels: []int{0}, Values: []float64{1, 2}}},
	}
	for _, tc := range tests {
		if err := f.Update(tc.x, tc.z); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if f.N() != 0 {
		t.Errorf("failed updates changed N to %d", f.N())
	}
	if _, err := f.Eraser(); err == nil {
		t.Error("Eraser with no rows: no error")
	}
	if _, err := NewFitter(0, 2, nil); err == nil {
		t.Error("xDim 0: no error")
	}
	if _, err := NewFitter(3, 2, &Options{SVDTol: -1, Method: 7}); err == nil {
		t.Error("bad options: no error")
	} else if s := err.Error(); !contains(s, "SVDTol") || !contains(s, "Method") {
		t.Errorf("Validate should name both fields: %v", err)
	}
	g, _ := NewFitter(3, 2, &Options{Method: Orth})
	if err := f.Merge(g); err == nil {
		t.Error("merging orth into leace: no error")
	}
	h, _ := NewFitter(4, 2, nil)
	if err := f.Merge(h); err == nil {
		t.Error("merging different dimensions: no error")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestFirstOrderOptimality mirrors the reference's gradient check. Every
// eraser with the same null space (the same constraint on which directions
// it removes) is an oblique projection P(A) = A·(BᵀA)⁻¹·Bᵀ for a basis A of
// its range; LEACE's range must be a stationary point of the mean squared
// edit in any norm, while orth's is not. The directional derivative is taken
// by central differences along random directions, in a random norm.
func TestFirstOrderOptimality(t *testing.T) {
	const n, d, k = 1500, 12, 3
	x, y := classification(13, n, d, k, 3)
	rng := rand.New(rand.NewPCG(8, 8))
	l := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			l.Set(i, j, rng.NormFloat64()/math.Sqrt(d))
		}
	}
	mu := colMeans(x, d)
	xc := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			xc.Set(i, j, x[i*d+j]-mu[j])
		}
	}
	// loss(A) = mean ‖(P(A)·xc − xc)ᵀ·L‖² over rows.
	loss := func(a, b *mat.Dense) float64 {
		var bta, inv, p, edit, el mat.Dense
		bta.Mul(b.T(), a)
		if err := inv.Inverse(&bta); err != nil {
			t.Fatal(err)
		}
		p.Product(a, &inv, b.T())
		edit.Mul(xc, p.T())
		edit.Sub(&edit, xc)
		el.Mul(&edit, l)
		return mat.Norm(&el, 2) * mat.Norm(&el, 2) / n
	}
	for _, tc := range []struct {
		opts    Options
		optimal bool
	}{{Options{}, true}, {Options{Method: Orth}, false}} {
		_, e := fit(t, x, Labels(y), d, k, &tc.opts)
		var svd mat.SVD
		if !svd.Factorize(e.P(), mat.SVDFull) {
			t.Fatal("SVD failed")
		}
		var u, v mat.Dense
		svd.UTo(&u)
		svd.VTo(&v)
		keep := d - e.R // singular values of a projection of rank d−r: the kept ones are ≥ 1
		a := mat.DenseCopyOf(u.Slice(0, d, 0, keep))
		b := mat.DenseCopyOf(v.Slice(0, d, 0, keep))
		base := loss(a, b)
		worst := 0.0
		for trial := 0; trial < 5; trial++ {
			delta := mat.NewDense(d, keep, nil)
			for i := 0; i < d; i++ {
				for j := 0; j < keep; j++ {
					delta.Set(i, j, rng.NormFloat64())
				}
			}
			const h = 1e-6 // the central difference errs by O(h²)
			var ap, am mat.Dense
			ap.Scale(h, delta)
			ap.Add(a, &ap)
			am.Scale(-h, delta)
			am.Add(a, &am)
			slope := (loss(&ap, b) - loss(&am, b)) / (2 * h)
			worst = math.Max(worst, math.Abs(slope)/base)
		}
		if tc.optimal && worst > 1e-6 {
			t.Errorf("%v: relative directional derivative %g at LEACE's eraser, want ≈ 0", tc.opts.Method, worst)
		}
		if !tc.optimal && worst < 1e-3 {
			t.Errorf("%v: relative directional derivative %g, expected orth not to be stationary", tc.opts.Method, worst)
		}
	}
}
