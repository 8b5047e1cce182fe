package tensor

// Q6_K is llama.cpp's 6-bit K-quant (block_q6_K), the format of the
// output matrix and some ffn_down matrices in the Q4_K_M and Q5_K_M GGUF
// files that Ollama and LM Studio users download. A block of 256 weights
// is 210 bytes:
//
//	ql[128]     low 4 bits of each 6-bit q
//	qh[64]      high 2 bits of each q
//	scales[16]  int8 scale of each 16 consecutive weights
//	d           f16 super-block scale
//
// and weight i is d·scales[i/16]·(q−32). Within each half of 128 weights
// (ql[64h:], qh[32h:]), weight 32k+l (k < 4, l < 32) has its low bits in
// ql[l] (k = 0, 2: low and high nibble) or ql[32+l] (k = 1, 3), and its
// high bits in bits 2k and 2k+1 of qh[l].
const (
	q6KBlockBytes = 210
	q6KScales     = 192 // offset of scales in a block
	q6KHalf       = 208 // offset of d
)

// q6KLevel returns the 6-bit q (0..63) of weight 32k+l of the 128-weight
// half whose low bits are ql and high bits qh.
func q6KLevel(ql, qh []byte, k, l int) int8 {
	lo := ql[l+32*(k&1)]
	if k >= 2 {
		lo >>= 4
	}
	return int8(lo&0xf | (qh[l]>>(2*k)&3)<<4)
}

// dequantizeBlockQ6K is ggml's dequantize_row_q6_K for one block: the
// products d·scale·(q−32) are taken left to right in float32, as the C
// code does.
func dequantizeBlockQ6K(y []float32, x []byte) {
	d := halfAt(x, q6KHalf)
	sc := x[q6KScales : q6KScales+16]
	for h := range 2 {
		ql, qh := x[64*h:64*h+64], x[128+32*h:128+32*h+32]
		for k := range 4 {
			for l := range 32 {
				i := 128*h + 32*k + l
				y[i] = d * float32(int8(sc[i/16])) * float32(q6KLevel(ql, qh, k, l)-32)
			}
		}
	}
}

// quantizeBlockQ6K is ggml's quantize_row_q6_K_ref for one block (what
// llama-quantize does without an importance matrix): a scale per 16
// weights from makeQXQuants, the scales quantized to int8 against the
// largest one, then each weight rounded against its quantized scale.
func quantizeBlockQ6K(y []byte, x []float32) {
	var (
		levels [256]int8
		scales [16]float32
	)
	var maxScale, maxAbsScale float32
	for j := range 16 {
		s := makeQXQuants(32, x[16*j:16*j+16], levels[16*j:16*j+16])
		scales[j] = s
		if a := abs32(s); a > maxAbsScale {
			maxAbsScale, maxScale = a, s
		}
	}
	clear(y)
	if maxAbsScale < groupMaxEps {
		return // all zero: d = 0 (f16 zero is two zero bytes)
	}
	iscale := -128 / maxScale
	putHalf(y, q6KHalf, 1/iscale)
	sc := y[q6KScales : q6KScales+16]
	for j := range 16 {
		sc[j] = byte(int8(min(127, nearestInt(float32(iscale*scales[j])))))
	}
	dh := halfAt(y, q6KHalf)
	for j := range 16 {
		d := dh * float32(int8(sc[j]))
		if d == 0 {
			continue // the levels stay as makeQXQuants chose them
		}
		for i := range 16 {
			l := nearestInt(x[16*j+i] / d)
			levels[16*j+i] = int8(max(-32, min(31, l)) + 32)
		}
	}
	for h := range 2 {
		ql, qh := y[64*h:64*h+64], y[128+32*h:128+32*h+32]
		L := levels[128*h : 128*h+128]
		for l := range 32 {
			q1, q2, q3, q4 := uint8(L[l]), uint8(L[l+32]), uint8(L[l+64]), uint8(L[l+96])
			ql[l] = q1&0xf | q3<<4
			ql[l+32] = q2&0xf | q4<<4
			qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
		}
	}
}

// groupMaxEps is ggml's GROUP_MAX_EPS: a group whose largest magnitude is
// below it is all zero.
const groupMaxEps = 1e-15

// makeQXQuants is ggml's make_qx_quants with rmse_type 1 and no
// importance weights (the case quantize_row_q6_K_ref uses): levels
// L = q+nmax for q in [−nmax, nmax−1], weighted by x², the scale searched
// over 18 candidates around nmax/max. Every product is rounded to float32
// before it is added, as the C code compiled without FMA contraction does.
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	var mx, amax float32
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax, mx = a, v
		}
	}
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	fmax := float32(nmax)
	level := func(iscale, v float32) int {
		return max(-nmax, min(nmax-1, nearestInt(float32(iscale*v))))
	}
	sums := func(iscale float32) (sumLX, sumL2 float32) {
		for _, v := range x {
			fl := float32(level(iscale, v))
			w := float32(v * v)
			sumLX += float32(float32(w*v) * fl)
			sumL2 += float32(float32(w*fl) * fl)
		}
		return sumLX, sumL2
	}
	iscale := -fmax / mx
	for i, v := range x {
		L[i] = int8(level(iscale, v) + nmax)
	}
	sumLX, sumL2 := sums(iscale)
	var scale float32
	if sumL2 != 0 {
		scale = sumLX / sumL2
	}
	best := scale * sumLX
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(fmax + float32(float32(0.1)*float32(is))) / mx
		sumLX, sumL2 = sums(iscale)
		if sumL2 > 0 && float32(sumLX*sumLX) > float32(best*sumL2) {
			for i, v := range x {
				L[i] = int8(level(iscale, v) + nmax)
			}
			scale = sumLX / sumL2
			best = scale * sumLX
		}
	}
	return scale
}

// dotQ6KGeneric is the product of len(xd) blocks of Q6_K weights with Q8_K
// activations x (256 per block, scaled by xd), as ggml_vec_dot_q6_K_q8_K:
// per block, Σ scale·Σ(q−32)·x is summed exactly in int32 (at most
// 256·32·128·128 < 2³¹ in magnitude) and scaled once by d·xd.
func dotQ6KGeneric(w []byte, x []int8, xd []float32) float32 {
	var sum float32
	for b := range xd {
		blk := w[b*q6KBlockBytes : (b+1)*q6KBlockBytes]
		xb := x[b*256 : b*256+256]
		sc := blk[q6KScales : q6KScales+16]
		var isum int32
		for h := range 2 {
			ql, qh, xh := blk[64*h:64*h+64], blk[128+32*h:128+32*h+32], xb[128*h:128*h+128]
			for g := range 2 { // l in [16g, 16g+16): sub-blocks 8h+g+2k
				var s0, s1, s2, s3 int32
				for l := 16 * g; l < 16*g+16; l++ {
					lo, hi, hb := ql[l], ql[l+32], qh[l]
					s0 += (int32(lo&0xf|(hb&3)<<4) - 32) * int32(xh[l])
					s1 += (int32(hi&0xf|(hb>>2&3)<<4) - 32) * int32(xh[l+32])
					s2 += (int32(lo>>4|(hb>>4&3)<<4) - 32) * int32(xh[l+64])
					s3 += (int32(hi>>4|(hb>>6)<<4) - 32) * int32(xh[l+96])
				}
				s := sc[8*h+g:]
				isum += int32(int8(s[0]))*s0 + int32(int8(s[2]))*s1 + int32(int8(s[4]))*s2 + int32(int8(s[6]))*s3
			}
		}
		sum += halfAt(blk, q6KHalf) * xd[b] * float32(isum)
	}
	return sum
}

// actsQ8K reports whether products with q's weights take Q8_K activations
// (blocks of 256 with a float32 scale, the K-quants) rather than Q8_0.
func (q QType) actsQ8K() bool { return q == Q4_K || q == Q5_K || q == Q6_K }
