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
