package tensor

import (
	"fmt"
	"sync"
)

// The quantized products follow llama.cpp: the float32 activations are
// quantized to 8 bits per value (blocks of 32 with an f16-rounded scale
// for Q8_0 and Q4_0 weights, blocks of 256 with a float32 scale for Q4_K,
// llama.cpp's Q8_0 and Q8_K), and each block's dot product is an integer
// sum scaled once.

// qActs is a vector quantized for the integer dot products.
type qActs struct {
	q []int8    // the quantized values
	d []float32 // scales: per 32 values (Q8_0) or 256 (Q8_K)
	// sums holds the sum of each 32 values of q (Q8_K only), for Q4_K's
	// mins: Σ(d·s·q − m)·x needs Σx per sub-block.
	sums []int16
}

// resize sets the lengths for n values quantized in blocks of bs.
func (a *qActs) resize(n, bs int) {
	a.q = grow(a.q, n)
	a.d = grow(a.d, n/bs)
	a.sums = grow(a.sums, n/32)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// quantizeActsQ8_0 is llama.cpp's quantize_row_q8_0 for activations, the
// scale kept as its f16 rounding (which is what llama.cpp stores).
func quantizeActsQ8_0(a *qActs, x []float32) {
	for b := range len(x) / 32 {
		xb := x[b*32 : b*32+32]
		var amax float32
		for _, v := range xb {
			if av := abs32(v); av > amax {
				amax = av
			}
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		a.d[b] = F16FromFloat32(d).Float32()
		q := a.q[b*32 : b*32+32]
		for j, v := range xb {
			q[j] = int8(roundAway(v * id))
		}
	}
}

// quantizeActsQ8K is llama.cpp's quantize_row_q8_K_ref, with the block
// sums kept per 32 values instead of per 16.
func quantizeActsQ8K(a *qActs, x []float32) {
	for b := range len(x) / 256 {
		xb := x[b*256 : b*256+256]
		q := a.q[b*256 : b*256+256]
		var amax, mx float32
		for _, v := range xb {
			if av := abs32(v); av > amax {
				amax, mx = av, v
			}
		}
		if amax == 0 {
			a.d[b] = 0
			clear(q)
			clear(a.sums[b*8 : b*8+8])
			continue
		}
		iscale := -127 / mx
		for j, v := range xb {
			// float32() rounds the product before nearestInt's magic
			// addition: Go may otherwise fuse the two into an FMA (arm64,
			// GOAMD64=v3), which ggml's reference does not do.
			q[j] = int8(min(127, nearestInt(float32(iscale*v))))
		}
		blockSums(a.sums[b*8:b*8+8], q)
		a.d[b] = 1 / iscale
	}
}

// quantizeActsQ8K is the package function quantizeActsQ8K, with qk's
// kernel where it has one.
func (qk *quantKernels) quantizeActsQ8K(a *qActs, x []float32) {
	if qk.quantizeQ8K == nil {
		quantizeActsQ8K(a, x)
		return
	}
	qk.quantizeQ8K(a.q, a.d, x)
	blockSums(a.sums, a.q)
}

// blockSums sets sums[s] to the sum of q's values 32s..32s+31.
func blockSums(sums []int16, q []int8) {
	for s := range sums {
		var sum int16
		for _, v := range q[32*s : 32*s+32] {
			sum += int16(v)
		}
		sums[s] = sum
	}
}

// quantKernels are the dot products of one quantized weight row with a
// quantized activation vector, for one kernel family. len(xd) is the
// number of blocks.
type quantKernels struct {
	dotQ8_0 func(w []byte, x []int8, xd []float32) float32
	dotQ4_0 func(w []byte, x []int8, xd []float32) float32
	dotQ4K  func(w []byte, x []int8, xd []float32, xs []int16) float32
	dotQ5K  func(w []byte, x []int8, xd []float32, xs []int16) float32
	dotQ6K  func(w []byte, x []int8, xd []float32) float32
	// dotQ4_0x4, where a family has it, computes four rows' products at
	// once: rows w[i·stride:] for i < 4. w must hold the fourth row.
	// Q8_0 has none: its four-row kernel read memory more slowly than one
	// row at a time, which is bound by memory bandwidth already (measured
	// on Zen 4), while Q4_0's one-row kernel is bound by its arithmetic.
	dotQ4_0x4 func(w []byte, stride int, x []int8, xd []float32, out *[4]float32)
	// dotQ4KRows, where a family has it, computes the Q4_K products of
	// len(y) consecutive rows (rb bytes apart) in one call.
	dotQ4KRows func(w []byte, rb int, x []int8, xd []float32, xs []int16, y []float32)
	// quantizeQ8_0, where a family has it, is quantizeActsQ8_0's loop
	// over blocks, bit for bit: q and d for len(d) blocks of x.
	quantizeQ8_0 func(q []int8, d []float32, x []float32)
	// quantizeQ8K likewise is quantizeActsQ8K's q and d (not its sums).
	quantizeQ8K func(q []int8, d []float32, x []float32)
	// int8Tile, where a family has it, is the integer prefill kernel
	// (see quant_gemm.go).
	int8Tile func(w, a *byte, nb int, out *[dotTileTokens * dotTileRows]float32)
	// panel8, where a family has it, packs eight rows of a weight panel
	// for int8Tile (packInt8Panel's rows, for Q8_0, Q4_0 and Q4_K).
	panel8 [numQTypes]func(dst, src *byte, rb, nb int)
}

// x4 returns the four-row kernel for format q, or nil.
func (qk *quantKernels) x4(q QType) func(w []byte, stride int, x []int8, xd []float32, out *[4]float32) {
	if q == Q4_0 {
		return qk.dotQ4_0x4
	}
	return nil
}

var genericQuantKernels = &quantKernels{dotQ8_0: dotQ8_0Generic, dotQ4_0: dotQ4_0Generic, dotQ4K: dotQ4KGeneric, dotQ5K: dotQ5KGeneric, dotQ6K: dotQ6KGeneric}

// quantKernelsFor returns the quantized dot products that go with a
// kernel family.
func quantKernelsFor(ks *kernelSet) *quantKernels {
	if qk := asmQuantKernels(ks.name); qk != nil {
		return qk
	}
	return genericQuantKernels
}

func dotQ8_0Generic(w []byte, x []int8, xd []float32) float32 {
	var sum float32
	for b := range xd {
		blk := w[b*34 : b*34+34]
		var s int32
		for j, v := range x[b*32 : b*32+32] {
			s += int32(int8(blk[2+j])) * int32(v)
		}
		sum += float32(s) * (halfAt(blk, 0) * xd[b])
	}
	return sum
}

func dotQ4_0Generic(w []byte, x []int8, xd []float32) float32 {
	var sum float32
	for b := range xd {
		blk := w[b*18 : b*18+18]
		xb := x[b*32 : b*32+32]
		var s int32
		for j := range 16 {
			s += (int32(blk[2+j]&0xf) - 8) * int32(xb[j])
			s += (int32(blk[2+j]>>4) - 8) * int32(xb[16+j])
		}
		sum += float32(s) * (halfAt(blk, 0) * xd[b])
	}
	return sum
}

func dotQ4KGeneric(w []byte, x []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := w[b*144 : b*144+144]
		xb := x[b*256 : b*256+256]
		q := blk[16:144]
		var dots, mins int32
		for s := range 8 {
			sc, m := scaleMinK4(s, blk[4:16])
			var dot int32
			half := q[32*(s/2) : 32*(s/2)+32]
			for l, v := range xb[32*s : 32*s+32] {
				nib := half[l] & 0xf
				if s%2 == 1 {
					nib = half[l] >> 4
				}
				dot += int32(nib) * int32(v)
			}
			dots += int32(sc) * dot
			mins += int32(m) * int32(xs[b*8+s])
		}
		sum += xd[b]*halfAt(blk, 0)*float32(dots) - xd[b]*halfAt(blk, 2)*float32(mins)
	}
	return sum
}

// GemvQ computes y = A·x for an m×n matrix A in format q, row r stored in
// a[r·q.RowBytes(n):], as llama.cpp does: x is quantized to 8 bits per
// value (see the package documentation) and every block's product summed
// in integers. n must be a multiple of q.BlockSize(); it panics on that or
// on length mismatches. Large products are split over GOMAXPROCS
// goroutines by rows of A.
func GemvQ(q QType, m, n int, a []byte, x, y []float32) {
	GemmQ(q, 1, m, n, x, n, a, y, m)
}

// GemmQ computes c = x·Aᵀ for rows rows of x (row stride ldx, n values
// each) and the m×n matrix A in format q (as GemvQ): row i of c (stride
// ldc) holds the m products of x's row i with A's rows. Up to
// gemmQWidenRows rows, each row of x is quantized once and blocks of A's
// rows are reused from cache for every row of x; from there on, blocks of
// A are dequantized to float32 and multiplied by the float32 GEMM, whose
// register-blocked micro-kernel is faster than integer dot products taken
// one pair of rows at a time. It panics if n is not a multiple of q.BlockSize() or on length
// mismatches.
func GemmQ(q QType, rows, m, n int, x []float32, ldx int, a []byte, c []float32, ldc int) {
	rb := q.RowBytes(n)
	switch {
	case rows < 0 || m < 0:
		panic(fmt.Sprintf("tensor: GemmQ: negative dimension rows=%d m=%d", rows, m))
	case len(a) < m*rb:
		panic(fmt.Sprintf("tensor: GemmQ: A has %d bytes, %d %s rows of %d need %d", len(a), m, q, n, m*rb))
	}
	if rows == 0 || m == 0 {
		return
	}
	checkMatrix("x", rows, n, len(x), ldx)
	checkMatrix("c", rows, m, len(c), ldc)
	if rows >= gemmQWidenRows {
		if qk := quantKernelsFor(kernels()); qk.integerGemmQ(q) {
			gemmQInt8(qk, q, rows, m, n, x, ldx, a, c, ldc)
			return
		}
		gemmQWiden(q, rows, m, n, x, ldx, a, c, ldc)
		return
	}
	g := gemmQPool.Get().(*gemmQJob)
	g.q, g.rows, g.m, g.n, g.a, g.c, g.ldc = q, rows, m, n, a, c, ldc
	g.qk = quantKernelsFor(kernels())
	g.shared = nil
	g.quantizeX(x, ldx)
	work := rows * m * n
	g.parts = max(1, min(maxThreads(), work/gemvMinPart, m/16))
	parallel(g, g.parts, &g.ps)
	g.a, g.c = nil, nil
	gemmQPool.Put(g)
}

var gemmQPool = sync.Pool{New: func() any { return new(gemmQJob) }}

// gemmQJob is one GemmQ call; parts split A's rows.
type gemmQJob struct {
	q          QType
	rows, m, n int
	a          []byte
	c          []float32
	ldc        int
	qk         *quantKernels
	acts       []qActs // one per row of x, kept across uses
	// shared, when set, is another job's quantized x (GemvBatch ops with
	// one input), used instead of acts.
	shared []qActs
	parts  int
	ps     partSync
}

func (g *gemmQJob) quantizeX(x []float32, ldx int) {
	if cap(g.acts) < g.rows {
		g.acts = append(g.acts[:cap(g.acts)], make([]qActs, g.rows-cap(g.acts))...)
	}
	g.acts = g.acts[:g.rows]
	bs := 32
	if g.q.actsQ8K() {
		bs = 256
	}
	for i := range g.acts {
		act := &g.acts[i]
		act.resize(g.n, bs)
		xi := x[i*ldx : i*ldx+g.n]
		switch {
		case g.q.actsQ8K():
			g.qk.quantizeActsQ8K(act, xi)
		case g.qk.quantizeQ8_0 != nil:
			g.qk.quantizeQ8_0(act.q, act.d, xi)
		default:
			quantizeActsQ8_0(act, xi)
		}
	}
}

// gemmQBlock is the number of A's rows a part multiplies by every row of x
// before moving on: 16 rows of 4096 Q8_0 weights are 68 KiB, which stay
// in L2 while the rows of x stream past.
const gemmQBlock = 16

func (g *gemmQJob) runPart(part int, s *scratch) {
	lo, hi := span(g.m, gemmQBlock, g.parts, part)
	g.rowRange(lo, hi, &s.dot)
}

// rowRange computes the products with A's rows [lo, hi); out is the
// goroutine's scratch for the four-row kernels (a local array would be
// allocated on every call, since the kernel is called through a func
// value).
func (g *gemmQJob) rowRange(lo, hi int, out *[4]float32) {
	acts := g.acts
	if g.shared != nil {
		acts = g.shared
	}
	rb := g.q.RowBytes(g.n)
	for j0 := lo; j0 < hi; j0 += gemmQBlock {
		j1 := min(hi, j0+gemmQBlock)
		for i := range acts {
			act := &acts[i]
			ci := g.c[i*g.ldc:]
			j := j0
			if g.q == Q4_K && g.qk.dotQ4KRows != nil {
				g.qk.dotQ4KRows(g.a[j0*rb:j1*rb], rb, act.q, act.d, act.sums, ci[j0:j1])
				continue
			}
			if x4 := g.qk.x4(g.q); x4 != nil {
				for ; j+4 <= j1; j += 4 {
					x4(g.a[j*rb:(j+4)*rb], rb, act.q, act.d, out)
					copy(ci[j:j+4], out[:])
				}
			}
			for ; j < j1; j++ {
				w := g.a[j*rb : (j+1)*rb]
				switch g.q {
				case Q8_0:
					ci[j] = g.qk.dotQ8_0(w, act.q, act.d)
				case Q4_0:
					ci[j] = g.qk.dotQ4_0(w, act.q, act.d)
				case Q4_K:
					ci[j] = g.qk.dotQ4K(w, act.q, act.d, act.sums)
				case Q5_K:
					ci[j] = g.qk.dotQ5K(w, act.q, act.d, act.sums)
				case Q6_K:
					ci[j] = g.qk.dotQ6K(w, act.q, act.d)
				}
			}
		}
	}
}

// gemmQWidenRows is the number of rows of x from which GemmQ dequantizes A
// and runs the float32 GEMM: dequantizing costs about as much as
// streaming A through the integer dot products for 8 rows (measured on
// Zen 4), and the GEMM's micro-kernel is several times faster per product.
const gemmQWidenRows = 16

// gemmQWidenValues bounds the float32 copy of A's rows that GemmQ widens
// at once (4 MiB), so that prefill adds little to a step's memory.
const gemmQWidenValues = 1 << 20
