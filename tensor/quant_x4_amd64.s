//go:build !noasm && !gccgo

#include "textflag.h"

// Four-row dot products for decoding: four weight rows (stride bytes
// apart) times one quantized activation vector, so that each activation
// block and its scale are loaded once for four rows, the rows' four
// accumulators hide the FMA latency, and the call and the horizontal sums
// are paid once per four rows. Registers: SI row 0, R8 stride, R9
// 3·stride, DI activations, DX activation scales, CX blocks left, Y0–Y3 the
// rows' float32 accumulators, Y10 the four rows' block scales times the
// activation scale, Y7–Y9 VPERMPS indexes that broadcast lanes 1–3.
//
// Q4_0: the nibbles q (0..15) are used unsigned, so that one signed
// activation block serves all four rows: Σ(q−8)·x = Σq·x − 8·Σx, with
// −8·Σx (per int32 lane) computed once per block into Y11 and added to
// each row's lane sums before they are converted.

// X4_SETUP loads the arguments and the constants shared by the kernels.
#define X4_SETUP \
	MOVQ w_base+0(FP), SI \
	MOVQ stride+24(FP), R8 \
	MOVQ x_base+32(FP), DI \
	MOVQ xd_base+56(FP), DX \
	MOVQ xd_len+64(FP), CX \
	LEAQ (R8)(R8*2), R9 \
	LEAQ (SI)(R8*8), R11 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	MOVL $1, AX \
	VMOVD AX, X7 \
	VPBROADCASTD X7, Y7 \
	MOVL $2, AX \
	VMOVD AX, X8 \
	VPBROADCASTD X8, Y8 \
	MOVL $3, AX \
	VMOVD AX, X9 \
	VPBROADCASTD X9, Y9

// X4_SCALES sets Y10's low four lanes to the four rows' f16 block scales
// (at OFF bytes into each row) times the activation block's scale.
#define X4_SCALES(OFF) \
	MOVWLZX OFF(SI), AX \
	VMOVD AX, X10 \
	VPINSRW $1, OFF(SI)(R8*1), X10, X10 \
	VPINSRW $2, OFF(SI)(R8*2), X10, X10 \
	VPINSRW $3, OFF(SI)(R9*1), X10, X10 \
	VCVTPH2PS X10, X10 \
	VBROADCASTSS (DX), X6 \
	VMULPS X6, X10, X10

// X4_PREFETCH asks for the bytes two groups of four rows ahead, in
// order, ADVANCE bytes (the four rows' share of one block) per block: read
// as four interleaved streams, the rows of a group defeat the hardware
// prefetchers, which then fetch from memory at half the speed of one
// sequential stream; asked for in order, the next groups arrive in time.
// This assumes the rows are adjacent (stride = row bytes), as in a
// weight matrix; with other strides the prefetches are only wasted.
#define X4_PREFETCH(ADVANCE) \
	PREFETCHT0 (R11) \
	PREFETCHT0 64(R11) \
	PREFETCHT0 128(R11) \
	ADDQ $ADVANCE, R11

// X4_STORE sums each accumulator's lanes and stores the four results.
#define X4_STORE \
	VHADDPS Y1, Y0, Y0 \
	VHADDPS Y3, Y2, Y2 \
	VHADDPS Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	MOVQ out+80(FP), AX \
	VMOVUPS X0, (AX) \
	VZEROUPPER

// Q4_0 nibbles of the row at ADDR into Y4 as unsigned bytes: low nibbles
// (weights 0..15) in the low lane, high nibbles (16..31) in the high lane.
#define X4_NIBBLES(ADDR) \
	VMOVDQU ADDR, X4 \
	VPSRLW $4, X4, X5 \
	VINSERTI128 $1, X5, Y4, Y4 \
	VPAND Y14, Y4, Y4

// X4_FMA adds the row's block (int32 lanes in Y5) times its scale (lane
// IDX of Y10 broadcast with VPERMPS) to the row's accumulator ACC.
#define X4_FMA(IDX, ACC) \
	VCVTDQ2PS Y5, Y5 \
	VPERMPS Y10, IDX, Y6 \
	VFMADD231PS Y6, Y5, ACC

#define Q40_ROW_VNNI(ADDR, IDX, ACC) \
	X4_NIBBLES(ADDR) \
	VMOVDQA Y11, Y5 \
	VPDPBUSD Y12, Y4, Y5 \
	X4_FMA(IDX, ACC)

#define Q40_ROW_AVX2(ADDR, IDX, ACC) \
	X4_NIBBLES(ADDR) \
	VPMADDUBSW Y12, Y4, Y5 \
	VPMADDWD Y15, Y5, Y5 \
	VPADDD Y11, Y5, Y5 \
	X4_FMA(IDX, ACC)

// func dotQ4_0x4VNNI(w []byte, stride int, x []int8, xd []float32, out *[4]float32)
TEXT ·dotQ4_0x4VNNI(SB), NOSPLIT, $0-88
	X4_SETUP
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	TESTQ CX, CX
	JZ    q40x4vdone

q40x4vloop:
	VMOVDQU (DI), Y12
	VPXOR Y5, Y5, Y5
	VPDPBUSD Y12, Y13, Y5
	VPXOR Y11, Y11, Y11
	VPSUBD Y5, Y11, Y11
	X4_SCALES(0)
	X4_NIBBLES(2(SI))
	VMOVDQA Y11, Y5
	VPDPBUSD Y12, Y4, Y5
	VCVTDQ2PS Y5, Y5
	VBROADCASTSS X10, Y6
	VFMADD231PS Y6, Y5, Y0
	Q40_ROW_VNNI(2(SI)(R8*1), Y7, Y1)
	Q40_ROW_VNNI(2(SI)(R8*2), Y8, Y2)
	Q40_ROW_VNNI(2(SI)(R9*1), Y9, Y3)
	X4_PREFETCH(72)
	ADDQ $18, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q40x4vloop

q40x4vdone:
	X4_STORE
	RET

// func dotQ4_0x4AVX2(w []byte, stride int, x []int8, xd []float32, out *[4]float32)
TEXT ·dotQ4_0x4AVX2(SB), NOSPLIT, $0-88
	X4_SETUP
	MOVL $0x0F0F0F0F, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	VPCMPEQW Y15, Y15, Y15
	VPSRLW $15, Y15, Y15
	TESTQ CX, CX
	JZ    q40x4done

q40x4loop:
	VMOVDQU (DI), Y12
	VPMADDUBSW Y12, Y13, Y5
	VPMADDWD Y15, Y5, Y5
	VPXOR Y11, Y11, Y11
	VPSUBD Y5, Y11, Y11
	X4_SCALES(0)
	X4_NIBBLES(2(SI))
	VPMADDUBSW Y12, Y4, Y5
	VPMADDWD Y15, Y5, Y5
	VPADDD Y11, Y5, Y5
	VCVTDQ2PS Y5, Y5
	VBROADCASTSS X10, Y6
	VFMADD231PS Y6, Y5, Y0
	Q40_ROW_AVX2(2(SI)(R8*1), Y7, Y1)
	Q40_ROW_AVX2(2(SI)(R8*2), Y8, Y2)
	Q40_ROW_AVX2(2(SI)(R9*1), Y9, Y3)
	X4_PREFETCH(72)
	ADDQ $18, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q40x4loop

q40x4done:
	X4_STORE
	RET
