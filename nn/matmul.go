package nn

import (
	"fmt"
	"slices"
)

// Linear returns x·weightᵀ + bias, torch.nn.functional.linear: weight is
// [out, in] and x is [..., in]; bias ([out]) may be nil. The result is
// [..., out].
func (g *Tape[T]) Linear(x, weight, bias *Tensor[T]) *Tensor[T] {
	if weight.Dims() != 2 || x.Dims() == 0 || x.Dim(-1) != weight.shape[1] {
		panic(fmt.Sprintf("nn: Linear: input of shape %v and weight of shape %v; want [..., in] and [out, in]", x.shape, weight.shape))
	}
	nOut, nIn := weight.shape[0], weight.shape[1]
	if bias != nil && (bias.Dims() != 1 || bias.Len() != nOut) {
		panic(fmt.Sprintf("nn: Linear: bias of shape %v for weight of shape %v; want [%d]", bias.shape, weight.shape, nOut))
	}
	rows := x.Len() / max(nIn, 1)
	if nIn == 0 {
		rows = numel("Linear", x.shape[:x.Dims()-1])
	}
	shape := slices.Clone(x.shape)
	shape[len(shape)-1] = nOut
	out := g.result(shape, x, weight, bias)
	var beta T
	if bias != nil {
		for r := range rows {
			copy(out.data[r*nOut:(r+1)*nOut], bias.data)
		}
		beta = 1
	}
	gemm(false, true, rows, nOut, nIn, 1, x.data, max(nIn, 1), weight.data, max(nIn, 1), beta, out.data, max(nOut, 1))
	g.onBackward(out, func() {
		gy := out.grad
		if x.requiresGrad {
			gx, fresh := x.gradFor()
			gemm(false, false, rows, nIn, nOut, 1, gy, max(nOut, 1), weight.data, max(nIn, 1), betaFor[T](fresh), gx, max(nIn, 1))
		}
		if weight.requiresGrad {
			gw, fresh := weight.gradFor()
			gemm(true, false, nOut, nIn, rows, 1, gy, max(nOut, 1), x.data, max(nIn, 1), betaFor[T](fresh), gw, max(nIn, 1))
		}
		if bias != nil && bias.requiresGrad {
			columnSums(bias, rows, nOut, func(r int, acc []T) { addTo(acc, acc, gy[r*nOut:(r+1)*nOut]) })
		}
	})
	return out
}

// betaFor is the GEMM beta that overwrites a fresh gradient buffer (0) or
// adds to an existing one (1).
func betaFor[T Float](fresh bool) T {
	if fresh {
		return 0
	}
	return 1
}

// MatMul returns op(a)·op(b), where op transposes the last two dimensions
// when the matching flag is set. a is [..., m, k] after op; b is either
// [k, n] (shared by every matrix of a) or has the same leading dimensions
// as a. The result is [..., m, n].
func (g *Tape[T]) MatMul(a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	if a.Dims() < 2 || b.Dims() < 2 {
		panic(fmt.Sprintf("nn: MatMul: shapes %v and %v; both need at least two dimensions", a.shape, b.shape))
	}
	ar, ac := a.Dim(-2), a.Dim(-1)
	br, bc := b.Dim(-2), b.Dim(-1)
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := br, bc
	if transB {
		kb, n = bc, br
	}
	batchA := a.shape[:a.Dims()-2]
	shared := b.Dims() == 2
	if k != kb || !shared && !slices.Equal(batchA, b.shape[:b.Dims()-2]) {
		panic(fmt.Sprintf("nn: MatMul: shapes %v and %v (transA=%v, transB=%v) do not multiply", a.shape, b.shape, transA, transB))
	}
	batch := numel("MatMul", batchA)
	shape := append(slices.Clone(batchA), m, n)
	out := g.result(shape, a, b)
	sa, sb, sc := ar*ac, br*bc, m*n
	if shared {
		sb = 0
	}
	if shared && !transA {
		// All rows of A form one matrix: one product instead of a batch.
		// The backward pass below sees these flattened sizes too, which
		// describe the same products.
		m, batch, sa, sc = batch*m, 1, batch*sa, batch*sc
	}
	batched(transA, transB, batch, m, n, k, a.data, sa, ac, b.data, sb, bc, 0, out.data, sc, n)
	g.onBackward(out, func() {
		gc := out.grad
		if a.requiresGrad {
			ga, fresh := a.gradFor()
			beta := betaFor[T](fresh)
			if !transA {
				// dA = dC·op(B)ᵀ
				batched(false, !transB, batch, m, k, n, gc, sc, n, b.data, sb, bc, beta, ga, sa, ac)
			} else {
				// dA = op(B)·dCᵀ
				batched(transB, true, batch, k, m, n, b.data, sb, bc, gc, sc, n, beta, ga, sa, ac)
			}
		}
		if b.requiresGrad {
			gb, fresh := b.gradFor()
			beta := betaFor[T](fresh)
			switch {
			case shared && !transA && !transB:
				// all rows of A are one matrix: dB = Aᵀ·dC
				gemm(true, false, k, n, batch*m, 1, a.data, ac, gc, n, beta, gb, bc)
			case shared && !transA && transB:
				gemm(true, false, n, k, batch*m, 1, gc, n, a.data, ac, beta, gb, bc)
			case !transB:
				// dB = op(A)ᵀ·dC
				batchedInto(shared, !transA, false, batch, k, n, m, a.data, sa, ac, gc, sc, n, beta, gb, sb, bc)
			default:
				// dB = dCᵀ·op(A)
				batchedInto(shared, true, transA, batch, n, k, m, gc, sc, n, a.data, sa, ac, beta, gb, sb, bc)
			}
		}
	})
	return out
}

// batched runs batch products c_p = op(a_p)·op(b_p) + beta·c_p with the given
// strides between matrices.
func batched[T Float](transA, transB bool, batch, m, n, k int, a []T, sa, lda int, b []T, sb, ldb int, beta T, c []T, sc, ldc int) {
	if cs, ok := any(c).([]float32); ok && batch > 1 {
		gemmBatched32(transA, transB, batch, m, n, k, any(a).([]float32), sa, lda, any(b).([]float32), sb, ldb, float32(beta), cs, sc, ldc)
		return
	}
	for p := range batch {
		gemm(transA, transB, m, n, k, 1, a[p*sa:], lda, b[p*sb:], ldb, beta, c[p*sc:], ldc)
	}
}

// batchedInto is batched for a c that may be shared by the whole batch
// (the gradient of a shared B), which then accumulates every product.
func batchedInto[T Float](shared, transA, transB bool, batch, m, n, k int, a []T, sa, lda int, b []T, sb, ldb int, beta T, c []T, sc, ldc int) {
	if !shared {
		batched(transA, transB, batch, m, n, k, a, sa, lda, b, sb, ldb, beta, c, sc, ldc)
		return
	}
	for p := range batch {
		gemm(transA, transB, m, n, k, 1, a[p*sa:], lda, b[p*sb:], ldb, beta, c, ldc)
		beta = 1
	}
}
