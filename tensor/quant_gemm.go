package tensor

import (
	"encoding/binary"
	"math"
	"sync"
)

// Prefill with quantized weights on CPUs with 8-bit dot products (AVX-512
// VNNI) multiplies in integers, as llama.cpp does, instead of widening the
// weights to float32: one VPDPBUSD does 64 multiply-adds where an FMA does
// 16. Every row of x is quantized as for the GEMV (Q8_0 blocks of 32 with
// an f16-rounded scale, or Q8_K blocks of 256 for Q4_K), so prefill and
// decoding compute the same products. A block of 32 weights w = s·u − o, with u an unsigned byte
// (Q8_0: q+128, o = 128·d; Q4_0: the nibble, o = 8·d; Q4_K: the nibble,
// s = d·scale, o = dmin·min), gives Σw·x = s·dx·Σu·xq − o·dx·Σxq per block.

// The bytes per block of 32 columns in the integer kernel's weight panel
// and activation tile (a dotTileRows by dotTileTokens tile).
const (
	int8PanelBlock    = 8*dotTileRows*4 + 2*dotTileRows*4 // quads, s, o
	int8ActBlock      = 8*dotTileTokens*4 + 2*dotTileTokens*4
	int8ActScaleStart = 8 * dotTileTokens * 4
)

// IntegerGemmQ reports whether GemmQ multiplies many rows of x by a matrix
// in format q in 8-bit integers with the current kernels (see SetKernels),
// quantizing x as GemvQ does, rather than widening the weights to float32.
func IntegerGemmQ(q QType) bool { return quantKernelsFor(kernels()).integerGemmQ(q) }

// integerGemmQ reports whether qk has the integer prefill kernel and q's
// blocks fit it (blocks of 32 with one scale and offset each; Q5_K and
// Q6_K are left to the float32 path).
func (qk *quantKernels) integerGemmQ(q QType) bool {
	return qk.int8Tile != nil && int8Formats(q)
}

// int8Formats reports whether q's blocks fit the integer kernel.
func int8Formats(q QType) bool { return q == Q8_0 || q == Q4_0 || q == Q4_K }

// int8Job is one gemmQInt8 call: the packed activations, shared by every
// part, and the weight panels the parts pack and multiply.
type int8Job struct {
	q          QType
	qk         *quantKernels // with the integer kernels
	rows, m, n int
	x          []float32
	ldx        int
	a          []byte
	rb         int
	c          []float32
	ldc        int
	acts       []byte
	tmp        []qActs // per goroutine of the packing loop
	ps         partSync
}

var int8Jobs = sync.Pool{New: func() any { return new(int8Job) }}

// gemmQInt8 computes c = x·Aᵀ as GemmQ does, with qk's integer kernels
// (qk.integerGemmQ(q) must hold).
func gemmQInt8(qk *quantKernels, q QType, rows, m, n int, x []float32, ldx int, a []byte, c []float32, ldc int) {
	j := int8Jobs.Get().(*int8Job)
	defer func() {
		j.a, j.c = nil, nil
		int8Jobs.Put(j)
	}()
	j.q, j.qk, j.rows, j.m, j.n, j.a, j.rb, j.c, j.ldc = q, qk, rows, m, n, a, q.RowBytes(n), c, ldc
	nb, tiles := n/32, ceilDiv(rows, dotTileTokens)
	j.acts = grow(j.acts, tiles*nb*int8ActBlock)
	if len(j.tmp) < maxThreads() {
		j.tmp = make([]qActs, maxThreads())
	}
	j.x, j.ldx = x, ldx
	parallel((*int8PackActs)(j), tiles, &j.ps)
	j.x = nil
	parallel(j, ceilDiv(m, dotTileRows), &j.ps)
}

// int8PackActs is the first phase of an int8Job: part t quantizes and
// packs tile t of the rows of x. (A closure handed to ParallelFor would
// allocate on every call.)
type int8PackActs int8Job

func (p *int8PackActs) runPart(t int, s *scratch) {
	j := (*int8Job)(p)
	nb := j.n / 32
	packInt8Acts(j.acts[t*nb*int8ActBlock:(t+1)*nb*int8ActBlock], j.qk, j.q, j.x, j.ldx, j.rows, t*dotTileTokens, j.n, &j.tmp[s.worker])
}

func (j *int8Job) runPart(part int, s *scratch) {
	nb, tiles := j.n/32, ceilDiv(j.rows, dotTileTokens)
	s.bytes = grow(s.bytes, nb*int8PanelBlock)
	r0 := part * dotTileRows
	packInt8Panel(s.bytes, j.q, j.a, j.rb, j.m, r0, j.n, j.qk)
	for t := range tiles {
		j.qk.int8Tile(&s.bytes[0], &j.acts[t*nb*int8ActBlock], nb, &s.tileOut)
		storeDotTile(j.c, j.ldc, j.rows, t*dotTileTokens, j.m, r0, &s.tileOut)
	}
}

// packInt8Acts quantizes rows [t0, t0+6) of x (rows below nrows; the rest
// are zeros) as the GEMV does for weights in format q (Q8_0 blocks, or
// Q8_K blocks of 256 for the K-quants), and lays them out as the integer
// kernel reads them, one scale per block of 32.
func packInt8Acts(dst []byte, qk *quantKernels, q QType, x []float32, ldx, nrows, t0, n int, tmp *qActs) {
	nb := n / 32
	clear(dst)
	bs := 32
	if q.actsQ8K() {
		bs = 256
	}
	tmp.resize(n, bs)
	for i := range min(dotTileTokens, nrows-t0) {
		xi := x[(t0+i)*ldx : (t0+i)*ldx+n]
		switch {
		case bs == 256:
			qk.quantizeActsQ8K(tmp, xi)
		case qk.quantizeQ8_0 != nil:
			qk.quantizeQ8_0(tmp.q, tmp.d, xi)
		default:
			quantizeActsQ8_0(tmp, xi)
		}
		for b := range nb {
			blk := dst[b*int8ActBlock:]
			var sum int32
			for kq := range 8 {
				v := tmp.q[32*b+4*kq : 32*b+4*kq+4]
				sum += int32(v[0]) + int32(v[1]) + int32(v[2]) + int32(v[3])
				o := (kq*dotTileTokens + i) * 4
				blk[o], blk[o+1], blk[o+2], blk[o+3] = byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])
			}
			d := tmp.d[b*32/bs]
			putFloat(blk, int8ActScaleStart+4*i, d)
			putFloat(blk, int8ActScaleStart+4*dotTileTokens+4*i, d*float32(sum))
		}
	}
}

// packInt8Panel lays out rows [r0, r0+32) of the m×n matrix a (format q,
// rb bytes per row; rows from m on are zeros) as the integer kernel reads
// them: per block of 32 columns, the unsigned bytes u four per lane, then
// the rows' scales s and offsets o (w = s·u − o). Groups of eight whole
// rows go through qk's panel8 where it has one.
func packInt8Panel(dst []byte, q QType, a []byte, rb, m, r0, n int, qk *quantKernels) {
	nb := n / 32
	pack8 := qk.panel8[q]
	for g := 0; g < dotTileRows; g += 8 {
		if pack8 == nil || r0+g+8 > m {
			for r := g; r < g+8; r++ {
				packInt8Row(dst, q, a, rb, m, r0, r, nb)
			}
			continue
		}
		if q == Q4_K {
			pack8(&dst[4*g], &a[(r0+g)*rb], rb, nb/8)
			for r := g; r < g+8; r++ {
				packQ4KScales(dst, a[(r0+r)*rb:(r0+r+1)*rb], r, nb)
			}
			continue
		}
		pack8(&dst[4*g], &a[(r0+g)*rb], rb, nb)
	}
}

// packInt8Row is packInt8Panel for panel row r alone.
func packInt8Row(dst []byte, q QType, a []byte, rb, m, r0, r, nb int) {
	if r0+r >= m {
		for b := range nb {
			blk := dst[b*int8PanelBlock:]
			for kq := range 8 {
				binary.LittleEndian.PutUint32(blk[kq*128+4*r:], 0)
			}
			putFloat(blk, 1024+4*r, 0)
			putFloat(blk, 1152+4*r, 0)
		}
		return
	}
	row := a[(r0+r)*rb : (r0+r+1)*rb]
	if q == Q4_K {
		packQ4KScales(dst, row, r, nb)
	}
	for b := range nb {
		blk := dst[b*int8PanelBlock:]
		switch q {
		case Q8_0:
			src := row[b*34:]
			s := halfAt(src, 0)
			putFloat(blk, 1024+4*r, s)
			putFloat(blk, 1152+4*r, 128*s)
			for kq := range 8 {
				binary.LittleEndian.PutUint32(blk[kq*128+4*r:], binary.LittleEndian.Uint32(src[2+4*kq:])^0x80808080)
			}
		case Q4_0:
			src := row[b*18:]
			s := halfAt(src, 0)
			putFloat(blk, 1024+4*r, s)
			putFloat(blk, 1152+4*r, 8*s)
			for kq := range 4 {
				v := binary.LittleEndian.Uint32(src[2+4*kq:])
				binary.LittleEndian.PutUint32(blk[kq*128+4*r:], v&0x0F0F0F0F)
				binary.LittleEndian.PutUint32(blk[(kq+4)*128+4*r:], v>>4&0x0F0F0F0F)
			}
		case Q4_K:
			sb, sub := b/8, b%8
			qs := row[sb*144+16+32*(sub/2):]
			shift := 4 * uint(sub%2)
			for kq := range 8 {
				binary.LittleEndian.PutUint32(blk[kq*128+4*r:], binary.LittleEndian.Uint32(qs[4*kq:])>>shift&0x0F0F0F0F)
			}
		}
	}
}

// packQ4KScales writes a Q4_K row's sub-block scales s = d·scale and
// offsets o = dmin·min for panel row r.
func packQ4KScales(dst []byte, row []byte, r, nb int) {
	for sb := range nb / 8 {
		src := row[sb*144:]
		d, dmin := halfAt(src, 0), halfAt(src, 2)
		for sub := range 8 {
			sc, mn := scaleMinK4(sub, src[4:16])
			blk := dst[(sb*8+sub)*int8PanelBlock:]
			putFloat(blk, 1024+4*r, d*float32(sc))
			putFloat(blk, 1152+4*r, dmin*float32(mn))
		}
	}
}

func putFloat(b []byte, off int, f float32) {
	binary.LittleEndian.PutUint32(b[off:], math.Float32bits(f))
}
