//go:build !noasm && !gccgo

#include "textflag.h"

// Elementwise kernels built on a vector float32 exponential that follows
// expSplit (expf.go) lane by lane. Every constant is a 32-byte vector.

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

// EXP_CLAMP keeps Y0 inside [expLo, expHi] (a NaN lane becomes expLo) so
// that the core below stays finite; EXP_SPECIAL then fixes those lanes.
#define EXP_CLAMP \
	VMAXPS expLo<>(SB), Y0, Y0 \
	VMINPS expHi<>(SB), Y0, Y0

// EXP_REDUCE(s, hi) picks n = round(s·log2 e) and computes r = hi - n·ln2,
// exactly for the large hi that matter: Y1 holds n + 1.5·2^23 (n in its low
// mantissa bits), Y3 holds r. s is the whole argument (hi, or hi + lo for
// expSplit, which then adds lo to r). Clobbers Y2.
#define EXP_REDUCE(s, hi) \
	VMOVUPS      expLog2e<>(SB), Y1 \
	VFMADD213PS  expMagic<>(SB), s, Y1 \
	VSUBPS       expMagic<>(SB), Y1, Y2 \
	VMOVAPS      hi, Y3 \
	VFNMADD231PS expC1<>(SB), Y2, Y3 \
	VFNMADD231PS expC2<>(SB), Y2, Y3

// EXP_FINISH sets Y0 = 2^n·exp(r) from Y1 and Y3 as EXP_REDUCE leaves
// them, 2^n in two halves so that n = 128 does not overflow early.
// Clobbers Y1-Y4.
#define EXP_FINISH \
	VMOVUPS     expP0<>(SB), Y4 \
	VFMADD213PS expP1<>(SB), Y3, Y4 \
	VFMADD213PS expP2<>(SB), Y3, Y4 \
	VFMADD213PS expP3<>(SB), Y3, Y4 \
	VFMADD213PS expP4<>(SB), Y3, Y4 \
	VFMADD213PS expP5<>(SB), Y3, Y4 \
	VMULPS      Y3, Y3, Y2 \
	VFMADD213PS Y3, Y2, Y4 \
	VADDPS      expOne<>(SB), Y4, Y4 \
	VPSUBD      expMagic<>(SB), Y1, Y1 \
	VPSRAD      $1, Y1, Y2 \
	VPSUBD      Y2, Y1, Y1 \
	VPADDD      expBias<>(SB), Y2, Y2 \
	VPADDD      expBias<>(SB), Y1, Y1 \
	VPSLLD      $23, Y2, Y2 \
	VPSLLD      $23, Y1, Y1 \
	VMULPS      Y2, Y4, Y4 \
	VMULPS      Y1, Y4, Y0

// EXP_SPECIAL gives the lanes of the unclamped argument Y5 below expLo 0,
// above expHi +Inf and NaN NaN. Clobbers Y6.
#define EXP_SPECIAL \
	VCMPPS    $0x11, expLo<>(SB), Y5, Y6 \
	VANDNPS   Y0, Y6, Y0 \
	VCMPPS    $0x1e, expHi<>(SB), Y5, Y6 \
	VBLENDVPS Y6, expInf<>(SB), Y0, Y0 \
	VCMPPS    $3, Y5, Y5, Y6 \
	VORPS     Y6, Y0, Y0

// EXP sets Y0 = exp(Y0) for any input. Clobbers Y1-Y6.
#define EXP \
	VMOVAPS Y0, Y5 \
	EXP_CLAMP \
	EXP_REDUCE(Y0, Y0) \
	EXP_FINISH \
	EXP_SPECIAL

// func expSumAVX2x8(dst, x []float32, m float32) float64
TEXT ·expSumAVX2x8(SB), NOSPLIT, $0-64
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), DX
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS m+48(FP), Y8
	VXORPD       Y9, Y9, Y9
	VXORPD       Y10, Y10, Y10
	TESTQ        CX, CX
	JEQ          expsum_done

expsum_loop:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	EXP
	TESTQ   DX, DX
	JEQ     expsum_add
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI

expsum_add:
	VCVTPS2PD    X0, Y1
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2
	VADDPD       Y1, Y9, Y9
	VADDPD       Y2, Y10, Y10
	ADDQ         $32, SI
	DECQ         CX
	JNE          expsum_loop

expsum_done:
	VADDPD       Y10, Y9, Y9
	VEXTRACTF128 $1, Y9, X1
	VADDPD       X1, X9, X9
	VPERMILPD    $1, X9, X1
	VADDSD       X1, X9, X9
	VMOVSD       X9, ret+56(FP)
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
	EXP_REDUCE(Y5, Y0)
	VADDPS       Y7, Y3, Y3
	EXP_FINISH
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
	JEQ  silu_done

silu_loop:
	VMOVUPS (SI), Y8
	VXORPS  signBit<>(SB), Y8, Y0
	EXP
	VADDPS  expOne<>(SB), Y0, Y0
	VDIVPS  Y0, Y8, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNE     silu_loop

silu_done:
	VZEROUPPER
	RET

// func geluTanhAVX2x8(dst, x []float32)
TEXT ·geluTanhAVX2x8(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $3, CX
	JEQ  gelutanh_done

gelutanh_loop:
	VMOVUPS     (SI), Y8
	VMULPS      Y8, Y8, Y0
	VMULPS      Y8, Y0, Y0
	VMULPS      tanhC3<>(SB), Y0, Y0
	VADDPS      Y8, Y0, Y0         // x + 0.044715·x³
	VMULPS      tanhM2C<>(SB), Y0, Y0 // -2u
	EXP
	VADDPS      expOne<>(SB), Y0, Y0
	VDIVPS      Y0, Y8, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNE         gelutanh_loop

gelutanh_done:
	VZEROUPPER
	RET
