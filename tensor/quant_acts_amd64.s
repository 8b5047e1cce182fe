//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// quantizeQ8_0AVX2 is quantizeActsQ8_0 (llama.cpp's quantize_row_q8_0_ref)
// eight lanes at a time, with the same float32 operations in the same
// order, so that it gives the same bytes and scales.

VEC(qaAbs, 0x7fffffff)
VEC(qaSign, 0x80000000)
VEC(qaHalf, 0x3f000000) // 0.5
VEC(qaOne, 0x3f800000)  // 1
VEC(qa127, 0x42fe0000)  // 127
VEC(qa127i, 0x0000007f) // 127, as int32

// The int32 lanes that VPACKSSDW and VPACKSSWB leave interleaved by
// 128-bit lane, put back in order.
VEC8(qaPerm, 0, 4, 1, 5, 2, 6, 3, 7)

// HMAX sets every lane of X4 to the largest of Y4's eight lanes (uses
// X5).
#define HMAX \
	VEXTRACTF128 $1, Y4, X5 \
	VMAXPS X5, X4, X4 \
	VPERMILPS $0x4E, X4, X5 \
	VMAXPS X5, X4, X4 \
	VPERMILPS $0xB1, X4, X5 \
	VMAXPS X5, X4, X4

// ROUND_AWAY rounds the lanes of R to integers, half away from zero (C's
// roundf): truncate, then step away from zero where the dropped fraction
// is at least one half. Uses Y7–Y9.
#define ROUND_AWAY(R) \
	VROUNDPS $3, R, Y8 \
	VSUBPS Y8, R, Y9 \
	VANDPS Y15, Y9, Y9 \
	VCMPPS $0x1D, Y11, Y9, Y9 \
	VANDPS Y10, R, Y7 \
	VORPS Y13, Y7, Y7 \
	VANDPS Y9, Y7, Y7 \
	VADDPS Y7, Y8, R

// func quantizeQ8_0AVX2(q []int8, d []float32, x []float32)
TEXT ·quantizeQ8_0AVX2(SB), NOSPLIT, $0-72
	MOVQ q_base+0(FP), DI
	MOVQ d_base+24(FP), DX
	MOVQ d_len+32(FP), CX
	MOVQ x_base+48(FP), SI
	VMOVUPS qaAbs<>(SB), Y15
	VMOVUPS qaSign<>(SB), Y10
	VMOVUPS qaHalf<>(SB), Y11
	VMOVUPS qaOne<>(SB), Y13
	VMOVUPS qa127<>(SB), Y14
	VMOVUPS qaPerm<>(SB), Y12
	TESTQ CX, CX
	JZ    qadone

qaloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3

	// amax, in every lane of X4
	VANDPS Y15, Y0, Y4
	VANDPS Y15, Y1, Y5
	VMAXPS Y5, Y4, Y4
	VANDPS Y15, Y2, Y5
	VANDPS Y15, Y3, Y6
	VMAXPS Y6, Y5, Y5
	VMAXPS Y5, Y4, Y4
	HMAX

	// d = amax/127, stored as its f16 rounding; id = 1/d, or 0 if d is 0
	VDIVSS X14, X4, X5
	VCVTPS2PH $0, X5, X6
	VCVTPH2PS X6, X6
	VMOVSS X6, (DX)
	VDIVSS X5, X13, X6
	VXORPS X7, X7, X7
	VCMPSS $4, X7, X5, X7
	VANDPS X7, X6, X6
	VBROADCASTSS X6, Y6

	VMULPS Y6, Y0, Y0
	ROUND_AWAY(Y0)
	VMULPS Y6, Y1, Y1
	ROUND_AWAY(Y1)
	VMULPS Y6, Y2, Y2
	ROUND_AWAY(Y2)
	VMULPS Y6, Y3, Y3
	ROUND_AWAY(Y3)
	VCVTTPS2DQ Y0, Y0
	VCVTTPS2DQ Y1, Y1
	VCVTTPS2DQ Y2, Y2
	VCVTTPS2DQ Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD Y0, Y12, Y0
	VMOVDQU Y0, (DI)

	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  qaloop

qadone:
	VZEROUPPER
	RET

// quantizeQ8KAVX2 is quantizeActsQ8K (llama.cpp's quantize_row_q8_K_ref)
// without the block sums, eight lanes at a time: per block of 256, the
// largest magnitude, the first value with that magnitude (mx), iscale =
// −127/mx, q = min(127, round-to-nearest-even(iscale·x)) and d = 1/iscale;
// a block of zeros gets q = 0 and d = 0.

// func quantizeQ8KAVX2(q []int8, d []float32, x []float32)
TEXT ·quantizeQ8KAVX2(SB), NOSPLIT, $0-72
	MOVQ q_base+0(FP), DI
	MOVQ d_base+24(FP), DX
	MOVQ d_len+32(FP), CX
	MOVQ x_base+48(FP), SI
	VMOVUPS qaAbs<>(SB), Y15
	VMOVUPS qaPerm<>(SB), Y12
	VMOVUPS qa127i<>(SB), Y11
	TESTQ CX, CX
	JZ    q8kdone

q8kblock:
	// amax over the 256 values, in every lane of Y4
	VXORPS Y4, Y4, Y4
	XORQ   AX, AX

q8kmax:
	VANDPS (SI)(AX*1), Y15, Y5
	VMAXPS Y5, Y4, Y4
	ADDQ   $32, AX
	CMPQ   AX, $1024
	JLT    q8kmax
	HMAX
	VINSERTF128 $1, X4, Y4, Y4

	// a block of zeros (or amax NaN): q = 0, d = 0
	VXORPS X5, X5, X5
	VUCOMISS X5, X4
	JNE    q8kfind

q8kzeros:
	VPXOR  Y0, Y0, Y0
	XORQ   AX, AX

q8kzero:
	VMOVDQU Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, $256
	JLT     q8kzero
	MOVL    $0, (DX)
	JMP     q8knext

	// mx: the first value whose magnitude is amax
q8kfind:
	XORQ AX, AX

q8kscan:
	CMPQ  AX, $1024 // not found (a NaN among the values): as zeros
	JGE   q8kzeros
	VANDPS (SI)(AX*1), Y15, Y5
	VCMPPS $0, Y4, Y5, Y5
	VMOVMSKPS Y5, BX
	TESTL BX, BX
	JNZ   q8kfound
	ADDQ  $32, AX
	JMP   q8kscan

q8kfound:
	BSFL  BX, BX
	LEAQ  (AX)(BX*4), AX
	VMOVSS (SI)(AX*1), X5
	MOVL  $0xc2fe0000, BX // -127
	VMOVD BX, X6
	VDIVSS X5, X6, X6     // iscale = -127/mx
	MOVL  $0x3f800000, BX // 1
	VMOVD BX, X7
	VDIVSS X6, X7, X7     // d = 1/iscale
	VMOVSS X7, (DX)
	VBROADCASTSS X6, Y6
	XORQ  AX, AX
	XORQ  BX, BX

q8kquant:
	VMULPS (SI)(AX*1), Y6, Y0
	VMULPS 32(SI)(AX*1), Y6, Y1
	VMULPS 64(SI)(AX*1), Y6, Y2
	VMULPS 96(SI)(AX*1), Y6, Y3
	VCVTPS2DQ Y0, Y0
	VCVTPS2DQ Y1, Y1
	VCVTPS2DQ Y2, Y2
	VCVTPS2DQ Y3, Y3
	VPMINSD Y11, Y0, Y0
	VPMINSD Y11, Y1, Y1
	VPMINSD Y11, Y2, Y2
	VPMINSD Y11, Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD Y0, Y12, Y0
	VMOVDQU Y0, (DI)(BX*1)
	ADDQ  $128, AX
	ADDQ  $32, BX
	CMPQ  BX, $256
	JLT   q8kquant

q8knext:
	ADDQ $1024, SI
	ADDQ $256, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q8kblock

q8kdone:
	VZEROUPPER
	RET
