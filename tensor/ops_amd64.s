//go:build !noasm && !gccgo

#include "textflag.h"

// Horizontal sum of Y0..Y3 into X0.
#define REDUCE4 \
	VADDPS Y1, Y0, Y0 \
	VADDPS Y3, Y2, Y2 \
	VADDPS Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VMOVHLPS X0, X0, X1 \
	VADDPS X1, X0, X0 \
	VMOVSHDUP X0, X1 \
	VADDSS X1, X0, X0

// AXPY4_SETUP loads the arguments of an axpy4 kernel: the four scales
// broadcast into Y0..Y3, the row pointers SI, R10, R11 and R12 (the row
// stride in bytes is the element size times lda, given as shift), y in DI
// and the number of 8-element blocks in CX.
#define AXPY4_SETUP(shift) \
	MOVQ s+0(FP), AX \
	VBROADCASTSS (AX), Y0 \
	VBROADCASTSS 4(AX), Y1 \
	VBROADCASTSS 8(AX), Y2 \
	VBROADCASTSS 12(AX), Y3 \
	MOVQ a_base+8(FP), SI \
	MOVQ lda+32(FP), R8 \
	SHLQ $shift, R8 \
	LEAQ (SI)(R8*1), R10 \
	LEAQ (R10)(R8*1), R11 \
	LEAQ (R11)(R8*1), R12 \
	MOVQ y_base+40(FP), DI \
	MOVQ y_len+48(FP), CX \
	SHRQ $3, CX

// AXPY4_NEXT moves the rows on by step bytes and y by ystep bytes, and
// loops to label while blocks are left.
#define AXPY4_NEXT(step, ystep, label) \
	ADDQ $step, SI \
	ADDQ $step, R10 \
	ADDQ $step, R11 \
	ADDQ $step, R12 \
	ADDQ $ystep, DI \
	DECQ CX \
	JNZ  label

// AXPY4_BF16(row, s) adds s times the 16 bfloat16 at row into Y4 and Y5.
// Unpacking words against zero (Y15) puts each in the top of a dword, which
// is its float32; VPUNPCKLWD takes words 0-3 and 8-11, VPUNPCKHWD 4-7 and
// 12-15, so Y4 and Y5 hold y in that order.
#define AXPY4_BF16(row, s) \
	VPUNPCKLWD (row), Y15, Y6 \
	VPUNPCKHWD (row), Y15, Y7 \
	VFMADD231PS Y6, s, Y4 \
	VFMADD231PS Y7, s, Y5

// AXPY4_F16(row, s) adds s times the 8 halves at row into Y4.
#define AXPY4_F16(row, s) \
	VCVTPH2PS (row), Y5 \
	VFMADD231PS Y5, s, Y4


// The half-precision kernels dot4F16ScaledAVX2 and dot4F16FiniteAVX2 widen without VCVTPH2PS, whose
// throughput on Zen 1 (about 2.7 halves per cycle, and it competes with the
// FMAs for their pipes) caps the GEMV well below the memory bandwidth.
// Instead, a half h in the top 16 bits of a dword, arithmetic-shifted right
// by 3 and masked, is the float32 whose sign, exponent and mantissa fields
// are h's: the value h·2⁻¹¹² (subnormal halves become float32 subnormals,
// exactly). Of each 32 halves of a row (loaded as dwords D1 and D2):
//   - the odd halves are D1 and D2 shifted;
//   - the even halves of D1 come from VPMADDWD by 2¹³ (the low word
//     sign-extended times 2¹³, the same bits as a shift), which runs on
//     another pipe than the shifts;
//   - the even halves of D2 come from a second load 2 bytes lower, which
//     puts them in the top words, then shifted.
// xs holds x·2¹¹², split into even and odd elements per 16 as splitPairs
// does, so each product is exactly h·x and the sums round as the
// converting kernel's do (in another order). The caller keeps |x| < 2¹⁶ so
// that xs is finite. Infinities and NaNs in a would read as finite
// numbers: the checked kernel reports whether a holds any (a half with all
// exponent bits set) and the caller then uses dot4F16AVX2; the unchecked
// one is for halves known to be finite. Registers: Y0, Y1 the even and odd
// xs of the first 16; Y2, Y3 scratch; Y4..Y11 the sums (even, odd) of the
// four rows, whose pointers are SI, R10, R11 and R12; Y12 2¹³ per dword;
// Y13 the largest |h| seen; Y14 the mask 0x8fffe000; Y15 0x7fff7fff.

// F16S_ROW(row, even, odd) accumulates the 32 halves at row.
#define F16S_ROW(row, even, odd) \
	VMOVDQU (row), Y2 \
	VPMADDWD Y12, Y2, Y3 \
	VPAND Y14, Y3, Y3 \
	VPSRAD $3, Y2, Y2 \
	VPAND Y14, Y2, Y2 \
	VFMADD231PS Y3, Y0, even \
	VFMADD231PS Y2, Y1, odd \
	VMOVDQU 30(row), Y3 \
	VMOVDQU 32(row), Y2 \
	VPSRAD $3, Y3, Y3 \
	VPAND Y14, Y3, Y3 \
	VPSRAD $3, Y2, Y2 \
	VPAND Y14, Y2, Y2 \
	VFMADD231PS 64(DI), Y3, even \
	VFMADD231PS 96(DI), Y2, odd

// F16S_CHECK(row) folds the 32 halves at row, less their signs, into Y13.
#define F16S_CHECK(row) \
	VPAND (row), Y15, Y2 \
	VPMAXUW Y2, Y13, Y13 \
	VPAND 32(row), Y15, Y3 \
	VPMAXUW Y3, Y13, Y13

// F16S_SETUP loads the arguments and constants; it leaves the number of
// 32-element blocks in CX.
#define F16S_SETUP \
	MOVQ a_base+0(FP), SI \
	MOVQ lda+24(FP), R8 \
	SHLQ $1, R8 \
	LEAQ (SI)(R8*1), R10 \
	LEAQ (R10)(R8*1), R11 \
	LEAQ (R11)(R8*1), R12 \
	MOVQ xs_base+32(FP), DI \
	MOVQ xs_len+40(FP), CX \
	SHRQ $5, CX \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7 \
	VXORPS Y8, Y8, Y8 \
	VXORPS Y9, Y9, Y9 \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11 \
	VPXOR  Y13, Y13, Y13 \
	MOVL   $0x2000, AX \
	VMOVD  AX, X12 \
	VPBROADCASTD X12, Y12 \
	MOVL   $0x8fffe000, AX \
	VMOVD  AX, X14 \
	VPBROADCASTD X14, Y14 \
	MOVL   $0x7fff7fff, AX \
	VMOVD  AX, X15 \
	VPBROADCASTD X15, Y15

// F16S_NEXT moves the rows and xs on by 32 elements and loops to label
// while blocks are left.
#define F16S_NEXT(label) \
	ADDQ $64, SI \
	ADDQ $64, R10 \
	ADDQ $64, R11 \
	ADDQ $64, R12 \
	ADDQ $128, DI \
	DECQ CX \
	JNZ  label

// func dotF32AVX2(a, x []float32) float32
TEXT ·dotF32AVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotf32_loop32:
	CMPQ CX, $32
	JLT  dotf32_loop8
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotf32_loop32

dotf32_loop8:
	CMPQ CX, $8
	JLT  dotf32_reduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotf32_loop8

dotf32_reduce:
	REDUCE4

dotf32_tail:
	TESTQ CX, CX
	JEQ   dotf32_done
	VMOVSS (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dotf32_tail

dotf32_done:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func dotBF16AVX2(a []BF16, x []float32) float32
TEXT ·dotBF16AVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotbf16_loop32:
	CMPQ CX, $32
	JLT  dotbf16_loop8
	PREFETCHT0 1024(SI)
	VPMOVZXWD (SI), Y4
	VPMOVZXWD 16(SI), Y5
	VPMOVZXWD 32(SI), Y6
	VPMOVZXWD 48(SI), Y7
	VPSLLD $16, Y4, Y4
	VPSLLD $16, Y5, Y5
	VPSLLD $16, Y6, Y6
	VPSLLD $16, Y7, Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotbf16_loop32

dotbf16_loop8:
	CMPQ CX, $8
	JLT  dotbf16_reduce
	VPMOVZXWD (SI), Y4
	VPSLLD $16, Y4, Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotbf16_loop8

dotbf16_reduce:
	REDUCE4

dotbf16_tail:
	TESTQ CX, CX
	JEQ   dotbf16_done
	MOVWLZX (SI), AX
	SHLL $16, AX
	VMOVD AX, X1
	VFMADD231SS (DI), X1, X0
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dotbf16_tail

dotbf16_done:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func dotF16AVX2(a []F16, x []float32) float32
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotf16_loop32:
	CMPQ CX, $32
	JLT  dotf16_loop8
	VCVTPH2PS (SI), Y4
	VCVTPH2PS 16(SI), Y5
	VCVTPH2PS 32(SI), Y6
	VCVTPH2PS 48(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotf16_loop32

dotf16_loop8:
	CMPQ CX, $8
	JLT  dotf16_reduce
	VCVTPH2PS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotf16_loop8

dotf16_reduce:
	REDUCE4

dotf16_tail:
	TESTQ CX, CX
	JEQ   dotf16_done
	MOVWLZX (SI), AX
	VMOVD AX, X1
	VCVTPH2PS X1, X1
	VFMADD231SS (DI), X1, X0
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dotf16_tail

dotf16_done:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func axpyF32AVX2(alpha float32, x, y []float32)
TEXT ·axpyF32AVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	MOVQ y_len+40(FP), CX

axpyf32_loop32:
	CMPQ CX, $32
	JLT  axpyf32_loop8
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VMOVUPS 64(DI), Y3
	VMOVUPS 96(DI), Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VFMADD231PS 64(SI), Y0, Y3
	VFMADD231PS 96(SI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  axpyf32_loop32

axpyf32_loop8:
	CMPQ CX, $8
	JLT  axpyf32_tail
	VMOVUPS (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpyf32_loop8

axpyf32_tail:
	TESTQ CX, CX
	JEQ   axpyf32_done
	VMOVSS (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpyf32_tail

axpyf32_done:
	VZEROUPPER
	RET

// func axpyBF16AVX2(alpha float32, x []BF16, y []float32)
TEXT ·axpyBF16AVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	MOVQ y_len+40(FP), CX

axpybf16_loop16:
	CMPQ CX, $16
	JLT  axpybf16_loop8
	VPMOVZXWD (SI), Y5
	VPMOVZXWD 16(SI), Y6
	VPSLLD $16, Y5, Y5
	VPSLLD $16, Y6, Y6
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VFMADD231PS Y5, Y0, Y1
	VFMADD231PS Y6, Y0, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  axpybf16_loop16

axpybf16_loop8:
	CMPQ CX, $8
	JLT  axpybf16_tail
	VPMOVZXWD (SI), Y5
	VPSLLD $16, Y5, Y5
	VMOVUPS (DI), Y1
	VFMADD231PS Y5, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpybf16_loop8

axpybf16_tail:
	TESTQ CX, CX
	JEQ   axpybf16_done
	MOVWLZX (SI), AX
	SHLL $16, AX
	VMOVD AX, X5
	VMOVSS (DI), X1
	VFMADD231SS X5, X0, X1
	VMOVSS X1, (DI)
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpybf16_tail

axpybf16_done:
	VZEROUPPER
	RET

// func axpyF16AVX2(alpha float32, x []F16, y []float32)
TEXT ·axpyF16AVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	MOVQ y_len+40(FP), CX

axpyf16_loop16:
	CMPQ CX, $16
	JLT  axpyf16_loop8
	VCVTPH2PS (SI), Y5
	VCVTPH2PS 16(SI), Y6
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VFMADD231PS Y5, Y0, Y1
	VFMADD231PS Y6, Y0, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  axpyf16_loop16

axpyf16_loop8:
	CMPQ CX, $8
	JLT  axpyf16_tail
	VCVTPH2PS (SI), Y5
	VMOVUPS (DI), Y1
	VFMADD231PS Y5, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpyf16_loop8

axpyf16_tail:
	TESTQ CX, CX
	JEQ   axpyf16_done
	MOVWLZX (SI), AX
	VMOVD AX, X5
	VCVTPH2PS X5, X5
	VMOVSS (DI), X1
	VFMADD231SS X5, X0, X1
	VMOVSS X1, (DI)
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpyf16_tail

axpyf16_done:
	VZEROUPPER
	RET

// func axpy4F32AVX2(s *[4]float32, a []float32, lda int, y []float32)
//
// Adding four scaled rows per pass over y, instead of one, loads and
// stores y a quarter as often: the transposed GEMV is otherwise bound by
// the stores of y rather than by reading A.
TEXT ·axpy4F32AVX2(SB), NOSPLIT, $0-64
	AXPY4_SETUP(2)
	TESTQ CX, CX
	JEQ   axpy4f32_done

axpy4f32_loop:
	VMOVUPS (DI), Y4
	VFMADD231PS (SI), Y0, Y4
	VFMADD231PS (R10), Y1, Y4
	VFMADD231PS (R11), Y2, Y4
	VFMADD231PS (R12), Y3, Y4
	VMOVUPS Y4, (DI)
	AXPY4_NEXT(32, 32, axpy4f32_loop)

axpy4f32_done:
	VZEROUPPER
	RET

// func axpy4BF16AVX2(s *[4]float32, a []BF16, lda int, y []float32)
TEXT ·axpy4BF16AVX2(SB), NOSPLIT, $0-64
	AXPY4_SETUP(1)
	SHRQ  $1, CX // blocks of 16
	VPXOR Y15, Y15, Y15
	TESTQ CX, CX
	JEQ   axpy4bf16_done

axpy4bf16_loop:
	// Y4 = y[0:4], y[8:12]; Y5 = y[4:8], y[12:16] (see AXPY4_BF16).
	VMOVUPS      (DI), X4
	VINSERTF128  $1, 32(DI), Y4, Y4
	VMOVUPS      16(DI), X5
	VINSERTF128  $1, 48(DI), Y5, Y5
	AXPY4_BF16(SI, Y0)
	AXPY4_BF16(R10, Y1)
	AXPY4_BF16(R11, Y2)
	AXPY4_BF16(R12, Y3)
	VMOVUPS      X4, (DI)
	VEXTRACTF128 $1, Y4, 32(DI)
	VMOVUPS      X5, 16(DI)
	VEXTRACTF128 $1, Y5, 48(DI)
	AXPY4_NEXT(32, 64, axpy4bf16_loop)

axpy4bf16_done:
	VZEROUPPER
	RET

// func axpy4F16AVX2(s *[4]float32, a []F16, lda int, y []float32)
TEXT ·axpy4F16AVX2(SB), NOSPLIT, $0-64
	AXPY4_SETUP(1)
	TESTQ CX, CX
	JEQ   axpy4f16_done

axpy4f16_loop:
	VMOVUPS (DI), Y4
	AXPY4_F16(SI, Y0)
	AXPY4_F16(R10, Y1)
	AXPY4_F16(R11, Y2)
	AXPY4_F16(R12, Y3)
	VMOVUPS Y4, (DI)
	AXPY4_NEXT(16, 32, axpy4f16_loop)

axpy4f16_done:
	VZEROUPPER
	RET

// func widenBF16AVX2(dst []float32, src []BF16)
TEXT ·widenBF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

widenbf16_loop16:
	CMPQ CX, $16
	JLT  widenbf16_loop8
	VPMOVZXWD (SI), Y0
	VPMOVZXWD 16(SI), Y1
	VPSLLD $16, Y0, Y0
	VPSLLD $16, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  widenbf16_loop16

widenbf16_loop8:
	CMPQ CX, $8
	JLT  widenbf16_tail
	VPMOVZXWD (SI), Y0
	VPSLLD $16, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  widenbf16_loop8

widenbf16_tail:
	TESTQ CX, CX
	JEQ   widenbf16_done
	MOVWLZX (SI), AX
	SHLL $16, AX
	MOVL AX, (DI)
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  widenbf16_tail

widenbf16_done:
	VZEROUPPER
	RET

// func widenF16AVX2(dst []float32, src []F16)
TEXT ·widenF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

widenf16_loop16:
	CMPQ CX, $16
	JLT  widenf16_loop8
	VCVTPH2PS (SI), Y0
	VCVTPH2PS 16(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  widenf16_loop16

widenf16_loop8:
	CMPQ CX, $8
	JLT  widenf16_tail
	VCVTPH2PS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  widenf16_loop8

widenf16_tail:
	TESTQ CX, CX
	JEQ   widenf16_done
	MOVWLZX (SI), AX
	VMOVD AX, X0
	VCVTPH2PS X0, X0
	VMOVSS X0, (DI)
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JMP  widenf16_tail

widenf16_done:
	VZEROUPPER
	RET

// func narrowF16AVX2(dst []F16, src []float32)
TEXT ·narrowF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

narrowf16_loop8:
	CMPQ CX, $8
	JLT  narrowf16_tail
	VMOVUPS (SI), Y0
	VCVTPS2PH $0, Y0, (DI)
	ADDQ $32, SI
	ADDQ $16, DI
	SUBQ $8, CX
	JMP  narrowf16_loop8

narrowf16_tail:
	TESTQ CX, CX
	JEQ   narrowf16_done
	VMOVSS (SI), X0
	VCVTPS2PH $0, X0, X0
	VMOVD X0, AX
	MOVW AX, (DI)
	ADDQ $4, SI
	ADDQ $2, DI
	DECQ CX
	JMP  narrowf16_tail

narrowf16_done:
	VZEROUPPER
	RET

// func dot4F32AVX2(a []float32, lda int, x []float32, y *[4]float32)
TEXT ·dot4F32AVX2(SB), NOSPLIT, $0-64
	MOVQ a_base+0(FP), SI
	MOVQ lda+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ x_base+32(FP), DI
	MOVQ x_len+40(FP), CX
	SHRQ $4, CX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JEQ   dot4f32_reduce

dot4f32_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VFMADD231PS (SI), Y0, Y4
	VFMADD231PS 32(SI), Y1, Y8
	VFMADD231PS (SI)(R8*1), Y0, Y5
	VFMADD231PS 32(SI)(R8*1), Y1, Y9
	VFMADD231PS (SI)(R8*2), Y0, Y6
	VFMADD231PS 32(SI)(R8*2), Y1, Y10
	VFMADD231PS (SI)(R9*1), Y0, Y7
	VFMADD231PS 32(SI)(R9*1), Y1, Y11
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  dot4f32_loop

dot4f32_reduce:
	MOVQ y+56(FP), DX
	JMP  dot4store<>(SB)

// func dot4BF16AVX2(a []BF16, lda int, x, xp []float32, y *[4]float32)
//
// A 32-byte load holds 16 bfloat16 as 8 dwords; the even elements are
// dword<<16 and the odd ones dword&0xffff0000, so xp holds x split the
// same way (per 16 elements: the 8 even ones, then the 8 odd ones).
TEXT ·dot4BF16AVX2(SB), NOSPLIT, $0-88
	MOVQ a_base+0(FP), SI
	MOVQ lda+24(FP), R8
	SHLQ $1, R8
	LEAQ (R8)(R8*2), R9
	MOVQ xp_base+56(FP), DI
	MOVQ xp_len+64(FP), CX
	SHRQ $5, CX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VPCMPEQD Y14, Y14, Y14
	VPSLLD $16, Y14, Y14 // 0xffff0000 in every dword
	TESTQ CX, CX
	JEQ   dot4bf16_reduce

dot4bf16_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y12
	VMOVUPS 96(DI), Y13
	VMOVDQU (SI), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y0, Y4
	VFMADD231PS Y2, Y1, Y8
	VMOVDQU 32(SI), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y12, Y4
	VFMADD231PS Y2, Y13, Y8
	VMOVDQU (SI)(R8*1), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y0, Y5
	VFMADD231PS Y2, Y1, Y9
	VMOVDQU 32(SI)(R8*1), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y12, Y5
	VFMADD231PS Y2, Y13, Y9
	VMOVDQU (SI)(R8*2), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y0, Y6
	VFMADD231PS Y2, Y1, Y10
	VMOVDQU 32(SI)(R8*2), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y12, Y6
	VFMADD231PS Y2, Y13, Y10
	VMOVDQU (SI)(R9*1), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y0, Y7
	VFMADD231PS Y2, Y1, Y11
	VMOVDQU 32(SI)(R9*1), Y2
	VPSLLD $16, Y2, Y3
	VPAND Y14, Y2, Y2
	VFMADD231PS Y3, Y12, Y7
	VFMADD231PS Y2, Y13, Y11
	ADDQ $64, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  dot4bf16_loop

dot4bf16_reduce:
	MOVQ y+80(FP), DX
	JMP  dot4store<>(SB)

// func dot4F16AVX2(a []F16, lda int, x []float32, y *[4]float32)
//
// It converts with 128-bit VCVTPH2PS: on cores that split 256-bit
// operations in two (AMD Zen 1) the 256-bit form is several times slower
// per element, and 128-bit FMAs cost the same per element there.
TEXT ·dot4F16AVX2(SB), NOSPLIT, $0-64
	MOVQ a_base+0(FP), SI
	MOVQ lda+24(FP), R8
	SHLQ $1, R8
	LEAQ (R8)(R8*2), R9
	MOVQ x_base+32(FP), DI
	MOVQ x_len+40(FP), CX
	SHRQ $4, CX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JEQ   dot4f16_reduce

dot4f16_loop:
	VMOVUPS (DI), X0
	VMOVUPS 16(DI), X1
	VMOVUPS 32(DI), X12
	VMOVUPS 48(DI), X13
	VCVTPH2PS (SI), X2
	VFMADD231PS X2, X0, X4
	VCVTPH2PS 8(SI), X3
	VFMADD231PS X3, X1, X8
	VCVTPH2PS 16(SI), X2
	VFMADD231PS X2, X12, X4
	VCVTPH2PS 24(SI), X3
	VFMADD231PS X3, X13, X8
	VCVTPH2PS (SI)(R8*1), X2
	VFMADD231PS X2, X0, X5
	VCVTPH2PS 8(SI)(R8*1), X3
	VFMADD231PS X3, X1, X9
	VCVTPH2PS 16(SI)(R8*1), X2
	VFMADD231PS X2, X12, X5
	VCVTPH2PS 24(SI)(R8*1), X3
	VFMADD231PS X3, X13, X9
	VCVTPH2PS (SI)(R8*2), X2
	VFMADD231PS X2, X0, X6
	VCVTPH2PS 8(SI)(R8*2), X3
	VFMADD231PS X3, X1, X10
	VCVTPH2PS 16(SI)(R8*2), X2
	VFMADD231PS X2, X12, X6
	VCVTPH2PS 24(SI)(R8*2), X3
	VFMADD231PS X3, X13, X10
	VCVTPH2PS (SI)(R9*1), X2
	VFMADD231PS X2, X0, X7
	VCVTPH2PS 8(SI)(R9*1), X3
	VFMADD231PS X3, X1, X11
	VCVTPH2PS 16(SI)(R9*1), X2
	VFMADD231PS X2, X12, X7
	VCVTPH2PS 24(SI)(R9*1), X3
	VFMADD231PS X3, X13, X11
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  dot4f16_loop

dot4f16_reduce:
	MOVQ y+56(FP), DX
	JMP  dot4store<>(SB)

// func dot4F16ScaledAVX2(a []F16, lda int, xs []float32, y *[4]float32) (special bool)
//
// See F16S_ROW at the top of this file.
TEXT ·dot4F16ScaledAVX2(SB), NOSPLIT, $0-65
	F16S_SETUP
	TESTQ CX, CX
	JEQ   dot4f16s_reduce

dot4f16s_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	F16S_CHECK(SI)
	F16S_ROW(SI, Y4, Y8)
	F16S_CHECK(R10)
	F16S_ROW(R10, Y5, Y9)
	F16S_CHECK(R11)
	F16S_ROW(R11, Y6, Y10)
	F16S_CHECK(R12)
	F16S_ROW(R12, Y7, Y11)
	F16S_NEXT(dot4f16s_loop)

dot4f16s_reduce:
	// An infinity or NaN has |h| >= 0x7c00.
	VEXTRACTI128 $1, Y13, X15
	VPMAXUW X15, X13, X13
	MOVL  $0x7bff7bff, AX
	VMOVD AX, X15
	VPBROADCASTD X15, X15
	VPSUBUSW X15, X13, X13
	VPTEST X13, X13
	SETNE AL
	MOVB  AL, special+64(FP)
	MOVQ y+56(FP), DX
	JMP  dot4store<>(SB)

// func dot4F16FiniteAVX2(a []F16, lda int, xs []float32, y *[4]float32)
TEXT ·dot4F16FiniteAVX2(SB), NOSPLIT, $0-64
	F16S_SETUP
	TESTQ CX, CX
	JEQ   dot4f16f_reduce

dot4f16f_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	F16S_ROW(SI, Y4, Y8)
	F16S_ROW(R10, Y5, Y9)
	F16S_ROW(R11, Y6, Y10)
	F16S_ROW(R12, Y7, Y11)
	F16S_NEXT(dot4f16f_loop)

dot4f16f_reduce:
	MOVQ y+56(FP), DX
	JMP  dot4store<>(SB)

// dot4store adds Y8..Y11 into Y4..Y7, sums each across its lanes and
// stores the four sums at DX. It is jumped to, not called.
TEXT dot4store<>(SB), NOSPLIT|NOFRAME, $0
	VADDPS Y8, Y4, Y4
	VADDPS Y9, Y5, Y5
	VADDPS Y10, Y6, Y6
	VADDPS Y11, Y7, Y7
	// Y4 = (r0 r1 pairs ...): two rounds of horizontal adds give, per
	// 128-bit lane, the partial sums of rows 0..3; then add the lanes.
	VHADDPS Y5, Y4, Y4
	VHADDPS Y7, Y6, Y6
	VHADDPS Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPS X5, X4, X4
	VMOVUPS X4, (DX)
	VZEROUPPER
	RET
