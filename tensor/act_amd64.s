//go:build !noasm && !gccgo

#include "textflag.h"
#include "vec_amd64.h"

// Elementwise kernels built on a vector float32 exponential that follows
// expSplit (expf.go) lane by lane. Every constant is a 32-byte vector.

VEC(expLog2e, 0x3fb8aa3b) // 1.44269504
VEC(expMagic, 0x4b400000) // 1.5·2^23, as float and as integer bits
VEC(expC1, 0x3f318000)    // 0.693359375
VEC(expC2, 0xb95e8083)    // -2.12194440e-4
VEC(expP0, 0x39506967)    // 1.9875691500e-4
VEC(expP1, 0x3ab743ce)    // 1.3981999507e-3
VEC(expP2, 0x3c088908)    // 8.3334519073e-3
VEC(expP3, 0x3d2aa9c1)    // 4.1665795894e-2
VEC(expP4, 0x3e2aaaaa)    // 1.6666665459e-1
VEC(expP5, 0x3f000000)    // 5.0000001201e-1
VEC(expHi, 0x42b17217)    // 88.72283
VEC(expLo, 0xc2aeac4f)    // -87.33654
VEC(expInf, 0x7f800000)   // +Inf
VEC(expBias, 0x0000007f)  // 127, the exponent bias
VEC(expOne, 0x3f800000)   // 1
VEC(negInf, 0xff800000)   // -Inf
VEC(signBit, 0x80000000)
VEC(absMask, 0x7fffffff)
VEC(half, 0x3f000000)     // 0.5
VEC(negHalf, 0xbf000000)  // -0.5
VEC(geluP, 0x3eb504f3)    // 1/(2√2)
VEC(geluMaxA, 0x41600000) // 14
VEC(gelu0, 0xbf2bfab3)
VEC(gelu1, 0x3f2c3258)
VEC(gelu2, 0x3d41eb8d)
VEC(gelu3, 0xbd4013f7)
VEC(gelu4, 0xbc21dba1)
VEC(gelu5, 0x3c105d5f)
VEC(gelu6, 0x3aeabf0c)
VEC(gelu7, 0xbb166832)
VEC(gelu8, 0xb96aeb5d)
VEC(gelu9, 0x3a18310e)
VEC(gelu10, 0x36d414ce)
VEC(gelu11, 0xb8bca090)
VEC(tanhC3, 0x3d372713)  // 0.044715
VEC(tanhM2C, 0xbfcc422a) // -2·√(2/π)

// The exponential is written as short steps over named registers so that
// the kernels can interleave two vectors: one vector's chain of about
// twenty dependent operations leaves most of the core idle (Zen 1 holds
// only 36 floating-point operations waiting to issue), two keep it busy.
// x is the argument and then the result; t, n, r, p are temporaries; for
// EXP_SPECIAL, save holds the unclamped argument and mask is scratch.

// EXP_CLAMP keeps x inside [expLo, expHi] (a NaN lane becomes expLo) so
// that the steps below stay finite; EXP_SPECIAL then fixes those lanes.
#define EXP_CLAMP(x) \
	VMAXPS expLo<>(SB), x, x \
	VMINPS expHi<>(SB), x, x

// EXP_R1 and EXP_R2 split the argument as n·ln2 + r: n = round(s·log2 e),
// r = hi - n·ln2, exactly for the large hi that matter (hi - n·C1 is exact
// when the two are within a factor of two). s is the whole argument (hi, or
// hi + lo for expSplit, whose caller then adds lo to r). t keeps n +
// 1.5·2^23, with n in its low mantissa bits.
#define EXP_R1(s, hi, t, n, r) \
	VMOVUPS     expLog2e<>(SB), t \
	VFMADD213PS expMagic<>(SB), s, t \
	VSUBPS      expMagic<>(SB), t, n \
	VMOVAPS     hi, r

#define EXP_R2(n, r) \
	VFNMADD231PS expC1<>(SB), n, r \
	VFNMADD231PS expC2<>(SB), n, r

// EXP_P1..EXP_P3 evaluate exp(r) ≈ 1 + r + r²·P(r) into p (clobbering n).
#define EXP_P1(r, p) \
	VMOVUPS     expP0<>(SB), p \
	VFMADD213PS expP1<>(SB), r, p \
	VFMADD213PS expP2<>(SB), r, p

#define EXP_P2(r, p) \
	VFMADD213PS expP3<>(SB), r, p \
	VFMADD213PS expP4<>(SB), r, p \
	VFMADD213PS expP5<>(SB), r, p

#define EXP_P3(r, p, n) \
	VMULPS      r, r, n \
	VFMADD213PS r, n, p \
	VADDPS      expOne<>(SB), p, p

// EXP_S1 and EXP_S2 scale by 2^n, built in two halves so that n = 128 does
// not overflow early: x = p·2^h·2^(n-h).
#define EXP_S1(t, n) \
	VPSUBD expMagic<>(SB), t, t \
	VPSRAD $1, t, n \
	VPSUBD n, t, t \
	VPADDD expBias<>(SB), n, n \
	VPADDD expBias<>(SB), t, t \
	VPSLLD $23, n, n \
	VPSLLD $23, t, t

#define EXP_S2(p, n, t, x) \
	VMULPS n, p, p \
	VMULPS t, p, x

// EXP_SPECIAL gives the lanes of the unclamped argument save below expLo 0,
// above expHi +Inf and NaN NaN.
#define EXP_SPECIAL(save, x, mask) \
	VCMPPS    $0x11, expLo<>(SB), save, mask \
	VANDNPS   x, mask, x \
	VCMPPS    $0x1e, expHi<>(SB), save, mask \
	VBLENDVPS mask, expInf<>(SB), x, x \
	VCMPPS    $3, save, save, mask \
	VORPS     mask, x, x

// EXP sets Y0 = exp(Y0) for any input, one vector. Clobbers Y1-Y6.
#define EXP \
	VMOVAPS Y0, Y5 \
	EXP_CLAMP(Y0) \
	EXP_R1(Y0, Y0, Y1, Y2, Y3) \
	EXP_R2(Y2, Y3) \
	EXP_P1(Y3, Y4) \
	EXP_P2(Y3, Y4) \
	EXP_P3(Y3, Y4, Y2) \
	EXP_S1(Y1, Y2) \
	EXP_S2(Y4, Y2, Y1, Y0) \
	EXP_SPECIAL(Y5, Y0, Y6)

// EXP2 sets Y0 = exp(Y0) and Y7 = exp(Y7), interleaved. Clobbers Y1-Y6 and
// Y8-Y13.
#define EXP2 \
	VMOVAPS Y0, Y5 \
	VMOVAPS Y7, Y12 \
	EXP_CLAMP(Y0) \
	EXP_CLAMP(Y7) \
	EXP_R1(Y0, Y0, Y1, Y2, Y3) \
	EXP_R1(Y7, Y7, Y8, Y9, Y10) \
	EXP_R2(Y2, Y3) \
	EXP_R2(Y9, Y10) \
	EXP_P1(Y3, Y4) \
	EXP_P1(Y10, Y11) \
	EXP_P2(Y3, Y4) \
	EXP_P2(Y10, Y11) \
	EXP_P3(Y3, Y4, Y2) \
	EXP_P3(Y10, Y11, Y9) \
	EXP_S1(Y1, Y2) \
	EXP_S1(Y8, Y9) \
	EXP_S2(Y4, Y2, Y1, Y0) \
	EXP_S2(Y11, Y9, Y8, Y7) \
	EXP_SPECIAL(Y5, Y0, Y6) \
	EXP_SPECIAL(Y12, Y7, Y13)

// EXPSUM_ADD adds the eight lanes of x to the float64 sum in Y15.
#define EXPSUM_ADD(x, xlo, tmp, tmplo) \
	VCVTPS2PD    xlo, tmp \
	VADDPD       tmp, Y15, Y15 \
	VEXTRACTF128 $1, x, tmplo \
	VCVTPS2PD    tmplo, tmp \
	VADDPD       tmp, Y15, Y15

// func expSumAVX2x8(dst, x []float32, m float32) float64
TEXT ·expSumAVX2x8(SB), NOSPLIT, $0-64
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), DX
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS m+48(FP), Y14
	VXORPD       Y15, Y15, Y15

expsum_loop2:
	CMPQ    CX, $2
	JLT     expsum_one
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y7
	VSUBPS  Y14, Y0, Y0
	VSUBPS  Y14, Y7, Y7
	EXP2
	TESTQ   DX, DX
	JEQ     expsum_add2
	VMOVUPS Y0, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, DI

expsum_add2:
	EXPSUM_ADD(Y0, X0, Y1, X1)
	EXPSUM_ADD(Y7, X7, Y1, X1)
	ADDQ $64, SI
	SUBQ $2, CX
	JMP  expsum_loop2

expsum_one:
	TESTQ   CX, CX
	JEQ     expsum_done
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0
	EXP
	TESTQ   DX, DX
	JEQ     expsum_add1
	VMOVUPS Y0, (DI)

expsum_add1:
	EXPSUM_ADD(Y0, X0, Y1, X1)

expsum_done:
	VEXTRACTF128 $1, Y15, X1
	VADDPD       X1, X15, X15
	VPERMILPD    $1, X15, X1
	VADDSD       X1, X15, X15
	VMOVSD       X15, ret+56(FP)
	VZEROUPPER
	RET

// func maxAVX2x8(x []float32) float32
TEXT ·maxAVX2x8(SB), NOSPLIT, $0-28
	MOVQ    x_base+0(FP), SI
	MOVQ    x_len+8(FP), CX
	SHRQ    $3, CX
	VMOVUPS negInf<>(SB), Y0
	VXORPS  Y2, Y2, Y2 // lanes that saw a NaN

max_loop:
	VMOVUPS (SI), Y1
	VCMPPS  $3, Y1, Y1, Y3
	VORPS   Y3, Y2, Y2
	VMAXPS  Y1, Y0, Y0
	ADDQ    $32, SI
	DECQ    CX
	JNE     max_loop

	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVMSKPS    Y2, AX
	TESTL        AX, AX
	JEQ          max_done
	MOVL         $0x7fc00000, AX
	MOVL         AX, ret+24(FP)
	VZEROUPPER
	RET

max_done:
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func geluAVX2x8(dst, x []float32)
TEXT ·geluAVX2x8(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $3, CX
	JEQ  gelu_done

gelu_loop:
	VMOVUPS     (SI), Y8
	VANDPS      absMask<>(SB), Y8, Y9
	VMINPS      geluMaxA<>(SB), Y9, Y9 // a = min(|x|, 14)
	VMULPS      Y9, Y9, Y10            // sq = a·a rounded
	VMOVAPS     Y9, Y11
	VFMSUB213PS Y10, Y9, Y11           // its rounding error, exactly
	VMOVUPS     geluP<>(SB), Y12
	VFMADD213PS expOne<>(SB), Y9, Y12
	VMOVUPS     expOne<>(SB), Y13
	VDIVPS      Y12, Y13, Y12          // t = 1/(1 + a·geluP)
	VADDPS      Y12, Y12, Y13
	VSUBPS      expOne<>(SB), Y13, Y13 // u = 2t - 1
	VMOVUPS     gelu11<>(SB), Y7
	VFMADD213PS gelu10<>(SB), Y13, Y7
	VFMADD213PS gelu9<>(SB), Y13, Y7
	VFMADD213PS gelu8<>(SB), Y13, Y7
	VFMADD213PS gelu7<>(SB), Y13, Y7
	VFMADD213PS gelu6<>(SB), Y13, Y7
	VFMADD213PS gelu5<>(SB), Y13, Y7
	VFMADD213PS gelu4<>(SB), Y13, Y7
	VFMADD213PS gelu3<>(SB), Y13, Y7
	VFMADD213PS gelu2<>(SB), Y13, Y7
	VFMADD213PS gelu1<>(SB), Y13, Y7
	VFMADD213PS gelu0<>(SB), Y13, Y7

	// exp(hi + lo) with hi = -sq/2 and lo = P(u) - err/2.
	VFNMADD231PS half<>(SB), Y11, Y7
	VMULPS       negHalf<>(SB), Y10, Y0
	VADDPS       Y7, Y0, Y5
	EXP_R1(Y5, Y0, Y1, Y2, Y3)
	EXP_R2(Y2, Y3)
	VADDPS       Y7, Y3, Y3
	EXP_P1(Y3, Y4)
	EXP_P2(Y3, Y4)
	EXP_P3(Y3, Y4, Y2)
	EXP_S1(Y1, Y2)
	EXP_S2(Y4, Y2, Y1, Y0)
	VCMPPS       $0x11, expLo<>(SB), Y5, Y6
	VANDNPS      Y0, Y6, Y0

	VMULPS    half<>(SB), Y12, Y12
	VMULPS    Y12, Y0, Y0              // q = erfc(z)/2
	VMOVUPS   expOne<>(SB), Y1
	VSUBPS    Y0, Y1, Y1               // 1 - q
	VBLENDVPS Y8, Y0, Y1, Y1           // x < 0 (sign set): q
	VMULPS    Y8, Y1, Y1
	VMOVUPS   Y1, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNE       gelu_loop

gelu_done:
	VZEROUPPER
	RET

// func siluAVX2x8(dst, x []float32)
TEXT ·siluAVX2x8(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $3, CX

silu_loop2:
	CMPQ    CX, $2
	JLT     silu_one
	VMOVUPS (SI), Y14
	VMOVUPS 32(SI), Y15
	VXORPS  signBit<>(SB), Y14, Y0
	VXORPS  signBit<>(SB), Y15, Y7
	EXP2
	VADDPS  expOne<>(SB), Y0, Y0
	VADDPS  expOne<>(SB), Y7, Y7
	VDIVPS  Y0, Y14, Y0
	VDIVPS  Y7, Y15, Y7
	VMOVUPS Y0, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $2, CX
	JMP     silu_loop2

silu_one:
	TESTQ   CX, CX
	JEQ     silu_done
	VMOVUPS (SI), Y14
	VXORPS  signBit<>(SB), Y14, Y0
	EXP
	VADDPS  expOne<>(SB), Y0, Y0
	VDIVPS  Y0, Y14, Y0
	VMOVUPS Y0, (DI)

silu_done:
	VZEROUPPER
	RET

// GELUTANH_ARG sets a = -2·√(2/π)·(x + 0.044715·x³).
#define GELUTANH_ARG(x, a) \
	VMULPS x, x, a \
	VMULPS x, a, a \
	VMULPS tanhC3<>(SB), a, a \
	VADDPS x, a, a \
	VMULPS tanhM2C<>(SB), a, a

// func geluTanhAVX2x8(dst, x []float32)
TEXT ·geluTanhAVX2x8(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $3, CX

gelutanh_loop2:
	CMPQ    CX, $2
	JLT     gelutanh_one
	VMOVUPS (SI), Y14
	VMOVUPS 32(SI), Y15
	GELUTANH_ARG(Y14, Y0)
	GELUTANH_ARG(Y15, Y7)
	EXP2
	VADDPS  expOne<>(SB), Y0, Y0
	VADDPS  expOne<>(SB), Y7, Y7
	VDIVPS  Y0, Y14, Y0
	VDIVPS  Y7, Y15, Y7
	VMOVUPS Y0, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $2, CX
	JMP     gelutanh_loop2

gelutanh_one:
	TESTQ   CX, CX
	JEQ     gelutanh_done
	VMOVUPS (SI), Y14
	GELUTANH_ARG(Y14, Y0)
	EXP
	VADDPS  expOne<>(SB), Y0, Y0
	VDIVPS  Y0, Y14, Y0
	VMOVUPS Y0, (DI)

gelutanh_done:
	VZEROUPPER
	RET
