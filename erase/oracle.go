package erase

import (
	"fmt"
	"strconv"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/fmkit/fmkit/linalg"
	"github.com/fmkit/fmkit/safetensors"
)

// OracleOptions configures an OracleFitter. A nil *OracleOptions means the
// defaults.
type OracleOptions struct {
	// Shrinkage applies optimal linear shrinkage to the covariance of Z.
	Shrinkage bool
	// SVDTol is the absolute threshold below which singular values of Σ_ZZ
	// are treated as zero in its pseudo-inverse. The default value is 0.01.
	SVDTol float64
}

// OracleFitter accumulates the statistics of oracle LEACE, which erases a
// concept given its labels at apply time: x' = x − (z − μ_Z)·(Σ_XZ·Σ_ZZ⁺)ᵀ,
// the residual of regressing X on Z. It is the most surgical linear eraser
// and so a lower bound on every other eraser's edit.
type OracleFitter struct {
	opts OracleOptions
	m    *moments
}

// NewOracleFitter returns an OracleFitter for dimensions xDim and zDim.
func NewOracleFitter(xDim, zDim int, opts *OracleOptions) (*OracleFitter, error) {
	var o OracleOptions
	if opts != nil {
		o = *opts
	}
	if o.SVDTol == 0 {
		o.SVDTol = DefaultSVDTol
	}
	if !(o.SVDTol > 0) {
		return nil, fmt.Errorf("erase: SVDTol (%g) must be positive", o.SVDTol)
	}
	if xDim <= 0 || zDim <= 0 {
		return nil, fmt.Errorf("erase: dimensions xDim=%d zDim=%d must be positive", xDim, zDim)
	}
	return &OracleFitter{opts: o, m: newMoments(xDim, zDim, false, true)}, nil
}

// N returns the number of rows seen.
func (f *OracleFitter) N() int64 { return f.m.n }

// Update adds a batch of rows, as Fitter.Update.
func (f *OracleFitter) Update(x []float64, z Concept) error { return f.m.update(x, nil, z) }

// UpdateFloat32 adds a batch of float32 rows.
func (f *OracleFitter) UpdateFloat32(x []float32, z Concept) error {
	if x == nil {
		x = []float32{}
	}
	return f.m.update(nil, x, z)
}

// Merge adds the statistics of g.
func (f *OracleFitter) Merge(g *OracleFitter) error { return f.m.mergeFrom(g.m) }

// Eraser computes the oracle eraser.
func (f *OracleFitter) Eraser() (*OracleEraser, error) {
	m := f.m
	if m.n < 2 {
		return nil, fmt.Errorf("erase: need at least 2 rows to estimate a covariance, have %d", m.n)
	}
	szz := covariance(m.czz, m.k, m.n, f.opts.Shrinkage)
	pinv, err := linalg.Pinv(szz, f.opts.SVDTol, 0)
	if err != nil {
		return nil, fmt.Errorf("erase: pseudo-inverse of Σ_ZZ: %w", err)
	}
	// coef = Σ_XZ·Σ_ZZ⁺, with Σ_XZ the scatter over n−1.
	coef := make([]float64, m.d*m.k)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1/float64(m.n-1), general(m.cxz, m.d, m.k), general(rowMajor(pinv), m.k, m.k), 0, general(coef, m.d, m.k))
	return &OracleEraser{D: m.d, K: m.k, Coef: coef, MeanZ: append([]float64(nil), m.meanZ...), Metadata: map[string]string{
		"shrinkage": strconv.FormatBool(f.opts.Shrinkage),
		"svd_tol":   strconv.FormatFloat(f.opts.SVDTol, 'g', -1, 64),
		"n":         strconv.FormatInt(m.n, 10),
	}}, nil
}

// OracleEraser erases a concept given its values: x' = x − (z − MeanZ)·Coefᵀ.
// Coef is D×K row-major.
type OracleEraser struct {
	D, K     int
	Coef     []float64
	MeanZ    []float64
	Metadata map[string]string
}

// Apply writes the erased rows of x, whose concepts are z, to dst (which
// may be x). It returns an error if z does not describe the rows of x, and
// panics if dst and x differ in length.
func (e *OracleEraser) Apply(dst, x []float64, z Concept) error {
	if len(dst) != len(x) || len(x)%e.D != 0 {
		panic(fmt.Sprintf("erase: OracleEraser.Apply: dst has %d values and x %d, expected the same multiple of %d", len(dst), len(x), e.D))
	}
	n := len(x) / e.D
	if err := z.check(n, e.K); err != nil {
		return err
	}
	copy(dst, x)
	zc := make([]float64, n*e.K)
	for i := 0; i < n; i++ {
		for c := 0; c < e.K; c++ {
			zc[i*e.K+c] = z.at(i, c, e.K) - e.MeanZ[c]
		}
	}
	if n > 0 {
		blas64.Gemm(blas.NoTrans, blas.Trans, -1, general(zc, n, e.K), general(e.Coef, e.D, e.K), 1, general(dst, n, e.D))
	}
	return nil
}

// Save writes the oracle eraser as safetensors ("coef" [D, K], "mean_z"
// [K], float64), atomically.
func (e *OracleEraser) Save(path string) error {
	return saveTensors(path, []safetensors.Tensor{
		safetensors.FromFloat64("coef", []int{e.D, e.K}, e.Coef),
		safetensors.FromFloat64("mean_z", []int{e.K}, e.MeanZ),
	}, e.Metadata, formatOracle)
}

// LoadOracleEraser reads an oracle eraser written by OracleEraser.Save.
func LoadOracleEraser(path string) (*OracleEraser, error) {
	t, meta, err := loadTensors(path, formatOracle)
	if err != nil {
		return nil, err
	}
	coef, err := need(t, path, "coef", 2)
	if err != nil {
		return nil, err
	}
	mz, err := need(t, path, "mean_z", 1)
	if err != nil {
		return nil, err
	}
	if mz.Shape[0] != coef.Shape[1] {
		return nil, fmt.Errorf("%s: mean_z has shape %v, expected [%d]", path, mz.Shape, coef.Shape[1])
	}
	if coef.Shape[0] == 0 || coef.Shape[1] == 0 {
		return nil, fmt.Errorf("%s: coef has empty shape %v", path, coef.Shape)
	}
	return &OracleEraser{D: coef.Shape[0], K: coef.Shape[1], Coef: coef.Data, MeanZ: mz.Data, Metadata: meta}, nil
}
