//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// Register use in the Q8_0/Q4_0 kernels: SI weights, DI activations, DX
// activation scales, CX blocks left; Y0 the float32 accumulator, Y15
// sixteen int16 ones, Y14 bytes 0x0F, Y13 bytes 0x08.

// SCALE_Q8 sets Y1 to f16(w block's d)·xd[b], broadcast.
#define SCALE_Q8 \
	MOVWLZX (SI), AX \
	VMOVD AX, X1 \
	VCVTPH2PS X1, X1 \
	VMULSS (DX), X1, X1 \
	VBROADCASTSS X1, Y1

// SIGNED_DOT_AVX2 adds Y1·Σ(Y2·Y3) (signed bytes, summed in int32 lanes)
// to Y0: VPMADDUBSW multiplies unsigned by signed bytes, so it gets |Y2|
// and Y3 with Y2's signs.
#define SIGNED_DOT_AVX2 \
	VPSIGNB Y2, Y2, Y4 \
	VPSIGNB Y2, Y3, Y3 \
	VPMADDUBSW Y3, Y4, Y4 \
	VPMADDWD Y15, Y4, Y4 \
	VCVTDQ2PS Y4, Y4 \
	VFMADD231PS Y1, Y4, Y0

#define SIGNED_DOT_VNNI \
	VPSIGNB Y2, Y2, Y4 \
	VPSIGNB Y2, Y3, Y3 \
	VPXOR Y5, Y5, Y5 \
	VPDPBUSD Y3, Y4, Y5 \
	VCVTDQ2PS Y5, Y5 \
	VFMADD231PS Y1, Y5, Y0

// Q4_0 nibbles into Y2 as bytes q−8: low nibbles (weights 0..15) in the
// low lane, high nibbles (16..31) in the high lane.
#define LOAD_Q4_0 \
	VMOVDQU 2(SI), X2 \
	VPSRLW $4, X2, X6 \
	VINSERTI128 $1, X6, Y2, Y2 \
	VPAND Y14, Y2, Y2 \
	VPSUBB Y13, Y2, Y2

#define SETUP \
	MOVQ w_base+0(FP), SI \
	MOVQ x_base+24(FP), DI \
	MOVQ xd_base+48(FP), DX \
	MOVQ xd_len+56(FP), CX \
	VXORPS Y0, Y0, Y0 \
	VPCMPEQW Y15, Y15, Y15 \
	VPSRLW $15, Y15, Y15 \
	MOVL $0x0F0F0F0F, AX \
	VMOVD AX, X14 \
	VPBROADCASTD X14, Y14 \
	MOVL $0x08080808, AX \
	VMOVD AX, X13 \
	VPBROADCASTD X13, Y13

// HSUM sums Y0's lanes into X0.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VHADDPS X0, X0, X0 \
	VHADDPS X0, X0, X0 \
	VZEROUPPER

// func dotQ8_0AVX2(w []byte, x []int8, xd []float32) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-76
	SETUP
	TESTQ CX, CX
	JZ    q80done

q80loop:
	SCALE_Q8
	VMOVDQU 2(SI), Y2
	VMOVDQU (DI), Y3
	SIGNED_DOT_AVX2
	ADDQ $34, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q80loop

q80done:
	HSUM
	MOVSS X0, ret+72(FP)
	RET

// func dotQ8_0VNNI(w []byte, x []int8, xd []float32) float32
TEXT ·dotQ8_0VNNI(SB), NOSPLIT, $0-76
	SETUP
	TESTQ CX, CX
	JZ    q80vdone

q80vloop:
	SCALE_Q8
	VMOVDQU 2(SI), Y2
	VMOVDQU (DI), Y3
	SIGNED_DOT_VNNI
	ADDQ $34, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q80vloop

q80vdone:
	HSUM
	MOVSS X0, ret+72(FP)
	RET

// func dotQ4_0AVX2(w []byte, x []int8, xd []float32) float32
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-76
	SETUP
	TESTQ CX, CX
	JZ    q40done

q40loop:
	SCALE_Q8
	LOAD_Q4_0
	VMOVDQU (DI), Y3
	SIGNED_DOT_AVX2
	ADDQ $18, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q40loop

q40done:
	HSUM
	MOVSS X0, ret+72(FP)
	RET

// func dotQ4_0VNNI(w []byte, x []int8, xd []float32) float32
TEXT ·dotQ4_0VNNI(SB), NOSPLIT, $0-76
	SETUP
	TESTQ CX, CX
	JZ    q40vdone

q40vloop:
	SCALE_Q8
	LOAD_Q4_0
	VMOVDQU (DI), Y3
	SIGNED_DOT_VNNI
	ADDQ $18, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q40vloop

q40vdone:
	HSUM
	MOVSS X0, ret+72(FP)
	RET

// Q4K_PAIR multiplies the 32 bytes at off(SI) (sub-blocks 2p in the low
// nibbles, 2p+1 in the high) by the activations at 2·off(DI), scales the
// two sub-blocks by their 6-bit scales (words of Y13, broadcast by the
// VPSHUFB masks lo and hi), and adds the int32 sums to Y10.
#define Q4K_PAIR(off, xoff, lo, hi) \
	VMOVDQU off(SI), Y2 \
	VPAND Y14, Y2, Y3 \
	VPSRLW $4, Y2, Y2 \
	VPAND Y14, Y2, Y2 \
	VPMADDUBSW xoff(DI), Y3, Y3 \
	VPMADDUBSW xoff+32(DI), Y2, Y2 \
	VPSHUFB lo<>(SB), Y13, Y4 \
	VPSHUFB hi<>(SB), Y13, Y5 \
	VPMADDWD Y4, Y3, Y3 \
	VPMADDWD Y5, Y2, Y2 \
	VPADDD Y3, Y10, Y10 \
	VPADDD Y2, Y10, Y10

// q4kScJ are VPSHUFB masks that broadcast 16-bit word J of a register to
// all its words, for the sub-block scales (widened to words in Y13).
VEC(q4kSc0, 0x01000100)
VEC(q4kSc1, 0x03020302)
VEC(q4kSc2, 0x05040504)
VEC(q4kSc3, 0x07060706)
VEC(q4kSc4, 0x09080908)
VEC(q4kSc5, 0x0b0a0b0a)
VEC(q4kSc6, 0x0d0c0d0c)
VEC(q4kSc7, 0x0f0e0f0e)

// Q4K_SUPERBLOCK adds one super-block of the row at SI times the
// activations at DI (scales DX, sums R9) to Y0 and X9 and moves the
// pointers on, as dotQ4KGeneric does per super-block (see dotQ4KAVX2).
#define Q4K_SUPERBLOCK \
	MOVL 4(SI), R11 \
	MOVL 8(SI), R12 \
	MOVL 12(SI), R13 \
	MOVL R13, AX \
	SHRL $4, AX \
	ANDL $0x0F0F0F0F, AX \
	MOVL R12, BX \
	SHRL $6, BX \
	ANDL $0x03030303, BX \
	SHLL $4, BX \
	ORL  BX, AX \
	MOVL R12, R10 \
	ANDL $0x3F3F3F3F, R10 \
	SHLQ $32, AX \
	ORQ  AX, R10 \
	MOVL R13, AX \
	ANDL $0x0F0F0F0F, AX \
	MOVL R11, BX \
	SHRL $6, BX \
	ANDL $0x03030303, BX \
	SHLL $4, BX \
	ORL  BX, AX \
	MOVL R11, R8 \
	ANDL $0x3F3F3F3F, R8 \
	SHLQ $32, AX \
	ORQ  AX, R8 \
	VMOVQ R8, X13 \
	VPMOVZXBW X13, X13 \
	VINSERTI128 $1, X13, Y13, Y13 \
	VPXOR Y10, Y10, Y10 \
	Q4K_PAIR(16, 0, q4kSc0, q4kSc1) \
	Q4K_PAIR(48, 64, q4kSc2, q4kSc3) \
	Q4K_PAIR(80, 128, q4kSc4, q4kSc5) \
	Q4K_PAIR(112, 192, q4kSc6, q4kSc7) \
	MOVWLZX (SI), AX \
	VMOVD AX, X1 \
	VCVTPH2PS X1, X1 \
	VMULSS (DX), X1, X1 \
	VBROADCASTSS X1, Y1 \
	MOVWLZX 2(SI), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VMULSS (DX), X7, X7 \
	VBROADCASTSS X7, X7 \
	VCVTDQ2PS Y10, Y10 \
	VFMADD231PS Y1, Y10, Y0 \
	VMOVQ R10, X6 \
	VPMOVZXBW X6, X6 \
	VPMADDWD (R9), X6, X6 \
	VCVTDQ2PS X6, X6 \
	VFMADD231PS X7, X6, X9 \
	ADDQ $144, SI \
	ADDQ $256, DI \
	ADDQ $4, DX \
	ADDQ $16, R9

// func dotQ4KAVX2(w []byte, x []int8, xd []float32, xs []int16) float32
TEXT ·dotQ4KAVX2(SB), NOSPLIT, $0-100
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ xd_base+48(FP), DX
	MOVQ xd_len+56(FP), CX
	MOVQ xs_base+72(FP), R9
	VXORPS Y0, Y0, Y0 // Σ d·xd·dots
	VXORPS X9, X9, X9 // Σ dmin·xd·mins
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JZ    q4kdone

q4kloop:
	Q4K_SUPERBLOCK
	DECQ CX
	JNZ  q4kloop

q4kdone:
	KQUANT_SUM
	VZEROUPPER
	MOVSS X0, ret+96(FP)
	RET

// func dotQ4KRowsAVX2(w []byte, rb int, x []int8, xd []float32, xs []int16, y []float32)
//
// dotQ4KRowsAVX2 is dotQ4KAVX2 for len(y) consecutive rows of w, rb bytes
// apart (rb = 144·len(xd)), writing row i's product to y[i]: one call per
// block of rows instead of one per row.
TEXT ·dotQ4KRowsAVX2(SB), NOSPLIT, $16-128
	// The row's output pointer and the rows left live in the frame: the
	// super-block uses every free general register.
	MOVQ w_base+0(FP), SI
	MOVQ y_base+104(FP), AX
	MOVQ AX, yp-8(SP)
	MOVQ y_len+112(FP), AX
	MOVQ AX, left-16(SP)
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	CMPQ left-16(SP), $0
	JEQ  q4krdone

q4krrow:
	MOVQ x_base+32(FP), DI
	MOVQ xd_base+56(FP), DX
	MOVQ xd_len+64(FP), CX
	MOVQ xs_base+80(FP), R9
	VXORPS Y0, Y0, Y0
	VXORPS X9, X9, X9
	TESTQ CX, CX
	JZ    q4krsum

q4krloop:
	Q4K_SUPERBLOCK
	DECQ CX
	JNZ  q4krloop

q4krsum:
	KQUANT_SUM
	MOVQ  yp-8(SP), AX
	MOVSS X0, (AX)
	ADDQ  $4, AX
	MOVQ  AX, yp-8(SP)
	DECQ  left-16(SP)
	JNZ   q4krrow

q4krdone:
	VZEROUPPER
	RET
