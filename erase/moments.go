package erase

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/fmkit/fmkit/tensor"
)

// blockRows is the number of rows whose scatter matrix is formed at once.
// For float32 input the block's products are summed in float32 by
// tensor.Gemm before being added to the float64 accumulator, so the block
// length bounds the float32 rounding error (about blockRows·2⁻²⁴ relative in
// the worst case, √blockRows·2⁻²⁴ typically); 512 rows keep that near 1e-6
// while leaving the GEMM long enough to run at full speed.
const blockRows = 512

// moments accumulates the count, means and centered second moments of a
// stream of rows x ∈ ℝ^d with concepts z ∈ ℝ^k. Each block of rows is
// centered on its own mean and merged into the running totals with the
// pairwise formulas of Chan, Golub and LeVeque, which is also how two
// accumulators from different shards are merged.
type moments struct {
	d, k  int
	n     int64
	meanX []float64
	meanZ []float64
	// cxx is the d×d scatter Σ(x−μx)(x−μx)ᵀ, row-major; only its upper
	// triangle is maintained. nil when not tracked.
	cxx []float64
	// cxz is the d×k cross scatter Σ(x−μx)(z−μz)ᵀ.
	cxz []float64
	// czz is the k×k scatter of z, nil when not tracked.
	czz []float64

	// Scratch space, reused across updates so that streaming allocates
	// nothing once the first block has been seen.
	bmx, bmz, dmx, dmz []float64
	dx                 []float64
	dz                 []float64
	dx32, dxT32        []float32
	g32                []float32
}

func newMoments(d, k int, trackXX, trackZZ bool) *moments {
	m := &moments{d: d, k: k, meanX: make([]float64, d), meanZ: make([]float64, k), cxz: make([]float64, d*k)}
	if trackXX {
		m.cxx = make([]float64, d*d)
	}
	if trackZZ {
		m.czz = make([]float64, k*k)
	}
	return m
}

// update adds the n×d rows of x (float32 or float64, exactly one non-nil)
// with their concepts z.
func (m *moments) update(x64 []float64, x32 []float32, z Concept) error {
	rows := len(x64) + len(x32)
	if rows%m.d != 0 {
		return fmt.Errorf("erase: X has %d values, not a multiple of the dimension %d", rows, m.d)
	}
	n := rows / m.d
	if err := z.check(n, m.k); err != nil {
		return err
	}
	for i := 0; i < n; i += blockRows {
		j := min(i+blockRows, n)
		if x64 != nil {
			m.block(x64[i*m.d:j*m.d], nil, z.slice(i, j, m.k))
		} else {
			m.block(nil, x32[i*m.d:j*m.d], z.slice(i, j, m.k))
		}
	}
	return nil
}

// block merges one block of at most blockRows rows.
func (m *moments) block(x64 []float64, x32 []float32, z Concept) {
	d, k := m.d, m.k
	nb := (len(x64) + len(x32)) / d
	if nb == 0 {
		return
	}
	m.grow(nb)
	bmx, bmz := m.bmx, m.bmz
	clear(bmx)
	clear(bmz)

	// Block means and centered rows, in float64.
	dx := m.dx[:nb*d]
	if x64 != nil {
		copy(dx, x64)
	} else {
		for i, v := range x32 {
			dx[i] = float64(v)
		}
	}
	for i := 0; i < nb; i++ {
		row := dx[i*d : (i+1)*d]
		for j, v := range row {
			bmx[j] += v
		}
	}
	inv := 1 / float64(nb)
	for j := range bmx {
		bmx[j] *= inv
	}
	for i := 0; i < nb; i++ {
		row := dx[i*d : (i+1)*d]
		for j := range row {
			row[j] -= bmx[j]
		}
	}
	dz := m.dz[:nb*k]
	for i := 0; i < nb; i++ {
		for c := 0; c < k; c++ {
			v := z.at(i, c, k)
			dz[i*k+c] = v
			bmz[c] += v
		}
	}
	for c := range bmz {
		bmz[c] *= inv
	}
	for i := 0; i < nb; i++ {
		for c := 0; c < k; c++ {
			dz[i*k+c] -= bmz[c]
		}
	}

	// Block scatter matrices, added straight into the totals; the Chan
	// correction for the shift between the block mean and the running mean
	// follows in merge.
	if m.cxx != nil {
		if x64 != nil {
			blas64.Syrk(blas.Trans, 1, general(dx, nb, d), 1, symmetric(m.cxx, d))
		} else {
			m.scatter32(dx, nb)
		}
	}
	if k > 0 {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(dx, nb, d), general(dz, nb, k), 1, general(m.cxz, d, k))
		if m.czz != nil {
			blas64.Syrk(blas.Trans, 1, general(dz, nb, k), 1, symmetric(m.czz, k))
		}
	}
	m.merge(int64(nb), bmx, bmz)
}

// scatter32 adds dxᵀ·dx to cxx with a float32 GEMM on the rounded centered
// rows: the rows are centered in float64 first, so rounding to float32 costs
// relative precision 2⁻²⁴ of each centered value, not of the raw
// activation, and large common offsets cannot cancel catastrophically.
func (m *moments) scatter32(dx []float64, nb int) {
	d := m.d
	dx32 := m.dx32[:nb*d]
	dxT := m.dxT32[:nb*d]
	for i := 0; i < nb; i++ {
		for j, v := range dx[i*d : (i+1)*d] {
			f := float32(v)
			dx32[i*d+j] = f
			dxT[j*nb+i] = f
		}
	}
	// The transposed copy lets the GEMM run without transpose flags, which
	// costs O(nb·d) against the product's O(nb·d²).
	g := m.g32
	tensor.Gemm(false, false, d, d, nb, 1, dxT, nb, dx32, d, 0, g, d)
	for i := 0; i < d; i++ {
		row := m.cxx[i*d : (i+1)*d]
		grow := g[i*d : (i+1)*d]
		for j := i; j < d; j++ {
			row[j] += float64(grow[j])
		}
	}
}

// merge folds in the correction terms for a part with nb rows and means
// bmx, bmz whose own scatter matrices have already been added:
// C += δx·δzᵀ·n·nb/(n+nb) with δ the difference of the means.
func (m *moments) merge(nb int64, bmx, bmz []float64) {
	n := m.n
	tot := n + nb
	w := float64(n) * float64(nb) / float64(tot)
	f := float64(nb) / float64(tot)
	dmx, dmz := m.dmx, m.dmz
	for j := range dmx {
		dmx[j] = bmx[j] - m.meanX[j]
	}
	for c := range dmz {
		dmz[c] = bmz[c] - m.meanZ[c]
	}
	if n > 0 {
		if m.cxx != nil {
			blas64.Syr(w, vector(dmx), symmetric(m.cxx, m.d))
		}
		if m.k > 0 {
			blas64.Ger(w, vector(dmx), vector(dmz), general(m.cxz, m.d, m.k))
			if m.czz != nil {
				blas64.Syr(w, vector(dmz), symmetric(m.czz, m.k))
			}
		}
	}
	for j := range dmx {
		m.meanX[j] += f * dmx[j]
	}
	for c := range dmz {
		m.meanZ[c] += f * dmz[c]
	}
	m.n = tot
}

// mergeFrom adds the statistics of o, which must have the same shape and
// tracked moments.
func (m *moments) mergeFrom(o *moments) error {
	if m.d != o.d || m.k != o.k || (m.cxx == nil) != (o.cxx == nil) || (m.czz == nil) != (o.czz == nil) {
		return fmt.Errorf("erase: cannot merge statistics of shape d=%d k=%d with d=%d k=%d", o.d, o.k, m.d, m.k)
	}
	if o.n == 0 {
		return nil
	}
	m.grow(1)
	addUpper(m.cxx, o.cxx, m.d)
	for i := range m.cxz {
		m.cxz[i] += o.cxz[i]
	}
	addUpper(m.czz, o.czz, m.k)
	m.merge(o.n, o.meanX, o.meanZ)
	return nil
}

func addUpper(dst, src []float64, n int) {
	if dst == nil {
		return
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			dst[i*n+j] += src[i*n+j]
		}
	}
}

// grow sizes the scratch space for blocks of nb rows.
func (m *moments) grow(nb int) {
	if m.bmx == nil {
		m.bmx, m.bmz = make([]float64, m.d), make([]float64, m.k)
		m.dmx, m.dmz = make([]float64, m.d), make([]float64, m.k)
	}
	if len(m.dx) < nb*m.d {
		m.dx = make([]float64, nb*m.d)
		m.dz = make([]float64, nb*m.k)
	}
	if m.cxx != nil && len(m.dx32) < nb*m.d {
		m.dx32 = make([]float32, nb*m.d)
		m.dxT32 = make([]float32, nb*m.d)
		if m.g32 == nil {
			m.g32 = make([]float32, m.d*m.d)
		}
	}
}

// fullSym returns the n×n symmetric matrix whose upper triangle is in a,
// scaled by s.
func fullSym(a []float64, n int, s float64) []float64 {
	out := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := a[i*n+j] * s
			out[i*n+j], out[j*n+i] = v, v
		}
	}
	return out
}

func general(a []float64, r, c int) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: max(c, 1), Data: a}
}

func symmetric(a []float64, n int) blas64.Symmetric {
	return blas64.Symmetric{N: n, Stride: max(n, 1), Uplo: blas.Upper, Data: a}
}

func vector(a []float64) blas64.Vector { return blas64.Vector{N: len(a), Inc: 1, Data: a} }
