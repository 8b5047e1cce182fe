//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// Weight panels of the integer prefill kernel (quant_gemm.go), eight rows
// at a time: each row's 32 unsigned bytes of a block are one register of
// eight int32 quads, and an 8×8 transpose of the eight rows' registers
// gives, per quad, the eight rows' words that the panel stores side by
// side. Registers: SI rows 0–3 and DI rows 4–7 (R8 the row stride, R9
// three strides), DX the panel block (already offset to the rows' group),
// CX blocks left.

VEC(pkMask, 0x0F0F0F0F)
VEC(pkSign, 0x80808080)

DATA pkEight<>+0(SB)/4, $0x41000000   // 8
GLOBL pkEight<>(SB), RODATA|NOPTR, $4
DATA pk128<>+0(SB)/4, $0x43000000     // 128
GLOBL pk128<>(SB), RODATA|NOPTR, $4

#define PK_SETUP \
	MOVQ dst+0(FP), DX \
	MOVQ src+8(FP), SI \
	MOVQ rb+16(FP), R8 \
	MOVQ nb+24(FP), CX \
	LEAQ (R8)(R8*2), R9 \
	LEAQ (SI)(R8*4), DI

// PK_TRANSPOSE_STORE transposes Y0–Y7 (row i's quads in Yi) and stores
// quad k of the eight rows at k·128(DX).
#define PK_TRANSPOSE_STORE \
	VPUNPCKLDQ Y1, Y0, Y8 \
	VPUNPCKHDQ Y1, Y0, Y9 \
	VPUNPCKLDQ Y3, Y2, Y10 \
	VPUNPCKHDQ Y3, Y2, Y11 \
	VPUNPCKLDQ Y5, Y4, Y12 \
	VPUNPCKHDQ Y5, Y4, Y13 \
	VPUNPCKLDQ Y7, Y6, Y14 \
	VPUNPCKHDQ Y7, Y6, Y15 \
	VPUNPCKLQDQ Y10, Y8, Y0 \
	VPUNPCKHQDQ Y10, Y8, Y1 \
	VPUNPCKLQDQ Y11, Y9, Y2 \
	VPUNPCKHQDQ Y11, Y9, Y3 \
	VPUNPCKLQDQ Y14, Y12, Y4 \
	VPUNPCKHQDQ Y14, Y12, Y5 \
	VPUNPCKLQDQ Y15, Y13, Y6 \
	VPUNPCKHQDQ Y15, Y13, Y7 \
	VPERM2I128 $0x20, Y4, Y0, Y8 \
	VPERM2I128 $0x20, Y5, Y1, Y9 \
	VPERM2I128 $0x20, Y6, Y2, Y10 \
	VPERM2I128 $0x20, Y7, Y3, Y11 \
	VPERM2I128 $0x31, Y4, Y0, Y12 \
	VPERM2I128 $0x31, Y5, Y1, Y13 \
	VPERM2I128 $0x31, Y6, Y2, Y14 \
	VPERM2I128 $0x31, Y7, Y3, Y15 \
	VMOVDQU Y8, 0(DX) \
	VMOVDQU Y9, 128(DX) \
	VMOVDQU Y10, 256(DX) \
	VMOVDQU Y11, 384(DX) \
	VMOVDQU Y12, 512(DX) \
	VMOVDQU Y13, 640(DX) \
	VMOVDQU Y14, 768(DX) \
	VMOVDQU Y15, 896(DX)

// PK_SCALES stores the eight rows' f16 block scales (at byte 0 of each
// row's block) as float32 s at 1024(DX) and o = MUL·s at 1152(DX).
#define PK_SCALES(MUL) \
	MOVWLZX (SI), AX \
	VMOVD AX, X8 \
	VPINSRW $1, (SI)(R8*1), X8, X8 \
	VPINSRW $2, (SI)(R8*2), X8, X8 \
	VPINSRW $3, (SI)(R9*1), X8, X8 \
	VPINSRW $4, (DI), X8, X8 \
	VPINSRW $5, (DI)(R8*1), X8, X8 \
	VPINSRW $6, (DI)(R8*2), X8, X8 \
	VPINSRW $7, (DI)(R9*1), X8, X8 \
	VCVTPH2PS X8, Y8 \
	VMOVUPS Y8, 1024(DX) \
	VBROADCASTSS MUL<>(SB), Y9 \
	VMULPS Y9, Y8, Y8 \
	VMOVUPS Y8, 1152(DX)

// Q4_0 nibbles of the row at ADDR into R: low nibbles (quads 0–3) in the
// low lane, high nibbles (quads 4–7) in the high lane.
#define PK_Q40_ROW(ADDR, R, X) \
	VMOVDQU ADDR, X \
	VPSRLW $4, X, X15 \
	VINSERTI128 $1, X15, R, R \
	VPAND pkMask<>(SB), R, R

#define PK_Q80_ROW(ADDR, R) \
	VMOVDQU ADDR, R \
	VPXOR pkSign<>(SB), R, R

// func packPanelQ4_0x8AVX2(dst, src *byte, rb, nb int)
TEXT ·packPanelQ4_0x8AVX2(SB), NOSPLIT, $0-32
	PK_SETUP

q40loop:
	PK_SCALES(pkEight)
	PK_Q40_ROW(2(SI), Y0, X0)
	PK_Q40_ROW(2(SI)(R8*1), Y1, X1)
	PK_Q40_ROW(2(SI)(R8*2), Y2, X2)
	PK_Q40_ROW(2(SI)(R9*1), Y3, X3)
	PK_Q40_ROW(2(DI), Y4, X4)
	PK_Q40_ROW(2(DI)(R8*1), Y5, X5)
	PK_Q40_ROW(2(DI)(R8*2), Y6, X6)
	PK_Q40_ROW(2(DI)(R9*1), Y7, X7)
	PK_TRANSPOSE_STORE
	ADDQ $18, SI
	ADDQ $18, DI
	ADDQ $1280, DX
	DECQ CX
	JNZ  q40loop
	VZEROUPPER
	RET

// func packPanelQ8_0x8AVX2(dst, src *byte, rb, nb int)
TEXT ·packPanelQ8_0x8AVX2(SB), NOSPLIT, $0-32
	PK_SETUP

q80loop:
	PK_SCALES(pk128)
	PK_Q80_ROW(2(SI), Y0)
	PK_Q80_ROW(2(SI)(R8*1), Y1)
	PK_Q80_ROW(2(SI)(R8*2), Y2)
	PK_Q80_ROW(2(SI)(R9*1), Y3)
	PK_Q80_ROW(2(DI), Y4)
	PK_Q80_ROW(2(DI)(R8*1), Y5)
	PK_Q80_ROW(2(DI)(R8*2), Y6)
	PK_Q80_ROW(2(DI)(R9*1), Y7)
	PK_TRANSPOSE_STORE
	ADDQ $34, SI
	ADDQ $34, DI
	ADDQ $1280, DX
	DECQ CX
	JNZ  q80loop
	VZEROUPPER
	RET

// Q4_K: sub-block j of a super-block is the low (j even) or high (j odd)
// nibbles of the 32 bytes at 16+32·(j/2).
#define PK_Q4K_ROW(ADDR, R, SHIFT) \
	VMOVDQU ADDR, R \
	VPSRLW $SHIFT, R, R \
	VPAND pkMask<>(SB), R, R

#define PK_Q4K_SUB(OFF, SHIFT) \
	PK_Q4K_ROW(OFF(SI), Y0, SHIFT) \
	PK_Q4K_ROW(OFF(SI)(R8*1), Y1, SHIFT) \
	PK_Q4K_ROW(OFF(SI)(R8*2), Y2, SHIFT) \
	PK_Q4K_ROW(OFF(SI)(R9*1), Y3, SHIFT) \
	PK_Q4K_ROW(OFF(DI), Y4, SHIFT) \
	PK_Q4K_ROW(OFF(DI)(R8*1), Y5, SHIFT) \
	PK_Q4K_ROW(OFF(DI)(R8*2), Y6, SHIFT) \
	PK_Q4K_ROW(OFF(DI)(R9*1), Y7, SHIFT) \
	PK_TRANSPOSE_STORE \
	ADDQ $1280, DX

// func packPanelQ4Kx8AVX2(dst, src *byte, rb, nb int) — nb super-blocks;
// the scales are left to the caller.
TEXT ·packPanelQ4Kx8AVX2(SB), NOSPLIT, $0-32
	PK_SETUP

q4kloop:
	PK_Q4K_SUB(16, 0)
	PK_Q4K_SUB(16, 4)
	PK_Q4K_SUB(48, 0)
	PK_Q4K_SUB(48, 4)
	PK_Q4K_SUB(80, 0)
	PK_Q4K_SUB(80, 4)
	PK_Q4K_SUB(112, 0)
	PK_Q4K_SUB(112, 4)
	ADDQ $144, SI
	ADDQ $144, DI
	DECQ CX
	JNZ  q4kloop
	VZEROUPPER
	RET
