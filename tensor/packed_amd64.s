//go:build !noasm && !gccgo

#include "textflag.h"

// func gemvPanelAVX2(nr, kb int, a, panel, acc []float32)
// For each group of 16 columns: four accumulators (even and odd q, two
// halves each) so that consecutive fused multiply-adds do not wait on each
// other.
TEXT ·gemvPanelAVX2(SB), NOSPLIT, $0-88
	MOVQ nr+0(FP), R8
	MOVQ kb+8(FP), CX
	MOVQ a_base+16(FP), SI
	MOVQ panel_base+40(FP), DI
	MOVQ acc_base+64(FP), DX
	SHLQ $2, R8   // row stride of the panel in bytes
	XORQ R9, R9   // byte offset of the column group

gemvpanel_group:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   SI, R10
	LEAQ   (DI)(R9*1), R11
	MOVQ   CX, R12

gemvpanel_loop2:
	CMPQ         R12, $2
	JLT          gemvpanel_tail
	VBROADCASTSS (R10), Y4
	VBROADCASTSS 4(R10), Y5
	VFMADD231PS  (R11), Y4, Y0
	VFMADD231PS  32(R11), Y4, Y1
	ADDQ         R8, R11
	VFMADD231PS  (R11), Y5, Y2
	VFMADD231PS  32(R11), Y5, Y3
	ADDQ         R8, R11
	ADDQ         $8, R10
	SUBQ         $2, R12
	JMP          gemvpanel_loop2

gemvpanel_tail:
	TESTQ        R12, R12
	JEQ          gemvpanel_store
	VBROADCASTSS (R10), Y4
	VFMADD231PS  (R11), Y4, Y0
	VFMADD231PS  32(R11), Y4, Y1

gemvpanel_store:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VADDPS  (DX)(R9*1), Y0, Y0
	VADDPS  32(DX)(R9*1), Y1, Y1
	VMOVUPS Y0, (DX)(R9*1)
	VMOVUPS Y1, 32(DX)(R9*1)
	ADDQ    $64, R9
	CMPQ    R9, R8
	JLT     gemvpanel_group
	VZEROUPPER
	RET
