//go:build !noasm && !gccgo

#include "textflag.h"

// q6kScaleShuf<>+32k is the VPSHUFB mask that spreads the int16 scales of
// sub-blocks 2k (low 128-bit lane) and 2k+1 (high lane) of a half
// super-block over eight int16 lanes each, from a register holding the
// half's eight scales as int16 in both lanes.
#define SCALE_PAIR(off, lo, hi) \
	DATA q6kScaleShuf<>+off(SB)/8, $lo \
	DATA q6kScaleShuf<>+off+8(SB)/8, $lo \
	DATA q6kScaleShuf<>+off+16(SB)/8, $hi \
	DATA q6kScaleShuf<>+off+24(SB)/8, $hi

SCALE_PAIR(0, 0x0100010001000100, 0x0302030203020302)
SCALE_PAIR(32, 0x0504050405040504, 0x0706070607060706)
SCALE_PAIR(64, 0x0908090809080908, 0x0b0a0b0a0b0a0b0a)
SCALE_PAIR(96, 0x0d0c0d0c0d0c0d0c, 0x0f0e0f0e0f0e0f0e)
GLOBL q6kScaleShuf<>(SB), RODATA|NOPTR, $128

// Register use in dotQ6KAVX2: SI weights, DI activations, DX activation
// scales, CX blocks left; Y0 the float32 accumulator, Y10 a block's int32
// sums, Y14 bytes 0x0F, Y13 bytes 0x30, Y12 bytes 32; per half block Y1
// and Y2 its 64 bytes of low bits, Y3 its 32 bytes of high bits, Y7 its
// eight scales as int16 in both lanes.

// Q6K_QUARTER multiplies the 32 6-bit q = Y8|Y9 by the activations at
// xoff(DI): Σ(q−32)·x in int16 pairs as Σq·x − 32·Σx (|q·x| pairs at most
// 16002 and 32·Σx at most 8192 in magnitude: no saturation), times the
// two sub-blocks' scales (shuffle mask moff), added to Y10 in int32.
#define Q6K_QUARTER(xoff, moff) \
	VPOR Y9, Y8, Y4 \
	VMOVDQU xoff(DI), Y5 \
	VPMADDUBSW Y5, Y4, Y4 \
	VPMADDUBSW Y5, Y12, Y5 \
	VPSUBW Y5, Y4, Y4 \
	VPSHUFB q6kScaleShuf<>+moff(SB), Y7, Y8 \
	VPMADDWD Y8, Y4, Y4 \
	VPADDD Y4, Y10, Y10

// Q6K_HALF adds half h of a block to Y10: the 128 weights whose low bits
// are at qloff(SI) (64 bytes), high bits at qhoff(SI) (32 bytes) and
// scales at scoff(SI) (8 bytes), with the activations at xoff(DI). Weight
// 32k+l takes the low nibble (k = 0, 1) or high nibble (k = 2, 3) of
// byte l of the first (k even) or second 32 low-bit bytes, and bits 2k,
// 2k+1 of high-bit byte l, moved to bits 4 and 5.
#define Q6K_HALF(qloff, qhoff, scoff, xoff) \
	VMOVDQU qloff(SI), Y1 \
	VMOVDQU qloff+32(SI), Y2 \
	VMOVDQU qhoff(SI), Y3 \
	VPMOVSXBW scoff(SI), X7 \
	VINSERTI128 $1, X7, Y7, Y7 \
	VPAND Y14, Y1, Y8 \
	VPSLLW $4, Y3, Y9 \
	VPAND Y13, Y9, Y9 \
	Q6K_QUARTER(xoff, 0) \
	VPAND Y14, Y2, Y8 \
	VPSLLW $2, Y3, Y9 \
	VPAND Y13, Y9, Y9 \
	Q6K_QUARTER(xoff+32, 32) \
	VPSRLW $4, Y1, Y8 \
	VPAND Y14, Y8, Y8 \
	VPAND Y13, Y3, Y9 \
	Q6K_QUARTER(xoff+64, 64) \
	VPSRLW $4, Y2, Y8 \
	VPAND Y14, Y8, Y8 \
	VPSRLW $2, Y3, Y9 \
	VPAND Y13, Y9, Y9 \
	Q6K_QUARTER(xoff+96, 96)

// func dotQ6KAVX2(w []byte, x []int8, xd []float32) float32
TEXT ·dotQ6KAVX2(SB), NOSPLIT, $0-76
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ xd_base+48(FP), DX
	MOVQ xd_len+56(FP), CX
	VXORPS Y0, Y0, Y0
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x30303030, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x20202020, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	TESTQ CX, CX
	JZ    q6kdone

q6kloop:
	VPXOR Y10, Y10, Y10
	Q6K_HALF(0, 128, 192, 0)
	Q6K_HALF(64, 160, 200, 128)

	// d·xd times the block's sums
	MOVWLZX 208(SI), AX
	VMOVD AX, X1
	VCVTPH2PS X1, X1
	VMULSS (DX), X1, X1
	VBROADCASTSS X1, Y1
	VCVTDQ2PS Y10, Y10
	VFMADD231PS Y1, Y10, Y0

	ADDQ $210, SI
	ADDQ $256, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q6kloop

q6kdone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+72(FP)
	RET
