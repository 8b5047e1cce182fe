package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Gemv computes y = alpha·op(A)·x + beta·y, where A is m×n row-major with
// row stride lda and op(A) is A, or Aᵀ when trans is set. When beta is zero
// y is overwritten without being read. It panics on length mismatches.
//
// Large products are split over GOMAXPROCS goroutines: by rows of A, or
// for Aᵀ by column ranges of A (each goroutine owns a range of y).
func Gemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	g := gemvPool.Get().(*gemvJob)
	g.gemvArgs = gemvArgs{trans: trans, m: m, n: n, alpha: alpha, a32: a, lda: lda, x: x, beta: beta, y: y}
	g.run(maxThreads())
	g.release()
}

// GemvBF16 is Gemv with A stored as bfloat16 (the decode-time weight layout).
func GemvBF16(trans bool, m, n int, alpha float32, a []BF16, lda int, x []float32, beta float32, y []float32) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	g := gemvPool.Get().(*gemvJob)
	g.gemvArgs = gemvArgs{trans: trans, m: m, n: n, alpha: alpha, aBF16: a, lda: lda, x: x, beta: beta, y: y}
	g.run(maxThreads())
	g.release()
}

// GemvF16 is Gemv with A stored as IEEE half precision.
func GemvF16(trans bool, m, n int, alpha float32, a []F16, lda int, x []float32, beta float32, y []float32) {
	gemvF16(trans, m, n, alpha, a, lda, x, beta, y, false)
}

// GemvF16Finite is GemvF16 for an A that holds no infinity or NaN, as
// F16Finite reports once for weights at load. It skips GemvF16's search
// for them, which costs about a sixth of its time on CPUs whose own
// half-to-float conversion is slow (AMD Zen 1). An infinity or NaN in A
// then gives wrong sums, not an error.
func GemvF16Finite(trans bool, m, n int, alpha float32, a []F16, lda int, x []float32, beta float32, y []float32) {
	gemvF16(trans, m, n, alpha, a, lda, x, beta, y, true)
}

func gemvF16(trans bool, m, n int, alpha float32, a []F16, lda int, x []float32, beta float32, y []float32, finite bool) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	g := gemvPool.Get().(*gemvJob)
	g.gemvArgs = gemvArgs{trans: trans, m: m, n: n, alpha: alpha, aF16: a, f16Finite: finite, lda: lda, x: x, beta: beta, y: y}
	g.run(maxThreads())
	g.release()
}

func gemvCheck(trans bool, m, n, lenA, lda, lenX, lenY int) {
	if m < 0 || n < 0 {
		panic(fmt.Sprintf("tensor: Gemv: negative dimension m=%d n=%d", m, n))
	}
	checkMatrix("A", m, n, lenA, lda)
	xs, ys := n, m
	if trans {
		xs, ys = m, n
	}
	if lenX < xs || lenY < ys {
		panic(fmt.Sprintf("tensor: Gemv: x has %d elements (need %d), y has %d (need %d)", lenX, xs, lenY, ys))
	}
}

// gemvMinPart is the least number of matrix elements worth handing to one
// more goroutine (about 10µs of memory traffic).
const gemvMinPart = 1 << 16

// gemvJob is one GEMV call. Exactly one of a32, aBF16 and aF16 is set.
type gemvJob struct {
	gemvArgs
	ks    *kernelSet
	parts int
	ps    partSync
	xp    []float32 // each x reordered for dot4BF16 or scaled for dot4F16S (kept across uses)
	// f16Scaled: xp holds each x laid out for dot4F16S (see scaleForF16).
	f16Scaled bool
	// splitRows: Aᵀx is split by rows of A, each part past the first
	// summing into its own slice of partial (vecs×n each), which run adds
	// into y at the end.
	splitRows bool
	partial   []float32
}

// gemvArgs are the arguments of one GEMV call.
type gemvArgs struct {
	trans       bool
	m, n        int
	alpha, beta float32
	a32         []float32
	aBF16       []BF16
	aF16        []F16
	f16Finite   bool // aF16 is known to hold no infinity or NaN
	lda         int
	x, y        []float32
	// vecs > 1 multiplies several vectors by the same A: vector v is
	// x[v·ldx:] and its result y[v·ldy:]. A is streamed from memory once
	// and each block of it is reused from cache for every vector.
	vecs, ldx, ldy int
}

var gemvPool = sync.Pool{New: func() any { return new(gemvJob) }}

func (g *gemvJob) release() {
	g.gemvArgs, g.ks = gemvArgs{}, nil
	gemvPool.Put(g)
}

func (g *gemvJob) run(threads int) {
	g.ks = kernels()
	rows := g.m // the dimension the parts split: rows of A, or of y for Aᵀ
	if g.trans {
		rows = g.n
	}
	if rows == 0 {
		return
	}
	if g.vecs < 1 {
		g.vecs = 1
	}
	g.parts = max(1, min(threads, g.m*g.n*g.vecs/gemvMinPart, rows/16))
	if g.aBF16 != nil && !g.trans {
		g.splitX(g.n &^ 31)
	}
	g.f16Scaled = g.aF16 != nil && !g.trans && g.ks.dot4F16S != nil && g.scaleForF16()
	// Aᵀx splits by rows of A when each part gets enough of them, so that
	// every part streams a contiguous block of A; by columns (of y) each
	// part would read a piece of every row.
	g.splitRows = g.trans && g.parts > 1 && g.m >= 64*g.parts
	if g.splitRows {
		if need := (g.parts - 1) * g.vecs * g.n; cap(g.partial) < need {
			g.partial = make([]float32, need)
		}
	}
	parallel(g, g.parts, &g.ps)
	if g.splitRows {
		g.addPartials()
	}
}

// addPartials adds the sums of parts 1.. into y.
func (g *gemvJob) addPartials() {
	size := g.vecs * g.n
	for p := 1; p < g.parts; p++ {
		part := g.partial[(p-1)*size : p*size]
		for v := range g.vecs {
			g.ks.axpyF32(1, part[v*g.n:(v+1)*g.n], g.y[v*g.ldy:v*g.ldy+g.n])
		}
	}
}

func (g *gemvJob) runPart(part int, s *scratch) {
	if !g.trans {
		lo, hi := span(g.m, 4, g.parts, part)
		g.rows(lo, hi, &s.dot)
		return
	}
	if g.splitRows {
		r0, r1 := span(g.m, 4, g.parts, part)
		y, ldy := g.y, g.ldy
		if part > 0 {
			size := g.vecs * g.n
			y, ldy = g.partial[(part-1)*size:part*size], g.n
			clear(y)
		} else {
			for v := range g.vecs {
				scaleRow(y[v*ldy:v*ldy+g.n], g.beta)
			}
		}
		g.cols(r0, r1, 0, g.n, y, ldy, &s.dot)
		return
	}
	// 16 floats is one cache line of y: parts never share a line.
	lo, hi := span(g.n, 16, g.parts, part)
	for v := range g.vecs {
		scaleRow(g.y[v*g.ldy+lo:v*g.ldy+hi], g.beta)
	}
	g.cols(0, g.m, lo, hi, g.y, g.ldy, &s.dot)
}

// scaleForF16 fills xp with each x·2¹¹², split as splitPairs does, for
// dot4F16S and dot4F16F, and reports whether every |x| is below 2¹⁶ (so
// that the scaled copy is finite and exact); otherwise dot4F16 is used.
func (g *gemvJob) scaleForF16() bool {
	n32 := g.n &^ 31
	if n32 == 0 {
		return false
	}
	for v := range g.vecs {
		for _, e := range g.x[v*g.ldx : v*g.ldx+n32] {
			if !(math.Abs(float64(e)) < 0x1p16) {
				return false
			}
		}
	}
	g.splitX(n32)
	for i := range g.xp[:g.vecs*n32] {
		g.xp[i] *= 0x1p112
	}
	return true
}

// splitX fills xp with the first n elements of each x, split as
// splitPairs does (n a multiple of 16).
func (g *gemvJob) splitX(n int) {
	if cap(g.xp) < g.vecs*n {
		g.xp = make([]float32, g.vecs*n)
	}
	for v := range g.vecs {
		splitPairs(g.xp[v*n:(v+1)*n], g.x[v*g.ldx:v*g.ldx+n])
	}
}

// rows computes y[lo:hi] = alpha·A[lo:hi]·x + beta·y[lo:hi], four rows at
// a time; with several vectors, each block of four rows is multiplied by
// all of them while it is in cache.
//
// The four rows of a block are a quarter of the range apart (rows i, i+q,
// i+2q and i+3q), not adjacent: the kernels read the four rows side by
// side, and this way each of the four memory streams runs on through the
// next row (contiguous when lda = n) instead of ending with its row. With
// adjacent rows, models' short rows (768 halves: 1.5 KB) left the hardware
// prefetcher retraining on four new streams every few microseconds, and
// the GEMV ran at half the memory bandwidth.
func (g *gemvJob) rows(lo, hi int, d *[4]float32) {
	n16 := g.n &^ 15 // what dot4F32 covers
	n32 := g.n &^ 31 // what dot4BF16 and dot4F16S cover
	q := (hi - lo) / 4
	lda := q * g.lda // the distance between the rows of a block
	for i := lo; i < lo+q; i++ {
		off := i * g.lda
		end := off + 3*lda + g.n // the last element of the fourth row
		for v := range g.vecs {
			x := g.x[v*g.ldx : v*g.ldx+g.n]
			switch {
			case g.a32 != nil:
				a := g.a32[off:end]
				g.ks.dot4F32(a, lda, x[:n16], d)
				if n16 < g.n { // columns the kernel left
					for r := range d {
						d[r] += dotF32Generic(a[r*lda+n16:], x[n16:])
					}
				}
			case g.aBF16 != nil:
				a := g.aBF16[off:end]
				g.ks.dot4BF16(a, lda, x[:n32], g.xp[v*n32:(v+1)*n32], d)
				if n32 < g.n { // columns the kernel left
					for r := range d {
						d[r] += dotBF16Generic(a[r*lda+n32:], x[n32:])
					}
				}
			default:
				a := g.aF16[off:end]
				done := n32
				switch {
				case !g.f16Scaled:
					g.ks.dot4F16(a, lda, x[:n16], d)
					done = n16
				case g.f16Finite:
					g.ks.dot4F16F(a, lda, g.xp[v*n32:(v+1)*n32], d)
				case g.ks.dot4F16S(a, lda, g.xp[v*n32:(v+1)*n32], d):
					g.ks.dot4F16(a, lda, x[:n16], d)
					done = n16
				}
				if done < g.n { // columns the kernel left
					for r := range d {
						d[r] += dotF16Generic(a[r*lda+done:], x[done:])
					}
				}
			}
			y := g.y[v*g.ldy:]
			for r, dr := range d {
				y[i+r*q] = g.scaled(dr, y[i+r*q])
			}
		}
	}
	for i := lo + 4*q; i < hi; i++ {
		off := i * g.lda
		for v := range g.vecs {
			x := g.x[v*g.ldx : v*g.ldx+g.n]
			var d float32
			switch {
			case g.a32 != nil:
				d = g.ks.dotF32(g.a32[off:off+g.n], x)
			case g.aBF16 != nil:
				d = g.ks.dotBF16(g.aBF16[off:off+g.n], x)
			default:
				d = g.ks.dotF16(g.aF16[off:off+g.n], x)
			}
			y := &g.y[v*g.ldy+i]
			*y = g.scaled(d, *y)
		}
	}
}

// scaled is alpha·d + beta·y, with y not read when beta is zero (it may
// hold NaN).
func (g *gemvJob) scaled(d, y float32) float32 {
	if g.beta == 0 {
		return g.alpha * d
	}
	return g.alpha*d + g.beta*y
}

// cols adds alpha·Σ_i x[i]·A[i][lo:hi] over the rows r0 ≤ i < r1 into
// y[lo:hi] (vector v's sum at y[v·ldy:]), so that A is still read
// row-wise. Rows go four at a time, a quarter of the range apart as in
// rows, each piece added into every vector's sum while it is in cache; sc
// holds the four scales.
func (g *gemvJob) cols(r0, r1, lo, hi int, y []float32, ldy int, sc *[4]float32) {
	w := hi - lo
	w8 := w &^ 7   // what axpy4F32 and axpy4F16 cover
	w16 := w &^ 15 // what axpy4BF16 covers
	q := (r1 - r0) / 4
	lda := q * g.lda // rows i, i+q, i+2q, i+3q go together
	for i := r0; i < r0+q; i++ {
		off := i*g.lda + lo
		end := off + 3*lda + w // the end of the fourth row's piece
		for v := range g.vecs {
			for r := range sc {
				sc[r] = g.alpha * g.x[v*g.ldx+i+r*q]
			}
			yv := y[v*ldy+lo : v*ldy+hi]
			switch {
			case g.a32 != nil:
				a := g.a32[off:end]
				g.ks.axpy4F32(sc, a, lda, yv[:w8])
				for r, s := range sc {
					axpyF32Generic(s, a[r*lda+w8:r*lda+w], yv[w8:])
				}
			case g.aBF16 != nil:
				a := g.aBF16[off:end]
				g.ks.axpy4BF16(sc, a, lda, yv[:w16])
				for r, s := range sc {
					axpyBF16Generic(s, a[r*lda+w16:r*lda+w], yv[w16:])
				}
			default:
				a := g.aF16[off:end]
				g.ks.axpy4F16(sc, a, lda, yv[:w8])
				for r, s := range sc {
					axpyF16Generic(s, a[r*lda+w8:r*lda+w], yv[w8:])
				}
			}
		}
	}
	for i := r0 + 4*q; i < r1; i++ {
		off := i*g.lda + lo
		for v := range g.vecs {
			s := g.alpha * g.x[v*g.ldx+i]
			yv := y[v*ldy+lo : v*ldy+hi]
			switch {
			case g.a32 != nil:
				g.ks.axpyF32(s, g.a32[off:off+w], yv)
			case g.aBF16 != nil:
				g.ks.axpyBF16(s, g.aBF16[off:off+w], yv)
			default:
				g.ks.axpyF16(s, g.aF16[off:off+w], yv)
			}
		}
	}
}

// asGemv computes a GEMM of a few rows (decoding a few sequences: X·Wᵀ) as GEMVs over the stored B, without packing: B is read
// once, and packing it (widening 16-bit weights on the way) would cost
// more than the multiplications.
func (g *gemmJob) asGemv(threads int) {
	v := gemvPool.Get().(*gemvJob)
	v.gemvArgs = gemvArgs{alpha: g.alpha, beta: g.beta, a32: g.b32, aBF16: g.bBF16, aF16: g.bF16, f16Finite: g.f16Finite, lda: g.ldb, x: g.a, y: g.c,
		vecs: g.m, ldx: g.lda, ldy: g.ldc}
	if g.transB {
		v.m, v.n = g.n, g.k // y[j] = B[j]·x
	} else {
		v.trans, v.m, v.n = true, g.k, g.n // y = Bᵀ·x
	}
	v.run(threads)
	v.release()
}
