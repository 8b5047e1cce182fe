package tensor

import (
	"fmt"
	"sync"
)

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X, or Xᵀ when the matching trans flag is set. op(A) is m×k, op(B)
// is k×n and C is m×n; lda, ldb and ldc are the row strides of A, B and C as
// stored. When beta is zero C is overwritten without being read, so it may
// hold NaN; when alpha is zero or k is zero, A and B are not read. It panics
// if a stride is smaller than its row or a slice is too short for its shape.
//
// Large products are split over GOMAXPROCS goroutines.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if ks := kernels(); ks.gemmF32 != nil && m > 0 && n > 0 && k > 0 {
		ks.gemmF32(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	g := gemmPool.Get().(*gemmJob)
	g.gemmArgs = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b32: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.run(maxThreads())
	g.release()
}

// GemmSerial is Gemm on the calling goroutine only, with the family's own
// micro-kernels (under "openblas" too). It is for callers that already split
// their work over goroutines (one attention head each, say), where a second
// level of splitting would only add synchronisation.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	g := gemmPool.Get().(*gemmJob)
	g.gemmArgs = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b32: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.run(1)
	g.release()
}

// GemmBF16 is Gemm with B stored as bfloat16. B is widened to float32 as it
// is packed, so 16-bit weights never need a full-size float32 copy.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []BF16, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	g := gemmPool.Get().(*gemmJob)
	g.gemmArgs = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, bBF16: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.run(maxThreads())
	g.release()
}

// GemmF16 is Gemm with B stored as IEEE half precision.
func GemmF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []F16, ldb int, beta float32, c []float32, ldc int) {
	gemmF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false)
}

// GemmF16Finite is GemmF16 for a B that holds no infinity or NaN (see
// GemvF16Finite); products of a few rows, which run as GEMVs, skip the
// search for them. An infinity or NaN in B may then give wrong sums.
func GemmF16Finite(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []F16, ldb int, beta float32, c []float32, ldc int) {
	gemmF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, true)
}

func gemmF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []F16, ldb int, beta float32, c []float32, ldc int, finite bool) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	g := gemmPool.Get().(*gemmJob)
	g.gemmArgs = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, bF16: b, f16Finite: finite, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.run(maxThreads())
	g.release()
}

// GemmBatched runs batch independent Gemm calls. Matrix p of A starts at
// a[p*strideA], and likewise for B and C. When each product is small (the
// attention heads of one layer, say) the batch itself is split over
// GOMAXPROCS goroutines; otherwise each product is.
func GemmBatched(transA, transB bool, batch, m, n, k int, alpha float32, a []float32, strideA, lda int, b []float32, strideB, ldb int, beta float32, c []float32, strideC, ldc int) {
	if batch < 0 {
		panic(fmt.Sprintf("tensor: GemmBatched: negative batch %d", batch))
	}
	if batch == 0 {
		return
	}
	// Check the last matrix of each operand against the full slices; the
	// strides are then known to fit for every p before it.
	last := batch - 1
	checkGemm(transA, transB, m, n, k, len(a)-min(len(a), last*strideA), lda, len(b)-min(len(b), last*strideB), ldb, len(c)-min(len(c), last*strideC), ldc)
	if strideA < 0 || strideB < 0 || strideC < 0 {
		panic("tensor: GemmBatched: negative stride")
	}
	threads := maxThreads()
	if threads > 1 && batch > 1 && 2*float64(m)*float64(n)*float64(k) < parallelMinFlops*float64(threads) {
		bj := batchPool.Get().(*batchJob)
		bj.args = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, lda: lda, ldb: ldb, beta: beta, ldc: ldc}
		bj.batch, bj.parts = batch, min(threads, batch)
		bj.a, bj.b, bj.c = a, b, c
		bj.strideA, bj.strideB, bj.strideC = strideA, strideB, strideC
		bj.ks = kernels()
		parallel(bj, bj.parts, &bj.ps)
		bj.args, bj.a, bj.b, bj.c = gemmArgs{}, nil, nil, nil
		batchPool.Put(bj)
		return
	}
	for p := 0; p < batch; p++ {
		Gemm(transA, transB, m, n, k, alpha, a[p*strideA:], lda, b[p*strideB:], ldb, beta, c[p*strideC:], ldc)
	}
}

// batchJob splits a batch of small products over goroutines, one serial
// GEMM per matrix.
type batchJob struct {
	args                      gemmArgs // everything but the slices
	ks                        *kernelSet
	batch, parts              int
	a, b, c                   []float32
	strideA, strideB, strideC int
	ps                        partSync
}

var batchPool = sync.Pool{New: func() any { return new(batchJob) }}

func (bj *batchJob) runPart(part int, s *scratch) {
	lo, hi := part*bj.batch/bj.parts, (part+1)*bj.batch/bj.parts
	for p := lo; p < hi; p++ {
		g := gemmJob{gemmArgs: bj.args, ks: bj.ks}
		g.a, g.b32, g.c = bj.a[p*bj.strideA:], bj.b[p*bj.strideB:], bj.c[p*bj.strideC:]
		if !g.trivial() {
			g.block(0, g.m, 0, g.n, s)
		}
	}
}

func checkGemm(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor: Gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, lenA, lda)
	checkMatrix("B", br, bc, lenB, ldb)
	checkMatrix("C", m, n, lenC, ldc)
}

func checkMatrix(name string, rows, cols, length, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("tensor: Gemm: ld%s=%d smaller than %d columns", name, ld, cols))
	}
	if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
		panic(fmt.Sprintf("tensor: Gemm: %s has %d elements, %d×%d with stride %d needs %d", name, length, rows, cols, ld, (rows-1)*ld+cols))
	}
}
