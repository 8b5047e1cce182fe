package tensor

import (
	"fmt"
	"math"
)

// QType is one of llama.cpp's (ggml's) block-quantized weight formats. A
// row of n weights is stored as n/BlockSize() blocks of BlockBytes() bytes
// each, byte for byte as in a GGUF file, so that a mapped file is used in
// place:
//
//	Q8_0  32 weights: f16 scale d, then 32 int8 q;    w = d·q
//	Q4_0  32 weights: f16 scale d, then 16 bytes;     w = d·(q−8), q = 4 bits,
//	      weight j in the low nibble of byte j, weight 16+j in its high nibble
//	Q4_K  256 weights: f16 d, f16 dmin, 12 bytes of eight 6-bit scales and
//	      eight 6-bit mins, then 128 bytes of 4-bit q; sub-block s of 32
//	      weights is w = d·scale[s]·q − dmin·min[s], sub-blocks 2i and 2i+1
//	      sharing bytes 32i..32i+31 (low and high nibbles)
//	Q5_K  256 weights: f16 d, f16 dmin, Q4_K's 12 scale bytes, 32 bytes
//	      of fifth bits, 128 of low 4 bits; w = d·scale[s]·q − dmin·min[s]
//	      (see quant_q5k.go)
//	Q6_K  256 weights: 128 bytes of low 4 bits, 64 of high 2 bits, 16
//	      int8 scales, f16 d; w = d·scale[i/16]·(q−32) (see quant_q6k.go)
//
// All multi-byte fields are little-endian.
type QType uint8

// The block-quantized formats, with ggml's type numbers' names.
const (
	Q8_0 QType = iota + 1
	Q4_0
	Q4_K
	Q6_K
	Q5_K
	numQTypes // one past the last, for tables indexed by QType
)

// QTypes lists the quantized formats the package implements.
func QTypes() []QType { return []QType{Q8_0, Q4_0, Q4_K, Q5_K, Q6_K} }

// ParseQType returns the format named s ("q8_0", "q4_0", "q4_k", "q5_k" or "q6_k", in any
// case), or an error naming the choices.
func ParseQType(s string) (QType, error) {
	for _, q := range QTypes() {
		if equalFold(s, q.String()) {
			return q, nil
		}
	}
	return 0, fmt.Errorf("tensor: unknown quantized type %q (have q8_0, q4_0, q4_k, q5_k, q6_k)", s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// String returns the lower-case name: "q8_0", "q4_0", "q4_k", "q5_k" or
// "q6_k".
func (q QType) String() string {
	switch q {
	case Q8_0:
		return "q8_0"
	case Q4_0:
		return "q4_0"
	case Q4_K:
		return "q4_k"
	case Q5_K:
		return "q5_k"
	case Q6_K:
		return "q6_k"
	}
	return fmt.Sprintf("QType(%d)", uint8(q))
}

// BlockSize is the number of weights in one block.
func (q QType) BlockSize() int {
	if q.actsQ8K() { // the K-quants
		return 256
	}
	return 32
}

// BlockBytes is the size of one block in bytes.
func (q QType) BlockBytes() int {
	switch q {
	case Q8_0:
		return 34
	case Q4_0:
		return 18
	case Q4_K:
		return 144
	case Q5_K:
		return q5KBlockBytes
	case Q6_K:
		return q6KBlockBytes
	}
	panic(fmt.Sprintf("tensor: invalid QType %d", uint8(q)))
}

// RowBytes is the size of a row of n weights; n must be a multiple of
// BlockSize (it panics otherwise).
func (q QType) RowBytes(n int) int {
	if n%q.BlockSize() != 0 {
		panic(fmt.Sprintf("tensor: %s row of %d weights is not a whole number of %d-weight blocks", q, n, q.BlockSize()))
	}
	return n / q.BlockSize() * q.BlockBytes()
}

// Quantize writes src, a whole number of blocks, to dst in format q with
// llama.cpp's reference quantizers (quantize_row_q8_0_ref,
// quantize_row_q4_0_ref and quantize_row_q{4,5,6}_K_ref): the same bytes that
// llama-quantize writes without an importance matrix. It panics if len(src)
// is not a multiple of the block size or dst is not q.RowBytes(len(src))
// long.
func Quantize(q QType, dst []byte, src []float32) {
	if len(dst) != q.RowBytes(len(src)) {
		panic(fmt.Sprintf("tensor: Quantize: dst has %d bytes, %d %s weights need %d", len(dst), len(src), q, q.RowBytes(len(src))))
	}
	bs, bb := q.BlockSize(), q.BlockBytes()
	for b := range len(src) / bs {
		x, y := src[b*bs:(b+1)*bs], dst[b*bb:(b+1)*bb]
		switch q {
		case Q8_0:
			quantizeBlockQ8_0(y, x)
		case Q4_0:
			quantizeBlockQ4_0(y, x)
		case Q4_K:
			quantizeBlockQ4K(y, x)
		case Q5_K:
			quantizeBlockQ5K(y, x)
		case Q6_K:
			quantizeBlockQ6K(y, x)
		}
	}
}

// Dequantize widens src, blocks of format q, into dst, exactly as
// llama.cpp's dequantize_row_* do (the same float32 bits). It panics if
// len(dst) is not a multiple of the block size or src is not
// q.RowBytes(len(dst)) long.
func Dequantize(q QType, dst []float32, src []byte) {
	if len(src) != q.RowBytes(len(dst)) {
		panic(fmt.Sprintf("tensor: Dequantize: src has %d bytes, %d %s weights need %d", len(src), len(dst), q, q.RowBytes(len(dst))))
	}
	bs, bb := q.BlockSize(), q.BlockBytes()
	for b := range len(dst) / bs {
		x, y := src[b*bb:(b+1)*bb], dst[b*bs:(b+1)*bs]
		switch q {
		case Q8_0:
			d := halfAt(x, 0)
			for j := range 32 {
				y[j] = float32(int8(x[2+j])) * d
			}
		case Q4_0:
			d := halfAt(x, 0)
			for j := range 16 {
				y[j] = float32(int(x[2+j]&0xf)-8) * d
				y[j+16] = float32(int(x[2+j]>>4)-8) * d
			}
		case Q4_K:
			dequantizeBlockQ4K(y, x)
		case Q5_K:
			dequantizeBlockQ5K(y, x)
		case Q6_K:
			dequantizeBlockQ6K(y, x)
		}
	}
}

func halfAt(b []byte, off int) float32 {
	return F16(uint16(b[off]) | uint16(b[off+1])<<8).Float32()
}

func putHalf(b []byte, off int, f float32) {
	h := F16FromFloat32(f)
	b[off], b[off+1] = byte(h), byte(h>>8)
}

// roundAway rounds half away from zero, as C's roundf.
func roundAway(f float32) float32 {
	return float32(math.Round(float64(f)))
}

// nearestInt is ggml's nearest_int: round to nearest, ties to even, through
// the float32 magic-number addition (valid for |f| ≤ 4194303). Callers
// pass a product as float32(a*b): Go may fuse a multiplication with a
// following addition into one FMA (arm64 always, amd64 from GOAMD64=v3),
// even across statements, and only an explicit conversion stops it.
func nearestInt(f float32) int {
	v := f + 12582912
	return int(math.Float32bits(v)&0x007fffff) - 0x00400000
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

func quantizeBlockQ8_0(y []byte, x []float32) {
	var amax float32
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax = a
		}
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(y, 0, d)
	for j, v := range x {
		y[2+j] = byte(int8(roundAway(v * id)))
	}
}

func quantizeBlockQ4_0(y []byte, x []float32) {
	var amax, mx float32
	for _, v := range x {
		if amax < abs32(v) {
			amax, mx = abs32(v), v
		}
	}
	d := mx / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(y, 0, d)
	for j := range 16 {
		// (int8_t)(x*id + 8.5f) truncates toward zero; x*id is in [-8, 8],
		// rounded to float32 before the addition (no FMA, as the reference).
		x0 := min(15, int8(float32(x[j]*id)+8.5))
		x1 := min(15, int8(float32(x[16+j]*id)+8.5))
		y[2+j] = byte(x0) | byte(x1)<<4
	}
}

// scaleMinK4 unpacks the 6-bit scale and min of sub-block j from a Q4_K
// block's 12 scale bytes (ggml's get_scale_min_k4).
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

func dequantizeBlockQ4K(y []float32, x []byte) {
	d, dmin := halfAt(x, 0), halfAt(x, 2)
	scales, q := x[4:16], x[16:144]
	for i := range 4 {
		sc, m := scaleMinK4(2*i, scales)
		// The mins are rounded products too: the subtraction below
		// would otherwise fuse with them (FMSUB on arm64).
		d1, m1 := d*float32(sc), float32(dmin*float32(m))
		sc, m = scaleMinK4(2*i+1, scales)
		d2, m2 := d*float32(sc), float32(dmin*float32(m))
		for l := range 32 {
			// float32() around the product keeps Go from fusing it into
			// an FMA, which ggml's reference does not do.
			y[64*i+l] = float32(d1*float32(q[32*i+l]&0xf)) - m1
			y[64*i+32+l] = float32(d2*float32(q[32*i+l]>>4)) - m2
		}
	}
}

func quantizeBlockQ4K(y []byte, x []float32) {
	var levels [256]uint8
	sc := y[4:16]
	clear(sc)
	quantizeKLevels(y, sc, x, &levels, 15, -1, 20)
	q := y[16:144]
	for j := 0; j < 256; j += 64 {
		for l := range 32 {
			q[j/2+l] = levels[j+l] | levels[j+l+32]<<4
		}
	}
}

// quantizeKLevels is the part of ggml's quantize_row_q4_K_ref and
// quantize_row_q5_K_ref that the two share: for each 32 weights of x a
// scale and a min by makeQKX2Quants over levels 0..nmax (its search from
// rmin in nstep steps), the eight scales and mins as 6-bit values packed
// into sc (which must be zero), d and dmin as halves in y[0:4], and then
// every weight's level against the rounded scales, in levels.
func quantizeKLevels(y, sc []byte, x []float32, levels *[256]uint8, nmax int, rmin float32, nstep int) {
	var (
		aux           [32]uint8
		weights       [32]float32
		scales, mins  [8]float32
		maxScl, maxMn float32
	)
	for j := range 8 {
		sub := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range sub {
			sumX2 += float32(v * v)
		}
		av := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range sub {
			weights[l] = av + abs32(v)
		}
		scales[j] = makeQKX2Quants(nmax, sub, weights[:], levels[32*j:32*j+32], &mins[j], aux[:], rmin, 0.1, nstep)
		if scales[j] > maxScl {
			maxScl = scales[j]
		}
		if mins[j] > maxMn {
			maxMn = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScl > 0 {
		invScale = 63 / maxScl
	}
	if maxMn > 0 {
		invMin = 63 / maxMn
	}
	for j := range 8 {
		ls := min(63, uint8(nearestInt(float32(invScale*scales[j]))))
		lm := min(63, uint8(nearestInt(float32(invMin*mins[j]))))
		if j < 4 {
			sc[j], sc[j+4] = ls, lm
		} else {
			sc[j+4] = ls&0xf | (lm&0xf)<<4
			sc[j-4] |= (ls >> 4) << 6
			sc[j] |= (lm >> 4) << 6
		}
	}
	putHalf(y, 0, maxScl/63)
	putHalf(y, 2, maxMn/63)
	d, dmin := halfAt(y, 0), halfAt(y, 2)
	for j := range 8 {
		s, m := scaleMinK4(j, sc)
		dj := d * float32(s)
		if dj == 0 {
			continue // the levels stay as makeQKX2Quants chose them
		}
		dm := float32(dmin * float32(m)) // no FMA with the addition below
		for i := range 32 {
			l := nearestInt((x[32*j+i] + dm) / dj)
			levels[32*j+i] = uint8(max(0, min(nmax, l)))
		}
	}
}

// makeQKX2Quants is ggml's make_qkx2_quants (squared error, no MAD): it
// chooses levels L in [0, nmax] for x with a scale and a min by a search
// over nstep+1 candidate scales, returning the scale and -min in theMin.
// Every product is rounded to float32 before it is added, as the C code
// compiled without FMA contraction does.
func makeQKX2Quants(nmax int, x, weights []float32, L []uint8, theMin *float32, aux []uint8, rmin, rdelta float32, nstep int) float32 {
	mn, mx := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < len(x); i++ {
		if x[i] < mn {
			mn = x[i]
		}
		if x[i] > mx {
			mx = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if mn > 0 {
		mn = 0
	}
	if mx == mn {
		for i := range x {
			L[i] = 0
		}
		*theMin = -mn
		return 0
	}
	fmax := float32(nmax)
	iscale := fmax / (mx - mn)
	scale := 1 / iscale
	var bestErr float32
	for i, v := range x {
		l := nearestInt(float32(iscale * (v - mn)))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := float32(scale*float32(L[i])) + mn - v
		bestErr += float32(weights[i] * float32(diff*diff))
	}
	for is := 0; is <= nstep; is++ {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + fmax) / (mx - mn)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := max(0, min(nmax, nearestInt(float32(iscale*(v-mn)))))
			aux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL += float32(w * fl)
			sumL2 += float32(float32(w*fl) * fl)
			sumXL += float32(float32(w*fl) * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curErr float32
			for i, v := range x {
				diff := float32(thisScale*float32(aux[i])) + thisMin - v
				curErr += float32(weights[i] * float32(diff*diff))
			}
			if curErr < bestErr {
				copy(L, aux[:len(x)])
				bestErr = curErr
				scale, mn = thisScale, thisMin
			}
		}
	}
	*theMin = -mn
	return scale
}
