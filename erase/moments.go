package erase

import (
	"fmt"
	"runtime"
	"sync"

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

// scatterPanels is the number of row panels the symmetric float32 product
// is split into; each panel skips the columns left of the diagonal.
const scatterPanels = 4

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
	cls                []float64 // per-class sums of centered rows, k×d
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
	if err := checkFinite(x64, x32, m.d); err != nil {
		return err
	}
	for i := 0; i < n; i += blockRows {
		j := min(i+blockRows, n)
		if x64 != nil {
			m.block(x64[i*m.d:j*m.d], z.slice(i, j, m.k))
		} else {
			m.block32(x32[i*m.d:j*m.d], z.slice(i, j, m.k))
		}
	}
	return nil
}

// block merges one block of at most blockRows float64 rows.
func (m *moments) block(x64 []float64, z Concept) {
	d, k := m.d, m.k
	nb := len(x64) / d
	if nb == 0 {
		return
	}
	m.grow(nb)
	bmx, bmz := m.bmx, m.bmz
	clear(bmx)
	clear(bmz)

	// Block means and centered rows, in float64.
	dx := m.dx[:nb*d]
	copy(dx, x64)
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
	dz := m.centerZ(z, nb, inv)

	// Block scatter matrices, added straight into the totals; the Chan
	// correction for the shift between the block mean and the running mean
	// follows in merge.
	if m.cxx != nil {
		blas64.Syrk(blas.Trans, 1, general(dx, nb, d), 1, symmetric(m.cxx, d))
	}
	if k > 0 {
		if z.Labels != nil {
			clear(m.cls)
			for i, c := range z.Labels[:nb] {
				acc := m.cls[c*d : (c+1)*d]
				for j, v := range dx[i*d : (i+1)*d] {
					acc[j] += v
				}
			}
			m.crossFromClassSums(bmz)
		} else {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(dx, nb, d), general(dz, nb, k), 1, general(m.cxz, d, k))
		}
	}
	m.finishBlock(nb, dz, false)
}

// centerZ computes the block mean of z into m.bmz and returns the
// centered z where a product needs it (real-valued Z, or tracked Σ_ZZ);
// for labels, Σ_XZ needs only class sums.
func (m *moments) centerZ(z Concept, nb int, inv float64) []float64 {
	k, bmz := m.k, m.bmz
	if z.Labels != nil {
		for _, c := range z.Labels[:nb] {
			bmz[c]++
		}
	} else {
		for i, v := range z.Values[:nb*k] {
			bmz[i%k] += v
		}
	}
	for c := range bmz {
		bmz[c] *= inv
	}
	dz := m.dz[:nb*k]
	if z.Values != nil || m.czz != nil {
		for i := 0; i < nb; i++ {
			for c := 0; c < k; c++ {
				dz[i*k+c] = z.at(i, c, k) - bmz[c]
			}
		}
	}
	return dz
}

// crossFromClassSums adds δxᵀ·δz to cxz for one-hot labels from the
// per-class sums of the centered rows in m.cls (k×d): column c of δxᵀ·δz
// is Σ_{i in class c} δx_i − p_c·Σ_i δx_i, with p_c the block's share of
// class c. The second sum is zero up to rounding but is kept so that the
// result equals the matrix product.
func (m *moments) crossFromClassSums(share []float64) {
	d, k := m.d, m.k
	for j := 0; j < d; j++ {
		total := 0.0
		for c := 0; c < k; c++ {
			total += m.cls[c*d+j]
		}
		row := m.cxz[j*k : (j+1)*k]
		for c := range row {
			row[c] += m.cls[c*d+j] - share[c]*total
		}
	}
}

// finishBlock adds Σ_ZZ's block scatter when tracked and merges the
// block's means; xxDone says the Chan correction of cxx was already
// applied (block32 fuses it into its pass over the d×d result).
func (m *moments) finishBlock(nb int, dz []float64, xxDone bool) {
	if m.czz != nil {
		blas64.Syrk(blas.Trans, 1, general(dz, nb, m.k), 1, symmetric(m.czz, m.k))
	}
	m.merge(int64(nb), m.bmx, m.bmz, xxDone)
}

// block32 merges one block of float32 rows. It makes two passes over the
// rows (the mean; then centering in float64, rounding to float32, class
// sums) and one over the d×d product, which also applies the Chan
// correction. The rows are centered in float64 before rounding, so
// rounding costs relative precision 2⁻²⁴ of each centered value, not of
// the raw activation, and large common offsets cannot cancel.
func (m *moments) block32(x []float32, z Concept) {
	d, k := m.d, m.k
	nb := len(x) / d
	if nb == 0 {
		return
	}
	m.grow(nb)
	bmx := m.bmx
	clear(m.bmz)
	inv := 1 / float64(nb)
	// Each pass over the rows is split by columns, so that the workers'
	// writes (means, class sums, rounded rows) never overlap.
	parallel(nb*d, func(w, workers int) {
		lo, hi := d*w/workers, d*(w+1)/workers
		mean := bmx[lo:hi]
		clear(mean)
		for i := 0; i < nb; i++ {
			for j, v := range x[i*d+lo : i*d+hi] {
				mean[j] += float64(v)
			}
		}
		for j := range mean {
			mean[j] *= inv
		}
	})
	dz := m.centerZ(z, nb, inv)

	labels := z.Labels
	dx32, dx := m.dx32[:nb*d], m.dx[:nb*d]
	parallel(nb*d, func(w, workers int) {
		lo, hi := d*w/workers, d*(w+1)/workers
		mean := bmx[lo:hi]
		if labels != nil {
			for c := 0; c < k; c++ {
				clear(m.cls[c*d+lo : c*d+hi])
			}
		}
		for i := 0; i < nb; i++ {
			row := x[i*d+lo : i*d+hi]
			if m.cxx != nil {
				out := dx32[i*d+lo : i*d+hi]
				for j, v := range row {
					out[j] = float32(float64(v) - mean[j])
				}
			}
			if labels != nil {
				acc := m.cls[labels[i]*d+lo : labels[i]*d+hi]
				for j, v := range row {
					acc[j] += float64(v) - mean[j]
				}
			} else if k > 0 {
				out := dx[i*d+lo : i*d+hi]
				for j, v := range row {
					out[j] = float64(v) - mean[j]
				}
			}
		}
	})
	if m.cxx != nil {
		m.scatter32(nb)
	}
	if k > 0 {
		if labels != nil {
			m.crossFromClassSums(m.bmz)
		} else {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(dx, nb, d), general(dz, nb, k), 1, general(m.cxz, d, k))
		}
	}
	m.finishBlock(nb, dz, m.cxx != nil)
}

// scatter32 adds δᵀ·δ for the rounded centered rows δ in m.dx32 to cxx,
// together with the Chan correction w·(μ_b − μ)(μ_b − μ)ᵀ for the shift
// between the block mean (m.bmx) and the running mean.
//
// The product runs on tensor.Gemm over a transposed copy (no transpose
// flags; the copy costs O(nb·d) against the product's O(nb·d²)). Only the
// upper triangle is needed: row panel p computes its rows from the
// diagonal rightwards, 5/8 of the full product for four panels.
func (m *moments) scatter32(nb int) {
	d := m.d
	dx32, dxT := m.dx32[:nb*d], m.dxT32[:nb*d]
	parallel(nb*d, func(w, workers int) {
		// Worker w writes rows [lo, hi) of the transpose.
		lo, hi := d*w/workers, d*(w+1)/workers
		transpose32To(dxT, dx32, nb, d, lo, hi)
	})
	g := m.g32
	step := (d + scatterPanels - 1) / scatterPanels
	for r0 := 0; r0 < d; r0 += step {
		r1 := min(r0+step, d)
		tensor.Gemm(false, false, r1-r0, d-r0, nb, 1, dxT[r0*nb:], nb, dx32[r0:], d, 0, g[r0*d+r0:], d)
	}
	w := 0.0
	if m.n > 0 {
		w = float64(m.n) * float64(nb) / float64(m.n+int64(nb))
	}
	dmx := m.dmx
	for j := range dmx {
		dmx[j] = m.bmx[j] - m.meanX[j]
	}
	parallel(d*d/2, func(wk, workers int) {
		// Interleaved rows balance the triangle's uneven row lengths.
		for i := wk; i < d; i += workers {
			row := m.cxx[i*d+i : (i+1)*d]
			grow := g[i*d+i : (i+1)*d]
			wi := w * dmx[i]
			dm := dmx[i:]
			for j := range row {
				row[j] += float64(grow[j]) + wi*dm[j]
			}
		}
	})
}

// minParallelWork is the least number of elements per worker for which a
// pass over a block is split across goroutines.
const minParallelWork = 1 << 14

// parallel runs fn(w, workers) for w in [0, workers) on up to GOMAXPROCS
// goroutines, fewer for small work; fn splits the work by w.
func parallel(work int, fn func(w, workers int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), work/minParallelWork))
	if workers == 1 {
		fn(0, 1)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, workers)
		}()
	}
	fn(0, workers)
	wg.Wait()
}

// transpose32To writes rows [c0, c1) of the transpose of the r×c matrix a
// to dst (c×r), in 32×32 tiles so that both reads and writes stay in cache.
func transpose32To(dst, a []float32, r, c, c0, c1 int) {
	const tile = 32
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(i0+tile, r)
		for j0 := c0; j0 < c1; j0 += tile {
			j1 := min(j0+tile, c1)
			for i := i0; i < i1; i++ {
				src := a[i*c : i*c+j1]
				for j := j0; j < j1; j++ {
					dst[j*r+i] = src[j]
				}
			}
		}
	}
}

// merge folds in the correction terms for a part with nb rows and means
// bmx, bmz whose own scatter matrices have already been added:
// C += δx·δzᵀ·n·nb/(n+nb) with δ the difference of the means.
func (m *moments) merge(nb int64, bmx, bmz []float64, xxDone bool) {
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
		if m.cxx != nil && !xxDone {
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
	m.merge(o.n, o.meanX, o.meanZ, false)
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
	if m.cls == nil {
		m.cls = make([]float64, m.k*m.d)
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
