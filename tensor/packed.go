package tensor

import "fmt"

// PackedB is the B operand of a GEMM packed once, ahead of time, into the
// layout the micro-kernel reads: for each kc-deep slice of op(B), nr-wide
// column slivers stored row by row. Gemm packs B on every call, which for a
// model's weight matrices repeats the same work for every batch (about a
// sixth of a transformer's GEMM time); GemmPacked reads a PackedB in place.
//
// A PackedB holds op(B) in float32 with its columns padded to the
// micro-kernel's width, so it takes about as much memory as a float32 B. It
// computes with the kernel family active when it was packed (see
// SetKernels). It is immutable and safe for concurrent use.
type PackedB struct {
	ks   *kernelSet
	k, n int
	kc   int       // depth of every slice but possibly the last
	npad int       // n rounded up to a multiple of nr
	data []float32 // slice at pc·npad; its sliver of columns jc at jc·kb
}

// PackB packs op(B) (k×n; B is stored k×n, or n×k when transB is set, with
// row stride ldb) for GemmPacked. It panics if b is too short for its shape.
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("tensor: PackB: negative dimension k=%d n=%d", k, n))
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("B", br, bc, len(b), ldb)
	ks := kernels()
	p := &PackedB{ks: ks, k: k, n: n, kc: sliceDepth(k, ks.kc), npad: ceilDiv(n, ks.nr) * ks.nr}
	var buf []float32
	p.data = floats(&buf, k*p.npad)
	g := gemmJob{gemmArgs: gemmArgs{transB: transB, k: k, n: n, b32: b, ldb: ldb}, ks: ks}
	var s scratch
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		g.packB(p.data[pc*p.npad:pc*p.npad+kb*p.npad], pc, kb, 0, n, &s)
	}
	return p
}

// Rows returns k, the number of rows of op(B).
func (p *PackedB) Rows() int { return p.k }

// Cols returns n, the number of columns of op(B).
func (p *PackedB) Cols() int { return p.n }

// Bytes returns the memory the packed matrix takes.
func (p *PackedB) Bytes() int64 { return 4 * int64(len(p.data)) }

// ColTo copies column j of op(B) into dst (len k). For a packed
// embedding-tied output layer (op(B) = Eᵀ) this is the embedding of token j,
// so the embedding table need not be kept twice.
func (p *PackedB) ColTo(dst []float32, j int) {
	checkLen("PackedB.ColTo", len(dst), p.k)
	if j < 0 || j >= p.n {
		panic(fmt.Sprintf("tensor: PackedB.ColTo: column %d of %d", j, p.n))
	}
	nr := p.ks.nr
	sliver, jj := j/nr*nr, j%nr
	for pc := 0; pc < p.k; pc += p.kc {
		kb := min(p.kc, p.k-pc)
		src := p.data[pc*p.npad+sliver*kb:]
		for q := 0; q < kb; q++ {
			dst[pc+q] = src[q*nr+jj]
		}
	}
}

// block returns the packed kb×nb block of op(B) at slice pc and column jc
// (a multiple of nr), laid out as packB lays it out.
func (p *PackedB) block(pc, kb, jc, nb int) []float32 {
	off := pc*p.npad + jc*kb
	return p.data[off : off+kb*ceilDiv(nb, p.ks.nr)*p.ks.nr]
}

// sliceDepth is the depth of the k slices Gemm cuts: equal slices of at
// most kc rather than full ones and a short remainder.
func sliceDepth(k, kc int) int {
	if k == 0 {
		return kc
	}
	return ceilDiv(k, ceilDiv(k, kc))
}

// GemmPacked computes C = alpha·op(A)·op(B) + beta·C like Gemm, with op(B)
// (k×n) packed by PackB. A is m×k (k×m when transA is set) with row stride
// lda; C is m×n with row stride ldc. A one-row product (batch-1 decoding)
// streams the packed matrix once, as a GEMV.
func GemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	k, n := b.k, b.n
	if m < 0 {
		panic(fmt.Sprintf("tensor: GemmPacked: negative dimension m=%d", m))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	checkMatrix("A", ar, ac, len(a), lda)
	checkMatrix("C", m, n, len(c), ldc)
	g := gemmPool.Get().(*gemmJob)
	g.gemmArgs = gemmArgs{transA: transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc, packed: b}
	g.run(maxThreads())
	g.release()
}

// gemvPacked computes columns [j0, j1) of the one-row product c = alpha·a·B
// + beta·c.
func (g *gemmJob) gemvPacked(j0, j1 int, s *scratch) {
	g.packed.gemvCols(g.a, j0, j1, g.alpha, g.beta, g.c, s.tile[:])
}

// gemvCols computes columns [lo, hi) of the one-row product y = alpha·x·op(B)
// + beta·y (lo a multiple of nr; y is not read when beta is zero), with acc
// as scratch. It reads the packing in the order it is stored: for a chunk
// of columns as wide as acc, each slice's slivers of those columns lie one
// after another, and the kernel streams them (the two halves of the run at
// once), a whole row of a sliver per step with full-width loads.
func (p *PackedB) gemvCols(x []float32, lo, hi int, alpha, beta float32, y, acc []float32) {
	nr := p.ks.nr
	chunk := len(acc) / nr * nr
	for j0 := lo; j0 < hi; j0 += chunk {
		j1 := min(hi, j0+chunk)
		sum := acc[:ceilDiv(j1-j0, nr)*nr]
		clear(sum)
		for pc := 0; pc < p.k; pc += p.kc {
			kb := min(p.kc, p.k-pc)
			p.ks.gemvPanels(nr, kb, x[pc:pc+kb], p.block(pc, kb, j0, len(sum)), sum)
		}
		out := y[j0:j1]
		switch {
		case alpha == 1 && beta == 0:
			copy(out, sum)
		case beta == 0:
			for j := range out {
				out[j] = alpha * sum[j]
			}
		default:
			for j := range out {
				out[j] = alpha*sum[j] + beta*out[j]
			}
		}
	}
}

// gemvPanelsGeneric adds a row vector times consecutive slivers of one
// slice of a packed B into acc (len a multiple of nr): the sliver of
// columns s to s+nr-1 (s a multiple of nr), the kb×nr block at blk[s·kb:],
// adds Σ_q a[q]·blk[s·kb+q·nr+j] to acc[s+j] for q < kb and j < nr.
func gemvPanelsGeneric(nr, kb int, a, blk, acc []float32) {
	for s := 0; s < len(acc); s += nr {
		panel, sum := blk[s*kb:(s+nr)*kb], acc[s:s+nr]
		for q, av := range a[:kb] {
			row := panel[q*nr : q*nr+nr]
			for j, v := range row {
				sum[j] += av * v
			}
		}
	}
}
