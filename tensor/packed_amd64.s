//go:build !noasm && !gccgo

#include "textflag.h"

// func gemvPanelsAVX2(nr, kb int, a, blk, acc []float32)
// nr == 16: a row of a sliver is 64 bytes, two loads. The slivers go two
// at a time, one from each half of blk, so that two memory streams run at
// once; for each, the even and odd rows of the slice sum into separate
// accumulators (so that consecutive fused multiply-adds do not wait on
// each other), added as even+odd into acc. A last, odd sliver goes alone
// with the same steps, so every column's sum is the same whichever sliver
// it is paired with.
TEXT ·gemvPanelsAVX2(SB), NOSPLIT, $0-88
	MOVQ  kb+8(FP), CX
	MOVQ  a_base+16(FP), SI
	MOVQ  blk_base+40(FP), DI
	MOVQ  acc_base+64(FP), DX
	MOVQ  acc_len+72(FP), R8
	SHRQ  $4, R8 // slivers
	MOVQ  R8, R11
	SHRQ  $1, R11 // pairs left
	MOVQ  R11, AX
	IMULQ CX, AX
	SHLQ  $6, AX
	LEAQ  (DI)(AX*1), BX // the second stream: sliver number pairs
	MOVQ  R11, R13
	SHLQ  $6, R13 // bytes of acc between the streams' columns
	XORQ  R9, R9 // byte offset in acc of the first stream's sliver

pp2_pair:
	TESTQ R11, R11
	JEQ   pp2_odd
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ  SI, R10
	MOVQ  CX, R12

pp2_loop2:
	CMPQ         R12, $2
	JLT          pp2_tail
	VBROADCASTSS (R10), Y8
	VBROADCASTSS 4(R10), Y9
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  (BX), Y8, Y4
	VFMADD231PS  32(BX), Y8, Y5
	VFMADD231PS  64(DI), Y9, Y2
	VFMADD231PS  96(DI), Y9, Y3
	VFMADD231PS  64(BX), Y9, Y6
	VFMADD231PS  96(BX), Y9, Y7
	ADDQ         $128, DI
	ADDQ         $128, BX
	ADDQ         $8, R10
	SUBQ         $2, R12
	JMP          pp2_loop2

pp2_tail:
	TESTQ        R12, R12
	JEQ          pp2_sum
	VBROADCASTSS (R10), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  (BX), Y8, Y4
	VFMADD231PS  32(BX), Y8, Y5
	ADDQ         $64, DI
	ADDQ         $64, BX

pp2_sum:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VADDPS  Y6, Y4, Y4
	VADDPS  Y7, Y5, Y5
	LEAQ    (DX)(R9*1), R10
	VADDPS  (R10), Y0, Y0
	VADDPS  32(R10), Y1, Y1
	VMOVUPS Y0, (R10)
	VMOVUPS Y1, 32(R10)
	ADDQ    R13, R10
	VADDPS  (R10), Y4, Y4
	VADDPS  32(R10), Y5, Y5
	VMOVUPS Y4, (R10)
	VMOVUPS Y5, 32(R10)
	ADDQ    $64, R9
	DECQ    R11
	JMP     pp2_pair

pp2_odd:
	TESTQ $1, R8
	JEQ   pp2_done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ  SI, R10
	MOVQ  CX, R12

pp2_loop2s:
	CMPQ         R12, $2
	JLT          pp2_tails
	VBROADCASTSS (R10), Y8
	VBROADCASTSS 4(R10), Y9
	VFMADD231PS  (BX), Y8, Y0
	VFMADD231PS  32(BX), Y8, Y1
	VFMADD231PS  64(BX), Y9, Y2
	VFMADD231PS  96(BX), Y9, Y3
	ADDQ         $128, BX
	ADDQ         $8, R10
	SUBQ         $2, R12
	JMP          pp2_loop2s

pp2_tails:
	TESTQ        R12, R12
	JEQ          pp2_sums
	VBROADCASTSS (R10), Y8
	VFMADD231PS  (BX), Y8, Y0
	VFMADD231PS  32(BX), Y8, Y1

pp2_sums:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	LEAQ    (DX)(R13*2), R10
	VADDPS  (R10), Y0, Y0
	VADDPS  32(R10), Y1, Y1
	VMOVUPS Y0, (R10)
	VMOVUPS Y1, 32(R10)

pp2_done:
	VZEROUPPER
	RET

// func gemvPanelsAVX512(nr, kb int, a, blk, acc []float32)
// nr == 32: a row of a sliver is 128 bytes, two loads. The slivers go two
// at a time, one from each half of blk, so that two memory streams run at
// once; for each, the even and odd rows of the slice sum into separate
// accumulators (so that consecutive fused multiply-adds do not wait on
// each other), added as even+odd into acc. A last, odd sliver goes alone
// with the same steps, so every column's sum is the same whichever sliver
// it is paired with.
TEXT ·gemvPanelsAVX512(SB), NOSPLIT, $0-88
	MOVQ  kb+8(FP), CX
	MOVQ  a_base+16(FP), SI
	MOVQ  blk_base+40(FP), DI
	MOVQ  acc_base+64(FP), DX
	MOVQ  acc_len+72(FP), R8
	SHRQ  $5, R8 // slivers
	MOVQ  R8, R11
	SHRQ  $1, R11 // pairs left
	MOVQ  R11, AX
	IMULQ CX, AX
	SHLQ  $7, AX
	LEAQ  (DI)(AX*1), BX // the second stream: sliver number pairs
	MOVQ  R11, R13
	SHLQ  $7, R13 // bytes of acc between the streams' columns
	XORQ  R9, R9 // byte offset in acc of the first stream's sliver

pp5_pair:
	TESTQ R11, R11
	JEQ   pp5_odd
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	MOVQ  SI, R10
	MOVQ  CX, R12

pp5_loop2:
	CMPQ         R12, $2
	JLT          pp5_tail
	VBROADCASTSS (R10), Z8
	VBROADCASTSS 4(R10), Z9
	VFMADD231PS  (DI), Z8, Z0
	VFMADD231PS  64(DI), Z8, Z1
	VFMADD231PS  (BX), Z8, Z4
	VFMADD231PS  64(BX), Z8, Z5
	VFMADD231PS  128(DI), Z9, Z2
	VFMADD231PS  192(DI), Z9, Z3
	VFMADD231PS  128(BX), Z9, Z6
	VFMADD231PS  192(BX), Z9, Z7
	ADDQ         $256, DI
	ADDQ         $256, BX
	ADDQ         $8, R10
	SUBQ         $2, R12
	JMP          pp5_loop2

pp5_tail:
	TESTQ        R12, R12
	JEQ          pp5_sum
	VBROADCASTSS (R10), Z8
	VFMADD231PS  (DI), Z8, Z0
	VFMADD231PS  64(DI), Z8, Z1
	VFMADD231PS  (BX), Z8, Z4
	VFMADD231PS  64(BX), Z8, Z5
	ADDQ         $128, DI
	ADDQ         $128, BX

pp5_sum:
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	VADDPS  Z6, Z4, Z4
	VADDPS  Z7, Z5, Z5
	LEAQ    (DX)(R9*1), R10
	VADDPS  (R10), Z0, Z0
	VADDPS  64(R10), Z1, Z1
	VMOVUPS Z0, (R10)
	VMOVUPS Z1, 64(R10)
	ADDQ    R13, R10
	VADDPS  (R10), Z4, Z4
	VADDPS  64(R10), Z5, Z5
	VMOVUPS Z4, (R10)
	VMOVUPS Z5, 64(R10)
	ADDQ    $128, R9
	DECQ    R11
	JMP     pp5_pair

pp5_odd:
	TESTQ $1, R8
	JEQ   pp5_done
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ  SI, R10
	MOVQ  CX, R12

pp5_loop2s:
	CMPQ         R12, $2
	JLT          pp5_tails
	VBROADCASTSS (R10), Z8
	VBROADCASTSS 4(R10), Z9
	VFMADD231PS  (BX), Z8, Z0
	VFMADD231PS  64(BX), Z8, Z1
	VFMADD231PS  128(BX), Z9, Z2
	VFMADD231PS  192(BX), Z9, Z3
	ADDQ         $256, BX
	ADDQ         $8, R10
	SUBQ         $2, R12
	JMP          pp5_loop2s

pp5_tails:
	TESTQ        R12, R12
	JEQ          pp5_sums
	VBROADCASTSS (R10), Z8
	VFMADD231PS  (BX), Z8, Z0
	VFMADD231PS  64(BX), Z8, Z1

pp5_sums:
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	LEAQ    (DX)(R13*2), R10
	VADDPS  (R10), Z0, Z0
	VADDPS  64(R10), Z1, Z1
	VMOVUPS Z0, (R10)
	VMOVUPS Z1, 64(R10)

pp5_done:
	VZEROUPPER
	RET
