package tensor

// Q5_K is llama.cpp's 5-bit K-quant (block_q5_K), the format of most
// matrices in the Q5_K_M GGUF files that Ollama and LM Studio users
// download. A block of 256 weights is 176 bytes:
//
//	d, dmin     f16 super-block scales
//	scales[12]  eight 6-bit scales and eight 6-bit mins, packed as Q4_K's
//	qh[32]      the fifth bit of each q
//	qs[128]     the low 4 bits of each q
//
// and sub-block s of 32 weights is w = d·scale[s]·q − dmin·min[s]. Within
// each 64 weights (qs[32i:]), weight 64i+l has its low bits in the low
// nibble of qs[32i+l] and its fifth bit in bit 2i of qh[l]; weight
// 64i+32+l the high nibble and bit 2i+1.
const (
	q5KBlockBytes = 176
	q5KScales     = 4  // offset of the 12 scale bytes
	q5KHigh       = 16 // offset of qh
	q5KLow        = 48 // offset of qs
)

// dequantizeBlockQ5K is ggml's dequantize_row_q5_K for one block, each
// product rounded to float32 before the min is subtracted, as the C code
// does.
func dequantizeBlockQ5K(y []float32, x []byte) {
	d, dmin := halfAt(x, 0), halfAt(x, 2)
	scales, qh, qs := x[q5KScales:q5KScales+12], x[q5KHigh:q5KHigh+32], x[q5KLow:q5KLow+128]
	for i := range 4 {
		sc, m := scaleMinK4(2*i, scales)
		d1, m1 := d*float32(sc), float32(dmin*float32(m))
		sc, m = scaleMinK4(2*i+1, scales)
		d2, m2 := d*float32(sc), float32(dmin*float32(m))
		for l := range 32 {
			q1 := qs[32*i+l]&0xf | (qh[l]>>(2*i)&1)<<4
			q2 := qs[32*i+l]>>4 | (qh[l]>>(2*i+1)&1)<<4
			y[64*i+l] = float32(d1*float32(q1)) - m1
			y[64*i+32+l] = float32(d2*float32(q2)) - m2
		}
	}
}

// quantizeBlockQ5K is ggml's quantize_row_q5_K_ref for one block: Q4_K's
// search for a scale and a min per 32 weights, with levels 0..31.
func quantizeBlockQ5K(y []byte, x []float32) {
	var levels [256]uint8
	clear(y)
	quantizeKLevels(y, y[q5KScales:q5KScales+12], x, &levels, 31, -0.5, 15)
	qh, qs := y[q5KHigh:q5KHigh+32], y[q5KLow:q5KLow+128]
	for i := range 4 {
		for l := range 32 {
			l1, l2 := levels[64*i+l], levels[64*i+32+l]
			qh[l] |= (l1>>4)<<(2*i) | (l2>>4)<<(2*i+1)
			qs[32*i+l] = l1&0xf | (l2&0xf)<<4
		}
	}
}

// dotQ5KGeneric is the product of len(xd) blocks of Q5_K weights with Q8_K
// activations x (scaled by xd, with xs the sums of each 32 values), as
// ggml_vec_dot_q5_K_q8_K: per block, Σ scale·Σq·x and Σ min·Σx are summed
// exactly in int32 and scaled once by d·xd and dmin·xd.
func dotQ5KGeneric(w []byte, x []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := w[b*q5KBlockBytes : (b+1)*q5KBlockBytes]
		xb := x[b*256 : b*256+256]
		scales, qh, qs := blk[q5KScales:q5KScales+12], blk[q5KHigh:q5KHigh+32], blk[q5KLow:q5KLow+128]
		var dots, mins int32
		for i := range 4 {
			var s1, s2 int32
			for l := range 32 {
				q, h := qs[32*i+l], qh[l]>>(2*i)
				s1 += int32(q&0xf|(h&1)<<4) * int32(xb[64*i+l])
				s2 += int32(q>>4|(h>>1&1)<<4) * int32(xb[64*i+32+l])
			}
			sc1, m1 := scaleMinK4(2*i, scales)
			sc2, m2 := scaleMinK4(2*i+1, scales)
			dots += int32(sc1)*s1 + int32(sc2)*s2
			mins += int32(m1)*int32(xs[b*8+2*i]) + int32(m2)*int32(xs[b*8+2*i+1])
		}
		sum += xd[b]*halfAt(blk, 0)*float32(dots) - xd[b]*halfAt(blk, 2)*float32(mins)
	}
	return sum
}
