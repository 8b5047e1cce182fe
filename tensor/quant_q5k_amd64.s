//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// Register use in dotQ5KAVX2: SI weights, DI activations, DX activation
// scales, R9 activation sums, CX blocks left; Y0 and X9 the float32
// accumulators of the scales' and the mins' terms, Y10 a block's int32
// sums, Y14 bytes 0x0F, Y13 bytes 0x10, Y6 the block's 32 bytes of fifth
// bits, R8 and R10 its eight 6-bit scales and mins, one a byte.

// Q5K_PAIR multiplies sub-blocks 2p and 2p+1 (the low and high nibbles of
// the 32 bytes at off(SI), with bits 2p and 2p+1 of the fifth-bit bytes
// moved to bit 4 by the shifts lop $lamt and hop $hamt) by the activations at
// xoff(DI) and xoff+32(DI) (|q·x| pairs at most 7936: no saturation),
// scales them by the 6-bit scales in bytes sh/8 and sh/8+1 of R8, and adds
// the int32 sums to Y10.
#define Q5K_PAIR(off, xoff, sh, lop, lamt, hop, hamt) \
	VMOVDQU off(SI), Y2 \
	VPAND Y14, Y2, Y3 \
	VPSRLW $4, Y2, Y2 \
	VPAND Y14, Y2, Y2 \
	lop $lamt, Y6, Y4 \
	VPAND Y13, Y4, Y4 \
	VPOR Y4, Y3, Y3 \
	hop $hamt, Y6, Y5 \
	VPAND Y13, Y5, Y5 \
	VPOR Y5, Y2, Y2 \
	VPMADDUBSW xoff(DI), Y3, Y3 \
	VPMADDUBSW xoff+32(DI), Y2, Y2 \
	MOVQ R8, AX \
	SHRQ $sh, AX \
	MOVBLZX AL, BX \
	SHRQ $8, AX \
	MOVBLZX AL, AX \
	VMOVD BX, X4 \
	VPBROADCASTW X4, Y4 \
	VMOVD AX, X5 \
	VPBROADCASTW X5, Y5 \
	VPMADDWD Y4, Y3, Y3 \
	VPMADDWD Y5, Y2, Y2 \
	VPADDD Y3, Y10, Y10 \
	VPADDD Y2, Y10, Y10

// func dotQ5KAVX2(w []byte, x []int8, xd []float32, xs []int16) float32
TEXT ·dotQ5KAVX2(SB), NOSPLIT, $0-100
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ xd_base+48(FP), DX
	MOVQ xd_len+56(FP), CX
	MOVQ xs_base+72(FP), R9
	VXORPS Y0, Y0, Y0
	VXORPS X9, X9, X9
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x10101010, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	TESTQ CX, CX
	JZ    q5kdone

q5kloop:
	// The 6-bit scales (R8) and mins (R10) from the 12 bytes at 4(SI),
	// as ggml's get_scale_min_k4 reads them.
	MOVL 4(SI), R11
	MOVL 8(SI), R12
	MOVL 12(SI), R13
	MOVL R13, AX
	SHRL $4, AX
	ANDL $0x0F0F0F0F, AX
	MOVL R12, BX
	SHRL $6, BX
	ANDL $0x03030303, BX
	SHLL $4, BX
	ORL  BX, AX
	MOVL R12, R10
	ANDL $0x3F3F3F3F, R10
	SHLQ $32, AX
	ORQ  AX, R10
	MOVL R13, AX
	ANDL $0x0F0F0F0F, AX
	MOVL R11, BX
	SHRL $6, BX
	ANDL $0x03030303, BX
	SHLL $4, BX
	ORL  BX, AX
	MOVL R11, R8
	ANDL $0x3F3F3F3F, R8
	SHLQ $32, AX
	ORQ  AX, R8

	VMOVDQU 16(SI), Y6
	VPXOR Y10, Y10, Y10
	Q5K_PAIR(48, 0, 0, VPSLLW, 4, VPSLLW, 3)
	Q5K_PAIR(80, 64, 16, VPSLLW, 2, VPSLLW, 1)
	Q5K_PAIR(112, 128, 32, VPSRLW, 0, VPSRLW, 1)
	Q5K_PAIR(144, 192, 48, VPSRLW, 2, VPSRLW, 3)

	// d·xd and dmin·xd
	MOVWLZX (SI), AX
	VMOVD AX, X1
	VCVTPH2PS X1, X1
	VMULSS (DX), X1, X1
	VBROADCASTSS X1, Y1
	MOVWLZX 2(SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VMULSS (DX), X7, X7
	VBROADCASTSS X7, X7
	VCVTDQ2PS Y10, Y10
	VFMADD231PS Y1, Y10, Y0

	// mins: Σ min[s]·xs[s] over the 8 sub-blocks
	VMOVQ R10, X8
	VPMOVZXBW X8, X8
	VPMADDWD (R9), X8, X8
	VCVTDQ2PS X8, X8
	VFMADD231PS X7, X8, X9

	ADDQ $176, SI
	ADDQ $256, DI
	ADDQ $4, DX
	ADDQ $16, R9
	DECQ CX
	JNZ  q5kloop

q5kdone:
	KQUANT_SUM
	VZEROUPPER
	MOVSS X0, ret+96(FP)
	RET
