//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// gemmBF16TileAVX512: 32 weight rows by 6 rows of x over `pairs` pairs of
// columns, with AVX512_BF16's VDPBF16PS (each float32 lane adds the
// products of a pair of bfloat16s). Per pair, the weight panel w holds the
// 32 rows' two bfloat16s ([32 rows][2], 128 bytes) and the tile a the six
// rows of x's ([6][2], 24 bytes, broadcast from memory). Z0–Z5 are the
// results of rows 0–15 for x's rows 0–5, Z6–Z11 those of rows 16–31.
//
// Go's assembler does not know VDPBF16PS (EVEX.512.F3.0F38.W0 52 /r), so
// the twelve of a pair are written as bytes, as GNU as encodes them; each
// line's comment is the instruction, in AT&T operand order.

// func gemmBF16TileAVX512(w, a *byte, pairs int, out *[6 * 32]float32)
TEXT ·gemmBF16TileAVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ pairs+16(FP), CX
	MOVQ out+24(FP), DX
	ZERO12(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11)
	TESTQ CX, CX
	JZ    done

loop:
	VMOVDQU32 (SI), Z12
	VMOVDQU32 64(SI), Z13
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x07 // vdpbf16ps (%rdi){1to16},%zmm12,%zmm0
	BYTE $0x62; BYTE $0xf2; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x37 // vdpbf16ps (%rdi){1to16},%zmm13,%zmm6
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x4f; BYTE $0x01 // vdpbf16ps 0x4(%rdi){1to16},%zmm12,%zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x7f; BYTE $0x01 // vdpbf16ps 0x4(%rdi){1to16},%zmm13,%zmm7
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x57; BYTE $0x02 // vdpbf16ps 0x8(%rdi){1to16},%zmm12,%zmm2
	BYTE $0x62; BYTE $0x72; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x47; BYTE $0x02 // vdpbf16ps 0x8(%rdi){1to16},%zmm13,%zmm8
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x5f; BYTE $0x03 // vdpbf16ps 0xc(%rdi){1to16},%zmm12,%zmm3
	BYTE $0x62; BYTE $0x72; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x4f; BYTE $0x03 // vdpbf16ps 0xc(%rdi){1to16},%zmm13,%zmm9
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x67; BYTE $0x04 // vdpbf16ps 0x10(%rdi){1to16},%zmm12,%zmm4
	BYTE $0x62; BYTE $0x72; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x57; BYTE $0x04 // vdpbf16ps 0x10(%rdi){1to16},%zmm13,%zmm10
	BYTE $0x62; BYTE $0xf2; BYTE $0x1e; BYTE $0x58; BYTE $0x52; BYTE $0x6f; BYTE $0x05 // vdpbf16ps 0x14(%rdi){1to16},%zmm12,%zmm5
	BYTE $0x62; BYTE $0x72; BYTE $0x16; BYTE $0x58; BYTE $0x52; BYTE $0x5f; BYTE $0x05 // vdpbf16ps 0x14(%rdi){1to16},%zmm13,%zmm11
	ADDQ $128, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  loop

done:
	DOT_TILE_STORE(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11)
	VZEROUPPER
	RET
