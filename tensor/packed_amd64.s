//go:build !noasm && !gccgo

#include "textflag.h"

// func gemvPanelsAVX2(nr, kb int, a, blk, acc []float32)
// nr == 16: each row of a sliver is 64 bytes, two ymm loads. Four rows
// per step into eight accumulators (two per row, so that consecutive fused
// multiply-adds do not wait on each other); the slivers lie one after
// another, so blk is read once, front to back.
TEXT ·gemvPanelsAVX2(SB), NOSPLIT, $0-88
	MOVQ kb+8(FP), CX
	MOVQ a_base+16(FP), SI
	MOVQ blk_base+40(FP), DI
	MOVQ acc_base+64(FP), DX
	MOVQ acc_len+72(FP), R8
	SHLQ $2, R8 // bytes of acc
	XORQ R9, R9 // byte offset of the sliver's columns in acc

sl2_sliver:
	CMPQ   R9, R8
	JGE    sl2_done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   SI, R10
	MOVQ   CX, R12

sl2_loop4:
	CMPQ         R12, $4
	JLT          sl2_tail
	VBROADCASTSS (R10), Y8
	VBROADCASTSS 4(R10), Y9
	VBROADCASTSS 8(R10), Y10
	VBROADCASTSS 12(R10), Y11
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  64(DI), Y9, Y2
	VFMADD231PS  96(DI), Y9, Y3
	VFMADD231PS  128(DI), Y10, Y4
	VFMADD231PS  160(DI), Y10, Y5
	VFMADD231PS  192(DI), Y11, Y6
	VFMADD231PS  224(DI), Y11, Y7
	ADDQ         $256, DI
	ADDQ         $16, R10
	SUBQ         $4, R12
	JMP          sl2_loop4

sl2_tail:
	TESTQ        R12, R12
	JEQ          sl2_sum
	VBROADCASTSS (R10), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	ADDQ         $64, DI
	ADDQ         $4, R10
	DECQ         R12
	JMP          sl2_tail

sl2_sum:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y6, Y4, Y4
	VADDPS  Y3, Y1, Y1
	VADDPS  Y7, Y5, Y5
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  (DX)(R9*1), Y0, Y0
	VADDPS  32(DX)(R9*1), Y1, Y1
	VMOVUPS Y0, (DX)(R9*1)
	VMOVUPS Y1, 32(DX)(R9*1)
	ADDQ    $64, R9
	JMP     sl2_sliver

sl2_done:
	VZEROUPPER
	RET

// func gemvPanelsAVX512(nr, kb int, a, blk, acc []float32)
// gemvPanelsAVX2 for nr == 32: each row of a sliver is 128 bytes, two
// zmm loads.
TEXT ·gemvPanelsAVX512(SB), NOSPLIT, $0-88
	MOVQ kb+8(FP), CX
	MOVQ a_base+16(FP), SI
	MOVQ blk_base+40(FP), DI
	MOVQ acc_base+64(FP), DX
	MOVQ acc_len+72(FP), R8
	SHLQ $2, R8 // bytes of acc
	XORQ R9, R9 // byte offset of the sliver's columns in acc

sl5_sliver:
	CMPQ   R9, R8
	JGE    sl5_done
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	MOVQ   SI, R10
	MOVQ   CX, R12

sl5_loop4:
	CMPQ         R12, $4
	JLT          sl5_tail
	VBROADCASTSS (R10), Z8
	VBROADCASTSS 4(R10), Z9
	VBROADCASTSS 8(R10), Z10
	VBROADCASTSS 12(R10), Z11
	VFMADD231PS  (DI), Z8, Z0
	VFMADD231PS  64(DI), Z8, Z1
	VFMADD231PS  128(DI), Z9, Z2
	VFMADD231PS  192(DI), Z9, Z3
	VFMADD231PS  256(DI), Z10, Z4
	VFMADD231PS  320(DI), Z10, Z5
	VFMADD231PS  384(DI), Z11, Z6
	VFMADD231PS  448(DI), Z11, Z7
	ADDQ         $512, DI
	ADDQ         $16, R10
	SUBQ         $4, R12
	JMP          sl5_loop4

sl5_tail:
	TESTQ        R12, R12
	JEQ          sl5_sum
	VBROADCASTSS (R10), Z8
	VFMADD231PS  (DI), Z8, Z0
	VFMADD231PS  64(DI), Z8, Z1
	ADDQ         $128, DI
	ADDQ         $4, R10
	DECQ         R12
	JMP          sl5_tail

sl5_sum:
	VADDPS  Z2, Z0, Z0
	VADDPS  Z6, Z4, Z4
	VADDPS  Z3, Z1, Z1
	VADDPS  Z7, Z5, Z5
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VADDPS  (DX)(R9*1), Z0, Z0
	VADDPS  64(DX)(R9*1), Z1, Z1
	VMOVUPS Z0, (DX)(R9*1)
	VMOVUPS Z1, 64(DX)(R9*1)
	ADDQ    $128, R9
	JMP     sl5_sliver

sl5_done:
	VZEROUPPER
	RET
