//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// The panel dequantizers gather one 32-bit word from each of 8 rows of
// quantized weights (row j at SI + j·rb, Y15 holding the offsets j·rb) and
// widen its 4 bytes to 4 rows of the packed panel: dst[p·nr + j] is
// weight p of row j. DI is the panel, R8 its row stride in bytes (nr·4),
// Y8 the 8 rows' f16 scales widened to float32.

VEC8(rowIndex, 0, 1, 2, 3, 4, 5, 6, 7)

// PREFETCH_ROWS(off) asks for the cache line off bytes ahead in each of
// the 8 rows: a sliver walks 16 or 32 rows at once, more streams than the
// hardware prefetcher follows.
#define PREFETCH_ROWS(off) \
	MOVQ SI, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9) \
	ADDQ CX, R9 \
	PREFETCHT0 off(R9)

// PANEL_ARGS loads the arguments and sets Y15 to the row offsets, R10 to
// 3·R8 and R12 to 4·R8.
#define PANEL_ARGS \
	MOVQ dst_base+0(FP), DI \
	MOVQ nr+24(FP), R8 \
	SHLQ $2, R8 \
	MOVQ src_base+32(FP), SI \
	MOVQ rb+56(FP), CX \
	VMOVD CX, X15 \
	VPBROADCASTD X15, Y15 \
	VPMULLD rowIndex<>(SB), Y15, Y15 \
	LEAQ (R8)(R8*2), R10 \
	MOVQ R8, R12 \
	SHLQ $2, R12

// PANEL_SETUP is PANEL_ARGS for Q8_0 and Q4_0; it also sets Y8 to the
// rows' scales (the f16 at the start of each row's block) and leaves SI on
// the block's quantized bytes (past the scale).
#define PANEL_SETUP \
	PANEL_ARGS \
	PREFETCH_ROWS(256) \
	VPCMPEQD Y14, Y14, Y14 \
	VPXOR Y8, Y8, Y8 \
	VPGATHERDD Y14, (SI)(Y15*1), Y8 \
	VPSLLD $16, Y8, Y8 \
	VPSRLD $16, Y8, Y8 \
	VPACKUSDW Y8, Y8, Y8 \
	VPERMQ $0x08, Y8, Y8 \
	VCVTPH2PS X8, Y8 \
	ADDQ $2, SI

// GATHER4 sets Y0 to 4 bytes of each of the 8 rows at SI.
#define GATHER4 \
	VPCMPEQD Y14, Y14, Y14 \
	VPXOR Y0, Y0, Y0 \
	VPGATHERDD Y14, (SI)(Y15*1), Y0

// STORE scales the int32 lanes of Y1 by Y8 and stores them at addr.
#define STORE(addr) \
	VCVTDQ2PS Y1, Y1 \
	VMULPS Y8, Y1, Y1 \
	VMOVUPS Y1, addr

// func dequantPanelQ8_0AVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
TEXT ·dequantPanelQ8_0AVX2(SB), NOSPLIT, $0-72
	PANEL_SETUP
	MOVQ $8, BX

q8loop:
	GATHER4
	VPSLLD $24, Y0, Y1
	VPSRAD $24, Y1, Y1
	STORE((DI))
	VPSLLD $16, Y0, Y1
	VPSRAD $24, Y1, Y1
	STORE((DI)(R8*1))
	VPSLLD $8, Y0, Y1
	VPSRAD $24, Y1, Y1
	STORE((DI)(R8*2))
	VPSRAD $24, Y0, Y1
	STORE((DI)(R10*1))
	ADDQ $4, SI
	ADDQ R12, DI
	DECQ BX
	JNZ  q8loop
	VZEROUPPER
	RET

// Q4_0: byte t of the 16 holds weight t (low nibble) and 16+t (high
// nibble); R11 points at panel row 16.
#define NIBBLE(shift, addr) \
	VPSRLD $shift, Y0, Y1 \
	VPAND Y13, Y1, Y1 \
	VPSUBD Y12, Y1, Y1 \
	STORE(addr)

// func dequantPanelQ4_0AVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
TEXT ·dequantPanelQ4_0AVX2(SB), NOSPLIT, $0-72
	PANEL_SETUP
	MOVL $15, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $8, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVQ R8, R11
	SHLQ $4, R11
	ADDQ DI, R11
	MOVQ $4, BX

q4loop:
	GATHER4
	NIBBLE(0, (DI))
	NIBBLE(4, (R11))
	NIBBLE(8, (DI)(R8*1))
	NIBBLE(12, (R11)(R8*1))
	NIBBLE(16, (DI)(R8*2))
	NIBBLE(20, (R11)(R8*2))
	NIBBLE(24, (DI)(R10*1))
	NIBBLE(28, (R11)(R10*1))
	ADDQ $4, SI
	ADDQ R12, DI
	ADDQ R12, R11
	DECQ BX
	JNZ  q4loop
	VZEROUPPER
	RET

// Q4_K: sub-blocks 2i and 2i+1 share bytes 32i..32i+31 of the 128 (low
// and high nibbles); dm holds each sub-block's d·scale and dmin·min for
// the 8 rows, and weight = d·scale·q − dmin·min (a product, then a
// difference, as Dequantize computes it). DI points at panel row 64i+p,
// R11 at row 64i+32+p, R14 walks dm.
#define NIBBLE_K(shift, scale, min, addr) \
	VPSRLD $shift, Y0, Y1 \
	VPAND Y13, Y1, Y1 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS scale, Y1, Y1 \
	VSUBPS min, Y1, Y1 \
	VMOVUPS Y1, addr

// func dequantPanelQ4KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
TEXT ·dequantPanelQ4KAVX2(SB), NOSPLIT, $0-72
	PANEL_ARGS
	PREFETCH_ROWS(288)
	PREFETCH_ROWS(352)
	PREFETCH_ROWS(416)
	MOVQ dm+64(FP), R14
	MOVL $15, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVQ R8, R13
	SHLQ $5, R13
	ADDQ $16, SI
	MOVQ $4, DX

q4kpair:
	VMOVUPS 0(R14), Y8
	VMOVUPS 32(R14), Y9
	VMOVUPS 64(R14), Y10
	VMOVUPS 96(R14), Y11
	ADDQ $128, R14
	LEAQ (DI)(R13*1), R11
	MOVQ $8, BX

q4kloop:
	GATHER4
	NIBBLE_K(0, Y8, Y9, (DI))
	NIBBLE_K(4, Y10, Y11, (R11))
	NIBBLE_K(8, Y8, Y9, (DI)(R8*1))
	NIBBLE_K(12, Y10, Y11, (R11)(R8*1))
	NIBBLE_K(16, Y8, Y9, (DI)(R8*2))
	NIBBLE_K(20, Y10, Y11, (R11)(R8*2))
	NIBBLE_K(24, Y8, Y9, (DI)(R10*1))
	NIBBLE_K(28, Y10, Y11, (R11)(R10*1))
	ADDQ $4, SI
	ADDQ R12, DI
	ADDQ R12, R11
	DECQ BX
	JNZ  q4kloop
	ADDQ R13, DI
	DECQ DX
	JNZ  q4kpair
	VZEROUPPER
	RET

// Q6_K: in each half h of 128 weights, weight 32k+l has its low 4 bits
// in ql[l] (k = 0, 2: low, high nibble) or ql[32+l] (k = 1, 3), ql being
// the block's bytes 64h.., and its high 2 bits at bit 2k of qh[l], qh the
// bytes 128+32h..; weight = (d·scale)·(q − 32), the product d·scale of
// each 16 weights of the 8 rows taken from dm. SI walks ql, R9 qh, R14
// dm; Y0 holds ql[l..l+3], Y2 ql[32+l..], Y3 qh[l..]; Y13 0x0F, Y12 3,
// Y11 32; Y5..Y8 the scales of groups 8h+2k+l/16, k = 0..3.
#define LEVEL6(lo, lshift, hshift, scale, addr) \
	VPSRLD $lshift, lo, Y1 \
	VPAND Y13, Y1, Y1 \
	VPSRLD $hshift, Y3, Y4 \
	VPAND Y12, Y4, Y4 \
	VPSLLD $4, Y4, Y4 \
	VPOR Y4, Y1, Y1 \
	VPSUBD Y11, Y1, Y1 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS scale, Y1, Y1 \
	VMOVUPS Y1, addr

#define GATHER6 \
	VPCMPEQD Y14, Y14, Y14 \
	VPXOR Y0, Y0, Y0 \
	VPGATHERDD Y14, (SI)(Y15*1), Y0 \
	VPCMPEQD Y14, Y14, Y14 \
	VPXOR Y2, Y2, Y2 \
	VPGATHERDD Y14, 32(SI)(Y15*1), Y2 \
	VPCMPEQD Y14, Y14, Y14 \
	VPXOR Y3, Y3, Y3 \
	VPGATHERDD Y14, (R9)(Y15*1), Y3

// BYTE6 widens byte t of the gathered words (s0 = 8t, s2 = 8t+2, ...):
// weights 32k+l+t for k = 0..3, at panel rows row, row+32, row+64 and
// row+96 (R13 is 32 rows).
#define BYTE6(s0, s2, s4, s6, row) \
	LEVEL6(Y0, s0, s0, Y5, (row)) \
	LEVEL6(Y2, s0, s2, Y6, (row)(R13*1)) \
	LEVEL6(Y0, s4, s4, Y7, (row)(R13*2)) \
	LEAQ (row)(R13*2), BX \
	LEVEL6(Y2, s4, s6, Y8, (BX)(R13*1))

// func dequantPanelQ6KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
TEXT ·dequantPanelQ6KAVX2(SB), NOSPLIT, $0-72
	PANEL_ARGS
	PREFETCH_ROWS(256)
	PREFETCH_ROWS(320)
	PREFETCH_ROWS(384)
	PREFETCH_ROWS(448)
	MOVQ dm+64(FP), R14
	MOVL $15, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $3, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVL $32, AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	MOVQ R8, R13
	SHLQ $5, R13
	LEAQ 128(SI), R9
	MOVQ $2, DX

q6khalf:
	MOVQ $2, CX // l < 16, then l ≥ 16 (groups 8h+2k, then 8h+2k+1)

q6kquarter:
	VMOVUPS 0(R14), Y5
	VMOVUPS 64(R14), Y6
	VMOVUPS 128(R14), Y7
	VMOVUPS 192(R14), Y8
	MOVQ $4, AX

q6kloop:
	GATHER6
	BYTE6(0, 2, 4, 6, DI)
	LEAQ (DI)(R8*1), R11
	BYTE6(8, 10, 12, 14, R11)
	LEAQ (DI)(R8*2), R11
	BYTE6(16, 18, 20, 22, R11)
	LEAQ (DI)(R10*1), R11
	BYTE6(24, 26, 28, 30, R11)
	ADDQ $4, SI
	ADDQ $4, R9
	ADDQ R12, DI
	DECQ AX
	JNZ  q6kloop
	ADDQ $32, R14
	DECQ CX
	JNZ  q6kquarter

	// The next half: ql 64 bytes on (SI has moved 32), qh 32 on (R9 has),
	// panel row 128 (DI is at row 32 of this half), dm group 8 on (R14 is
	// at group 2).
	ADDQ $32, SI
	LEAQ (DI)(R13*2), DI
	LEAQ (DI)(R13*1), DI
	ADDQ $192, R14
	DECQ DX
	JNZ  q6khalf
	VZEROUPPER
	RET

// Q5_K is Q4_K with qs at byte 48 and a fifth bit per weight in qh (byte
// 16): bit 2i of qh[l] for weight 64i+l, bit 2i+1 for 64i+32+l. R9 walks
// qh (the same 32 bytes for every i), X7 holds the shift 2i, Y3 the
// gathered qh shifted right by 2i; Y12 is 1.
#define NIBBLE_5(shift, hshift, scale, min, addr) \
	VPSRLD $shift, Y0, Y1 \
	VPAND Y13, Y1, Y1 \
	VPSRLD $hshift, Y3, Y4 \
	VPAND Y12, Y4, Y4 \
	VPSLLD $4, Y4, Y4 \
	VPOR Y4, Y1, Y1 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS scale, Y1, Y1 \
	VSUBPS min, Y1, Y1 \
	VMOVUPS Y1, addr

// func dequantPanelQ5KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
TEXT ·dequantPanelQ5KAVX2(SB), NOSPLIT, $0-72
	PANEL_ARGS
	PREFETCH_ROWS(256)
	PREFETCH_ROWS(320)
	PREFETCH_ROWS(384)
	MOVQ dm+64(FP), R14
	MOVL $15, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $1, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVQ R8, R13
	SHLQ $5, R13
	LEAQ 16(SI), AX
	VMOVQ AX, X6
	ADDQ $48, SI
	XORQ CX, CX
	MOVQ $4, DX

q5kpair:
	VMOVUPS 0(R14), Y8
	VMOVUPS 32(R14), Y9
	VMOVUPS 64(R14), Y10
	VMOVUPS 96(R14), Y11
	ADDQ $128, R14
	LEAQ (DI)(R13*1), R11
	VMOVQ X6, R9
	VMOVQ CX, X7
	MOVQ $8, BX

q5kloop:
	GATHER4
	VPCMPEQD Y14, Y14, Y14
	VPXOR Y3, Y3, Y3
	VPGATHERDD Y14, (R9)(Y15*1), Y3
	VPSRLD X7, Y3, Y3
	NIBBLE_5(0, 0, Y8, Y9, (DI))
	NIBBLE_5(4, 1, Y10, Y11, (R11))
	NIBBLE_5(8, 8, Y8, Y9, (DI)(R8*1))
	NIBBLE_5(12, 9, Y10, Y11, (R11)(R8*1))
	NIBBLE_5(16, 16, Y8, Y9, (DI)(R8*2))
	NIBBLE_5(20, 17, Y10, Y11, (R11)(R8*2))
	NIBBLE_5(24, 24, Y8, Y9, (DI)(R10*1))
	NIBBLE_5(28, 25, Y10, Y11, (R11)(R10*1))
	ADDQ $4, SI
	ADDQ $4, R9
	ADDQ R12, DI
	ADDQ R12, R11
	DECQ BX
	JNZ  q5kloop
	ADDQ R13, DI
	ADDQ $2, CX
	DECQ DX
	JNZ  q5kpair
	VZEROUPPER
	RET
