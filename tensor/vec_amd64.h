// Macros shared by the amd64 kernels (included after textflag.h).

// VEC defines a read-only 32-byte constant sym<>: one 32-bit word, bits,
// eight times.
#define VEC(sym, bits) \
	DATA sym<>+0(SB)/4, $bits \
	DATA sym<>+4(SB)/4, $bits \
	DATA sym<>+8(SB)/4, $bits \
	DATA sym<>+12(SB)/4, $bits \
	DATA sym<>+16(SB)/4, $bits \
	DATA sym<>+20(SB)/4, $bits \
	DATA sym<>+24(SB)/4, $bits \
	DATA sym<>+28(SB)/4, $bits \
	GLOBL sym<>(SB), RODATA|NOPTR, $32

// VEC8 defines a read-only 32-byte constant sym<> of the eight 32-bit
// words w0..w7.
#define VEC8(sym, w0, w1, w2, w3, w4, w5, w6, w7) \
	DATA sym<>+0(SB)/4, $w0 \
	DATA sym<>+4(SB)/4, $w1 \
	DATA sym<>+8(SB)/4, $w2 \
	DATA sym<>+12(SB)/4, $w3 \
	DATA sym<>+16(SB)/4, $w4 \
	DATA sym<>+20(SB)/4, $w5 \
	DATA sym<>+24(SB)/4, $w6 \
	DATA sym<>+28(SB)/4, $w7 \
	GLOBL sym<>(SB), RODATA|NOPTR, $32

// KQUANT_SUM ends the K-quant dot products: X0 = Σ Y0's lanes − Σ X9's
// lanes (the blocks' scaled sums less their mins' term).
#define KQUANT_SUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VSUBPS X9, X0, X0 \
	VHADDPS X0, X0, X0 \
	VHADDPS X0, X0, X0

// ZERO12 clears twelve vector registers.
#define ZERO12(A, B, C, D, E, F, G, H, I, J, K, L) \
	VPXORD A, A, A \
	VPXORD B, B, B \
	VPXORD C, C, C \
	VPXORD D, D, D \
	VPXORD E, E, E \
	VPXORD F, F, F \
	VPXORD G, G, G \
	VPXORD H, H, H \
	VPXORD I, I, I \
	VPXORD J, J, J \
	VPXORD K, K, K \
	VPXORD L, L, L

// DOT_TILE_STORE stores a dot tile's results (dottile.go) at DX, row of x
// by row of x: T0–T5 weight rows 0–15 and U0–U5 rows 16–31 of x's rows
// 0–5.
#define DOT_TILE_STORE(T0, T1, T2, T3, T4, T5, U0, U1, U2, U3, U4, U5) \
	VMOVUPS T0, 0(DX) \
	VMOVUPS U0, 64(DX) \
	VMOVUPS T1, 128(DX) \
	VMOVUPS U1, 192(DX) \
	VMOVUPS T2, 256(DX) \
	VMOVUPS U2, 320(DX) \
	VMOVUPS T3, 384(DX) \
	VMOVUPS U3, 448(DX) \
	VMOVUPS T4, 512(DX) \
	VMOVUPS U4, 576(DX) \
	VMOVUPS T5, 640(DX) \
	VMOVUPS U5, 704(DX)
