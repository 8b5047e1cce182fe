//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// gemmQ8TileVNNI: 32 weight rows by 6 tokens over nb blocks of 32, with
// 8-bit integer products (VPDPBUSD on 512-bit registers). Per block, the
// weight panel w holds the rows' values as unsigned bytes, four
// consecutive columns per int32 lane ([8 quads][32 rows][4], 1024 bytes),
// then the rows' scales s (32 float32) and offset coefficients o (32
// float32); the activation tile a holds the tokens' signed bytes, four per
// lane ([8 quads][6 tokens][4], 192 bytes), then the tokens' scales dx (6
// float32) and scaled sums sx (6 float32). Per block and token,
// out += (s·dx)·Σ(w·a) − o·sx. Registers: Z0–Z11 the block's int32 sums
// (rows 0–15 for tokens 0–5, then rows 16–31), Z12–Z23 the float32
// results in the same order, Z24–Z25 the weight quads, Z26–Z29 s and o.

// QUAD multiplies weight quad K (at byte WOFF of the block) by the six
// tokens' quads (at byte AOFF of the tile).
#define QUAD(WOFF, AOFF) \
	VMOVDQU32 WOFF(SI), Z24 \
	VMOVDQU32 WOFF+64(SI), Z25 \
	VPDPBUSD.BCST AOFF(DI), Z24, Z0 \
	VPDPBUSD.BCST AOFF(DI), Z25, Z6 \
	VPDPBUSD.BCST AOFF+4(DI), Z24, Z1 \
	VPDPBUSD.BCST AOFF+4(DI), Z25, Z7 \
	VPDPBUSD.BCST AOFF+8(DI), Z24, Z2 \
	VPDPBUSD.BCST AOFF+8(DI), Z25, Z8 \
	VPDPBUSD.BCST AOFF+12(DI), Z24, Z3 \
	VPDPBUSD.BCST AOFF+12(DI), Z25, Z9 \
	VPDPBUSD.BCST AOFF+16(DI), Z24, Z4 \
	VPDPBUSD.BCST AOFF+16(DI), Z25, Z10 \
	VPDPBUSD.BCST AOFF+20(DI), Z24, Z5 \
	VPDPBUSD.BCST AOFF+20(DI), Z25, Z11

// SCALE folds token T's block sums (LO rows 0–15, HI rows 16–31) into
// its results FLO and FHI.
#define SCALE(T, LO, HI, FLO, FHI) \
	VMULPS.BCST 192+4*T(DI), Z26, Z30 \
	VCVTDQ2PS LO, LO \
	VFMADD231PS Z30, LO, FLO \
	VFNMADD231PS.BCST 216+4*T(DI), Z28, FLO \
	VMULPS.BCST 192+4*T(DI), Z27, Z31 \
	VCVTDQ2PS HI, HI \
	VFMADD231PS Z31, HI, FHI \
	VFNMADD231PS.BCST 216+4*T(DI), Z29, FHI

// func gemmQ8TileVNNI(w *byte, a *byte, nb int, out *[6 * 32]float32)
TEXT ·gemmQ8TileVNNI(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ out+24(FP), DX
	ZERO12(Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	TESTQ CX, CX
	JZ    done

loop:
	ZERO12(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11)
	QUAD(0, 0)
	QUAD(128, 24)
	QUAD(256, 48)
	QUAD(384, 72)
	QUAD(512, 96)
	QUAD(640, 120)
	QUAD(768, 144)
	QUAD(896, 168)
	VMOVUPS 1024(SI), Z26
	VMOVUPS 1088(SI), Z27
	VMOVUPS 1152(SI), Z28
	VMOVUPS 1216(SI), Z29
	SCALE(0, Z0, Z6, Z12, Z18)
	SCALE(1, Z1, Z7, Z13, Z19)
	SCALE(2, Z2, Z8, Z14, Z20)
	SCALE(3, Z3, Z9, Z15, Z21)
	SCALE(4, Z4, Z10, Z16, Z22)
	SCALE(5, Z5, Z11, Z17, Z23)
	ADDQ $1280, SI
	ADDQ $240, DI
	DECQ CX
	JNZ  loop

done:
	DOT_TILE_STORE(Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET
