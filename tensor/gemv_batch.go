package tensor

import (
	"fmt"
	"sync"
)

// GemvOp is one product of GemvBatch: y = A·x for an M×N matrix A given in
// exactly one of the forms
//
//	F32, BF16, F16   row-major, row stride N (F16Finite as for GemvF16Finite)
//	Quant            M rows of N weights in format Q (as GemvQ)
//	Packed           a PackB'd op(B) of k = N rows and n = M columns (as a
//	                 one-row GemmPacked: y = x·op(B))
//
// with len(X) ≥ N and len(Y) ≥ M.
type GemvOp struct {
	M, N      int
	F32       []float32
	BF16      []BF16
	F16       []F16
	F16Finite bool
	Q         QType
	Quant     []byte
	Packed    *PackedB
	X, Y      []float32
}

// GemvBatch computes every op's product as one parallel job: the rows of
// all the matrices are split into GOMAXPROCS parts by their bytes, so that
// products sharing an input (a layer's query, key and value projections,
// or its gate and up projections) cost one synchronisation instead of one
// each. Ops of the same quantized format and input share the input's
// quantization. It panics on length mismatches.
func GemvBatch(ops []GemvOp) {
	b := gemvBatchPool.Get().(*gemvBatch)
	defer b.release()
	b.ks = kernels()
	b.qk = quantKernelsFor(b.ks)
	for i := range ops {
		b.add(&ops[i])
	}
	// gemvMinPart elements of float32 weights are worth one more goroutine.
	b.parts = max(1, min(maxThreads(), int(b.total/(4*gemvMinPart))))
	parallel(b, b.parts, &b.ps)
}

var gemvBatchPool = sync.Pool{New: func() any { return new(gemvBatch) }}

// gemvBatch is one GemvBatch call: its ops, each with a cost (bytes of
// weights) and the range of the batch's total cost it covers.
type gemvBatch struct {
	ks    *kernelSet
	qk    *quantKernels
	ops   []batchOp
	total int64
	parts int
	ps    partSync
	// Jobs whose per-call preparation (splitting or scaling x, quantizing
	// it) the parts share; kept across calls.
	gemvs []*gemvJob
	quant []*gemmQJob
	nGemv int
	nQuan int
}

type batchOp struct {
	op         *GemvOp
	gemv       *gemvJob  // F32, BF16, F16
	quant      *gemmQJob // Quant
	cost0      int64     // the batch cost before this op
	rowCost    int64     // bytes per output row
	align      int       // rows per unit of the split
	packedCols bool      // Packed: outputs are columns of the packed B
}

func (b *gemvBatch) release() {
	for _, g := range b.gemvs[:b.nGemv] {
		g.gemvArgs, g.ks = gemvArgs{}, nil
	}
	for _, q := range b.quant[:b.nQuan] {
		q.a, q.c, q.shared = nil, nil, nil
	}
	clear(b.ops)
	b.ops, b.total, b.nGemv, b.nQuan = b.ops[:0], 0, 0, 0
	gemvBatchPool.Put(b)
}

func (b *gemvBatch) add(op *GemvOp) {
	if op.M < 0 || op.N < 0 || len(op.X) < op.N || len(op.Y) < op.M {
		panic(fmt.Sprintf("tensor: GemvBatch: op %d×%d with x of %d and y of %d", op.M, op.N, len(op.X), len(op.Y)))
	}
	e := batchOp{op: op, cost0: b.total, align: 16}
	switch {
	case op.Packed != nil:
		if op.Packed.k != op.N || op.Packed.n != op.M {
			panic(fmt.Sprintf("tensor: GemvBatch: packed %d×%d for an op %d×%d", op.Packed.k, op.Packed.n, op.N, op.M))
		}
		e.rowCost, e.align, e.packedCols = int64(4*op.N), op.Packed.ks.nr, true
	case op.Quant != nil:
		e.rowCost = int64(op.Q.RowBytes(op.N))
		e.quant = b.quantJob(op)
	default:
		g := b.gemvJob()
		g.gemvArgs = gemvArgs{m: op.M, n: op.N, alpha: 1, a32: op.F32, aBF16: op.BF16, aF16: op.F16, f16Finite: op.F16Finite, lda: op.N, x: op.X, y: op.Y, vecs: 1}
		g.ks = b.ks
		var elem int64 = 2
		switch {
		case op.F32 != nil:
			checkMatrix("A", op.M, op.N, len(op.F32), op.N)
			elem = 4
		case op.BF16 != nil:
			checkMatrix("A", op.M, op.N, len(op.BF16), op.N)
			g.splitX(op.N &^ 31)
		case op.F16 != nil:
			checkMatrix("A", op.M, op.N, len(op.F16), op.N)
			g.f16Scaled = b.ks.dot4F16S != nil && g.scaleForF16()
		default:
			panic("tensor: GemvBatch: op without a matrix")
		}
		e.rowCost, e.gemv = elem*int64(op.N), g
	}
	b.total += e.rowCost * int64(op.M)
	b.ops = append(b.ops, e)
}

func (b *gemvBatch) gemvJob() *gemvJob {
	if b.nGemv == len(b.gemvs) {
		b.gemvs = append(b.gemvs, new(gemvJob))
	}
	b.nGemv++
	return b.gemvs[b.nGemv-1]
}

// quantJob returns a job holding op's input quantized for its format,
// reusing an earlier op's when both have the same format and input.
func (b *gemvBatch) quantJob(op *GemvOp) *gemmQJob {
	if len(op.Quant) < op.M*op.Q.RowBytes(op.N) {
		panic(fmt.Sprintf("tensor: GemvBatch: A has %d bytes, %d %s rows of %d need %d", len(op.Quant), op.M, op.Q, op.N, op.M*op.Q.RowBytes(op.N)))
	}
	var shared *gemmQJob
	for _, e := range b.ops {
		if e.quant != nil && sameQuantInput(e.op, op) {
			shared = e.quant
		}
	}
	if b.nQuan == len(b.quant) {
		b.quant = append(b.quant, new(gemmQJob))
	}
	b.nQuan++
	q := b.quant[b.nQuan-1]
	q.q, q.rows, q.m, q.n, q.a, q.c, q.ldc, q.qk, q.shared = op.Q, 1, op.M, op.N, op.Quant, op.Y, op.M, b.qk, nil
	if shared != nil {
		q.shared = shared.acts
		if shared.shared != nil {
			q.shared = shared.shared
		}
	} else {
		q.quantizeX(op.X, op.N)
	}
	return q
}

// sameQuantInput reports whether two quantized ops take the same
// quantized input: the same x, and Q8_K activations for both (the
// K-quants) or Q8_0 activations for both (Q8_0, Q4_0).
func sameQuantInput(a, b *GemvOp) bool {
	kQuants := a.Q.actsQ8K() == b.Q.actsQ8K()
	return kQuants && a.N == b.N && a.N > 0 && &a.X[0] == &b.X[0]
}

// bound returns the first row of e at the batch cost c, rounded down to
// e's alignment: every part ends where the next begins.
func (e *batchOp) bound(c int64) int {
	c -= e.cost0
	if c <= 0 {
		return 0
	}
	r := int(c/e.rowCost) / e.align * e.align
	return min(r, e.op.M)
}

func (b *gemvBatch) runPart(part int, s *scratch) {
	c0 := b.total * int64(part) / int64(b.parts)
	c1 := b.total * int64(part+1) / int64(b.parts)
	if part == b.parts-1 {
		c1 = b.total + 1 // the last part takes every remaining row
	}
	for i := range b.ops {
		e := &b.ops[i]
		lo, hi := e.bound(c0), e.bound(c1)
		if part == b.parts-1 {
			hi = e.op.M
		}
		if lo >= hi {
			continue
		}
		switch {
		case e.packedCols:
			b.packedCols(e.op, lo, hi, s)
		case e.quant != nil:
			e.quant.rowRange(lo, hi, &s.dot)
		default:
			e.gemv.rows(lo, hi, &s.dot)
		}
	}
}

// packedCols computes outputs [lo, hi) of a packed op (PackedB.gemvCols).
func (b *gemvBatch) packedCols(op *GemvOp, lo, hi int, s *scratch) {
	op.Packed.gemvCols(op.X, lo, hi, 1, 0, op.Y, s.tile[:])
}
