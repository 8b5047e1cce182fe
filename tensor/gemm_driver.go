package tensor

import "sync"

// parallelMinFlops is the least work (in floating-point operations) worth
// handing to one more goroutine: below it, waking a worker costs more than
// it saves.
const parallelMinFlops = 4e6

// The most rows of A for which a GEMM with an unpacked B runs as GEMVs
// that share each block of B (see asGemv). Measured on Zen 1 with 2
// threads, 768–3072-wide weights: with B transposed (the torch.nn.Linear
// layout) the GEMVs take 0.1–0.7 of the GEMM's time up to 16 rows; with B
// as stored, whose GEMV is a sum of scaled rows of B, they break even at 4.
const (
	gemvMaxRowsTransB = 16
	gemvMaxRows       = 4
)

// gemmJob is one GEMM call: its arguments, the kernel family it runs with
// and how it is split over goroutines. Exactly one of b32, bBF16 and bF16
// is set. Jobs are pooled, so a call allocates nothing.
type gemmJob struct {
	gemmArgs

	ks     *kernelSet
	tm, tn int  // the grid of parts: tm row ranges × tn column ranges
	gemv   bool // a one-row product with a packed B: parts are column ranges
	ps     partSync
}

// gemmArgs are the arguments of one GEMM call.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b32            []float32
	bBF16          []BF16
	bF16           []F16
	f16Finite      bool // bF16 is known to hold no infinity or NaN
	ldb            int
	c              []float32
	ldc            int
	packed         *PackedB // op(B) packed ahead of time; b32, bBF16 and bF16 unset
}

var gemmPool = sync.Pool{New: func() any { return new(gemmJob) }}

// release drops the references to the caller's slices and returns g to the
// pool.
func (g *gemmJob) release() {
	g.gemmArgs, g.ks, g.gemv = gemmArgs{}, nil, false
	gemmPool.Put(g)
}

// run computes the product with up to threads goroutines.
func (g *gemmJob) run(threads int) {
	g.ks = kernels()
	if g.packed != nil {
		g.ks = g.packed.ks
	}
	if g.trivial() {
		return
	}
	if few := g.m <= gemvMaxRows || g.transB && g.m <= gemvMaxRowsTransB; few && !g.transA && g.packed == nil {
		g.asGemv(threads)
		return
	}
	if g.m == 1 && !g.transA {
		// Memory-bound: split the columns, each part streaming its
		// slivers of the packed B once.
		g.gemv, g.tm = true, 1
		g.tn = max(1, min(threads, g.k*g.n/gemvMinPart, ceilDiv(g.n, g.ks.nr)))
		parallel(g, g.tn, &g.ps)
		return
	}
	flops := 2 * float64(g.m) * float64(g.n) * float64(g.k)
	parts := max(1, min(threads, int(flops/parallelMinFlops)))
	g.tm, g.tn = splitGrid(parts, g.m, g.n, g.ks.mr, g.ks.nr, g.packed != nil)
	if parts == 1 {
		s := callerScratch.Get().(*scratch)
		g.block(0, g.m, 0, g.n, s)
		callerScratch.Put(s)
		return
	}
	parallel(g, g.tm*g.tn, &g.ps)
}

// trivial handles the products that need no multiplication: empty C, and
// k == 0 or alpha == 0, where C = beta·C and A and B are not read.
func (g *gemmJob) trivial() bool {
	if g.m == 0 || g.n == 0 {
		return true
	}
	if g.k != 0 && g.alpha != 0 {
		return false
	}
	for i := 0; i < g.m; i++ {
		scaleRow(g.c[i*g.ldc:i*g.ldc+g.n], g.beta)
	}
	return true
}

// scaleRow sets y = beta·y; beta == 0 clears y without reading it.
func scaleRow(y []float32, beta float32) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		for i := range y {
			y[i] *= beta
		}
	}
}

// splitGrid chooses tm×tn = parts for an m×n output, minimising the work of
// the largest part (its area) plus the packing that every part repeats (its
// perimeter, weighted by how much slower packing is than multiplying). A
// prepacked B is not packed again, only streamed, which costs less.
func splitGrid(parts, m, n, mr, nr int, prepacked bool) (tm, tn int) {
	colCost := 8.0
	if prepacked {
		colCost = 2
	}
	best := -1.0
	for t := 1; t <= parts; t++ {
		if parts%t != 0 {
			continue
		}
		rows := ceilDiv(ceilDiv(m, mr), t) * mr
		cols := ceilDiv(ceilDiv(n, nr), parts/t) * nr
		cost := float64(rows)*float64(cols) + 8*float64(rows) + colCost*float64(cols)
		if best < 0 || cost < best {
			best, tm, tn = cost, t, parts/t
		}
	}
	return tm, tn
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// span returns the range of part p of q over n items, cut at multiples of
// unit.
func span(n, unit, q, p int) (lo, hi int) {
	blocks := ceilDiv(n, unit)
	lo = min(n, p*blocks/q*unit)
	hi = min(n, (p+1)*blocks/q*unit)
	return lo, hi
}

func (g *gemmJob) runPart(part int, s *scratch) {
	if g.gemv {
		j0, j1 := span(g.n, g.ks.nr, g.tn, part)
		g.gemvPacked(j0, j1, s)
		return
	}
	i0, i1 := span(g.m, g.ks.mr, g.tm, part/g.tn)
	j0, j1 := span(g.n, g.ks.nr, g.tn, part%g.tn)
	if i0 < i1 && j0 < j1 {
		g.block(i0, i1, j0, j1, s)
	}
}

// block computes rows [i0,i1) and columns [j0,j1) of C with the Goto/BLIS
// loop nest: for each nc-wide column block and kc-deep slice of the inner
// dimension, B is packed once (kc×nc, meant to stay in L3) and reused by
// every mc-high block of packed A (kc×mc, meant to stay in L2); the
// micro-kernel then streams one kc×nr sliver of B (in L1) against all the
// mr-high slivers of A.
func (g *gemmJob) block(i0, i1, j0, j1 int, s *scratch) {
	if g.packed != nil {
		g.blockPacked(i0, i1, j0, j1, s)
		return
	}
	ks := g.ks
	mr, nr := ks.mr, ks.nr
	kc := sliceDepth(g.k, ks.kc)
	for jc := j0; jc < j1; jc += ks.nc {
		nb := min(ks.nc, j1-jc)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			bp := floats(&s.b, kb*ceilDiv(nb, nr)*nr)
			g.packB(bp, pc, kb, jc, nb, s)
			beta := g.beta
			if pc > 0 {
				beta = 1 // later slices accumulate onto the first
			}
			for ic := i0; ic < i1; ic += ks.mc {
				mb := min(ks.mc, i1-ic)
				ap := floats(&s.a, kb*ceilDiv(mb, mr)*mr)
				g.packA(ap, ic, mb, pc, kb)
				g.macro(ap, bp, ic, mb, jc, nb, kb, beta, s)
			}
		}
	}
}

// blockPacked is block for a prepacked B. With nothing to pack for B, the
// loops turn inside out: each block of A is packed once and swept across
// all columns, instead of once per nc-wide column block (13 times for one
// half of a 50304-word output layer).
func (g *gemmJob) blockPacked(i0, i1, j0, j1 int, s *scratch) {
	ks := g.ks
	mr := ks.mr
	kc := sliceDepth(g.k, ks.kc)
	for pc := 0; pc < g.k; pc += kc {
		kb := min(kc, g.k-pc)
		beta := g.beta
		if pc > 0 {
			beta = 1 // later slices accumulate onto the first
		}
		for ic := i0; ic < i1; ic += ks.mc {
			mb := min(ks.mc, i1-ic)
			ap := floats(&s.a, kb*ceilDiv(mb, mr)*mr)
			g.packA(ap, ic, mb, pc, kb)
			for jc := j0; jc < j1; jc += ks.nc {
				nb := min(ks.nc, j1-jc)
				g.macro(ap, g.packed.block(pc, kb, jc, nb), ic, mb, jc, nb, kb, beta, s)
			}
		}
	}
}

// macro multiplies a packed mb×kb block of A by a packed kb×nb block of B
// into C at (ic, jc). Edge tiles go through a scratch tile so that the
// micro-kernel never writes outside C.
func (g *gemmJob) macro(ap, bp []float32, ic, mb, jc, nb, kb int, beta float32, s *scratch) {
	ks := g.ks
	mr, nr := ks.mr, ks.nr
	for jr := 0; jr < nb; jr += nr {
		nn := min(nr, nb-jr)
		bpanel := bp[jr*kb : (jr+nr)*kb]
		for ir := 0; ir < mb; ir += mr {
			mm := min(mr, mb-ir)
			apanel := ap[ir*kb : (ir+mr)*kb]
			ci := (ic+ir)*g.ldc + jc + jr
			if mm == mr && nn == nr {
				ks.tile(kb, apanel, bpanel, g.c[ci:], g.ldc, g.alpha, beta)
				continue
			}
			t := s.tile[:mr*nr]
			ks.tile(kb, apanel, bpanel, t, nr, 1, 0)
			for r := 0; r < mm; r++ {
				crow := g.c[ci+r*g.ldc : ci+r*g.ldc+nn]
				trow := t[r*nr : r*nr+nn]
				if beta == 0 {
					for j, v := range trow {
						crow[j] = g.alpha * v
					}
				} else {
					for j, v := range trow {
						crow[j] = g.alpha*v + beta*crow[j]
					}
				}
			}
		}
	}
}

// packA copies rows [ic, ic+mb) and columns [pc, pc+kb) of op(A) into ap as
// mr-row slivers, each stored column by column (kb groups of mr values),
// padding the last sliver with zeros.
func (g *gemmJob) packA(ap []float32, ic, mb, pc, kb int) {
	mr := g.ks.mr
	for ir := 0; ir < mb; ir += mr {
		dst := ap[ir*kb : (ir+mr)*kb]
		rows := min(mr, mb-ir)
		if g.transA {
			// op(A)[i][p] = a[p*lda+i]: each k step is a contiguous run.
			for p := 0; p < kb; p++ {
				src := g.a[(pc+p)*g.lda+ic+ir:]
				d := dst[p*mr : p*mr+mr]
				copy(d, src[:rows])
				clear(d[rows:])
			}
			continue
		}
		// Four rows at a time: four read streams, and each k step writes
		// four neighbouring values, which measured 1.5-2x faster than one
		// row at a time (strided single writes) on Zen 4.
		r := 0
		for ; r+4 <= rows; r += 4 {
			base := (ic+ir+r)*g.lda + pc
			s0 := g.a[base : base+kb]
			s1 := g.a[base+g.lda : base+g.lda+kb]
			s2 := g.a[base+2*g.lda : base+2*g.lda+kb]
			s3 := g.a[base+3*g.lda : base+3*g.lda+kb]
			for p := range kb {
				d := dst[p*mr+r : p*mr+r+4 : p*mr+r+4]
				d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
			}
		}
		for ; r < rows; r++ {
			src := g.a[(ic+ir+r)*g.lda+pc:]
			src = src[:kb]
			for p, v := range src {
				dst[p*mr+r] = v
			}
		}
		for r := rows; r < mr; r++ {
			for p := 0; p < kb; p++ {
				dst[p*mr+r] = 0
			}
		}
	}
}

// packB copies rows [pc, pc+kb) and columns [jc, jc+nb) of op(B) into bp as
// nr-column slivers, each stored row by row (kb groups of nr values),
// widening 16-bit B to float32 and padding the last sliver with zeros.
func (g *gemmJob) packB(bp []float32, pc, kb, jc, nb int, s *scratch) {
	nr := g.ks.nr
	for jr := 0; jr < nb; jr += nr {
		dst := bp[jr*kb : (jr+nr)*kb]
		cols := min(nr, nb-jr)
		if !g.transB {
			for p := 0; p < kb; p++ {
				off := (pc+p)*g.ldb + jc + jr
				d := dst[p*nr : p*nr+nr]
				g.widenB(d[:cols], off)
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: widen each stored row into a
		// contiguous buffer, then scatter it down sliver column j.
		row := floats(&s.row, kb)
		for j := 0; j < cols; j++ {
			g.widenB(row, (jc+jr+j)*g.ldb+pc)
			for p, v := range row {
				dst[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kb; p++ {
				dst[p*nr+j] = 0
			}
		}
	}
}

// widenB copies len(d) consecutive stored elements of B from offset off into
// d as float32.
func (g *gemmJob) widenB(d []float32, off int) {
	switch {
	case g.b32 != nil:
		copy(d, g.b32[off:off+len(d)])
	case g.bBF16 != nil:
		g.ks.widenBF16(d, g.bBF16[off:off+len(d)])
	default:
		g.ks.widenF16(d, g.bF16[off:off+len(d)])
	}
}
