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
