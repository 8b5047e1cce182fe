package tensor

import "sync"

// Products of many rows with a quantized matrix (prefill, scoring) run on
// the float32 GEMM: the quantized rows are dequantized once per call
// straight into the packed layout the micro-kernel reads (a PackedB of
// Aᵀ), which every row of x then reuses. Dequantizing into a row-major
// copy and letting Gemm pack that copy cost more than the multiplications
// it fed: on a Llama-110M prefill of 128 tokens (Zen 4, one thread) the
// transposing pack, the copy and the dequantization took 45% of the time.

// quantPack is the reusable state of gemmQWiden: the packed, dequantized
// chunk of A's rows and the job that fills it.
type quantPack struct {
	p     PackedB
	buf   []float32 // backing array of p.data
	q     QType
	a     []byte // the chunk's quantized rows
	rb    int    // bytes per quantized row
	parts int
	ps    partSync
}

var quantPackPool = sync.Pool{New: func() any { return new(quantPack) }}

// pack dequantizes the n rows of k weights in a (format q) into qp.p as
// PackB(true, k, n, Dequantize(a), k) would pack them, with the kernel
// family ks, in parallel parts of whole slivers.
func (qp *quantPack) pack(ks *kernelSet, q QType, k, n int, a []byte) {
	qp.q, qp.a, qp.rb = q, a, q.RowBytes(k)
	qp.p = PackedB{ks: ks, k: k, n: n, kc: sliceDepth(k, ks.kc), npad: ceilDiv(n, ks.nr) * ks.nr}
	qp.p.data = floats(&qp.buf, k*qp.p.npad)
	slivers := qp.p.npad / ks.nr
	qp.parts = max(1, min(maxThreads(), k*n/gemvMinPart, slivers))
	parallel(qp, qp.parts, &qp.ps)
	qp.a = nil
}

// panelDequantizer widens one block of 8 consecutive rows of quantized
// weights (row j at src[j·rb:], the block at its start) into a packed
// panel: dst[p·nr + j] is weight p of row j, for p < the block size and
// j < 8. For the K-quants, dm holds the rows' sub-block scales
// (q4KScales, q6KBlockScales).
type panelDequantizer func(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)

func (qp *quantPack) runPart(part int, s *scratch) {
	nr := qp.p.ks.nr
	lo, hi := span(qp.p.npad/nr, 1, qp.parts, part)
	dq := panelDequantizerFor(qp.p.ks, qp.q)
	for sl := lo; sl < hi; sl++ {
		if dq != nil && (sl+1)*nr <= qp.p.n {
			qp.packSliverAsm(sl*nr, dq, floats(&s.row, qp.q.BlockSize()*nr))
		} else {
			qp.packSliver(sl*nr, floats(&s.row, qp.q.BlockSize()))
		}
	}
}

// packSliverAsm is packSliver for a sliver of nr whole rows with an
// assembly dequantizer dq: a block's panel rows are contiguous where the
// block lies in one k slice, and dq writes them in place, 8 of A's rows
// at a time; a block that a slice boundary cuts is widened into tmp
// (block size × nr values) and its panel rows copied to the two slices.
func (qp *quantPack) packSliverAsm(j0 int, dq panelDequantizer, tmp []float32) {
	p := &qp.p
	nr, bs, bb := p.ks.nr, qp.q.BlockSize(), qp.q.BlockBytes()
	rows := qp.a[j0*qp.rb : (j0+nr)*qp.rb]
	var dm [16][8]float32
	for b := range p.k / bs {
		k0 := b * bs
		pc := k0 / p.kc * p.kc
		kb := min(p.kc, p.k-pc)
		whole := k0+bs <= pc+kb
		dst := tmp[:bs*nr]
		if whole {
			off := pc*p.npad + j0*kb + (k0-pc)*nr
			dst = p.data[off : off+bs*nr]
		}
		for g := 0; g < nr; g += 8 {
			src := rows[g*qp.rb+b*bb : (g+7)*qp.rb+(b+1)*bb]
			switch qp.q {
			case Q4_K, Q5_K:
				q4KScales(&dm, src, qp.rb)
			case Q6_K:
				q6KBlockScales(&dm, src, qp.rb)
			}
			dq(dst[g:], nr, src, qp.rb, &dm)
		}
		if whole {
			continue
		}
		for i := range bs {
			k := k0 + i
			pc := k / p.kc * p.kc
			kb := min(p.kc, p.k-pc)
			off := pc*p.npad + j0*kb + (k-pc)*nr
			copy(p.data[off:off+nr], tmp[i*nr:i*nr+nr])
		}
	}
}

// q4KScales sets dm[2s][j] and dm[2s+1][j] to d·scale and dmin·min of
// sub-block s of the Q4_K (or Q5_K: the same first 16 bytes) block at
// src[j·rb:], for 8 rows j: the factors Dequantize computes, rounded to
// float32 alike.
func q4KScales(dm *[16][8]float32, src []byte, rb int) {
	for j := range 8 {
		blk := src[j*rb : j*rb+144]
		d, dmin := halfAt(blk, 0), halfAt(blk, 2)
		for s := range 8 {
			sc, m := scaleMinK4(s, blk[4:16])
			dm[2*s][j] = d * float32(sc)
			dm[2*s+1][j] = float32(dmin * float32(m))
		}
	}
}

// packSliver fills the nr-column sliver of op(B) = Aᵀ that starts at
// column j0 (A's row j0) in every k slice: each block of each of its rows
// is dequantized into tmp (one block long) and scattered down its column,
// and the columns past A's last row are zero.
func (qp *quantPack) packSliver(j0 int, tmp []float32) {
	p := &qp.p
	nr, bs, bb := p.ks.nr, qp.q.BlockSize(), qp.q.BlockBytes()
	cols := min(nr, p.n-j0)
	for b := range p.k / bs {
		for j := range nr {
			if j < cols {
				row := qp.a[(j0+j)*qp.rb+b*bb : (j0+j)*qp.rb+(b+1)*bb]
				dequantizeBlock(qp.q, tmp, row)
			} else {
				clear(tmp)
			}
			// The block's weights fall into one or two k slices.
			for p0 := b * bs; p0 < (b+1)*bs; {
				pc := p0 / p.kc * p.kc
				kb := min(p.kc, p.k-pc)
				end := min((b+1)*bs, pc+kb)
				sliver := p.data[pc*p.npad+j0*kb : pc*p.npad+(j0+nr)*kb]
				src := tmp[p0-b*bs : end-b*bs]
				d := sliver[(p0-pc)*nr+j:]
				for i, v := range src {
					d[i*nr] = v
				}
				p0 = end
			}
		}
	}
}

// q6KBlockScales sets dm[g][j] to d·scale of the 16 weights g of the Q6_K
// block at src[j·rb:], for 8 rows j, rounded to float32 as Dequantize
// rounds it before multiplying by q − 32.
func q6KBlockScales(dm *[16][8]float32, src []byte, rb int) {
	for j := range 8 {
		blk := src[j*rb : j*rb+q6KBlockBytes]
		d := halfAt(blk, q6KHalf)
		for g := range 16 {
			dm[g][j] = d * float32(int8(blk[q6KScales+g]))
		}
	}
}

// dequantizeBlock widens one block x of format q into y (q.BlockSize()
// values), as Dequantize does, without its checks for the 32-weight
// formats.
func dequantizeBlock(q QType, y []float32, x []byte) {
	switch q {
	case Q8_0:
		d := halfAt(x, 0)
		x = x[2:34]
		y = y[:32]
		for j, v := range x {
			y[j] = float32(int8(v)) * d
		}
	case Q4_0:
		d := halfAt(x, 0)
		x = x[2:18]
		y = y[:32]
		for j, v := range x {
			y[j] = float32(int(v&0xf)-8) * d
			y[j+16] = float32(int(v>>4)-8) * d
		}
	default:
		Dequantize(q, y[:q.BlockSize()], x[:q.BlockBytes()])
	}
}

// gemmQWiden is GemmQ from gemmQWidenRows rows on: chunks of A's rows
// (about gemmQWidenValues weights each) are dequantized into the packed
// layout and multiplied by GemmPacked.
func gemmQWiden(q QType, rows, m, n int, x []float32, ldx int, a []byte, c []float32, ldc int) {
	ks := kernels()
	rb := q.RowBytes(n)
	chunk := max(ks.nr, gemmQWidenValues/n/ks.nr*ks.nr)
	qp := quantPackPool.Get().(*quantPack)
	for j0 := 0; j0 < m; j0 += chunk {
		j1 := min(m, j0+chunk)
		qp.pack(ks, q, n, j1-j0, a[j0*rb:j1*rb])
		GemmPacked(false, rows, 1, x, ldx, &qp.p, 0, c[j0:], ldc)
	}
	qp.p.data = nil
	quantPackPool.Put(qp)
}
