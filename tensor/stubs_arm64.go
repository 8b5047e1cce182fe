//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

// asmKernelSets returns the NEON family when the CPU has Advanced SIMD
// (every AArch64 CPU that runs a general-purpose OS does; x/sys/cpu reports
// it from the OS on Linux and assumes it on macOS and Windows) and its GEMM
// micro-kernel passes the start-up check.
//
// Only the quantized dot products use an optional extension, SDOT
// (FEAT_DotProd), where the CPU reports it (see asmQuantKernels). BFDOT
// and BFMMLA (FEAT_BF16) would round x to bfloat16 before multiplying,
// which GEMV's float32 x does not allow (a relative error of 2⁻⁹ per term,
// far above the float32 summation the tests hold every family to), and
// widening bfloat16 costs one instruction per four weights, which a
// memory-bound GEMV has to spare.
func asmKernelSets() []*kernelSet {
	if !cpu.ARM64.HasASIMD {
		return nil
	}
	if err := checkTile(neonKernels); err != nil {
		kernelNotes = append(kernelNotes, "neon left out: "+err.Error())
		return nil
	}
	return []*kernelSet{neonKernels}
}

// neonKernels is the AArch64 Advanced SIMD family. Its GEMM tile is 8×12
// (24 of the 32 vector registers hold C); the blocks suit a core with
// 64 KiB of L1d and 1 MiB of L2 (Neoverse N1/V1; Apple's cores have more):
// a 256×12 sliver of B is 12 KiB, a 128×256 block of A 128 KiB. GELU and
// SiLU run the portable Go loops.
var neonKernels = &kernelSet{
	name: "neon",
	mr:   8, nr: 12, kc: 256, mc: 128, nc: 3072,
	tile:       gemmTileNEON,
	gemvPanels: gemvPanelsNEON,
	dotF32:     dotF32NEON,
	dotBF16:    dotBF16NEON,
	dotF16:     dotF16NEON,
	dot4F32:    dot4F32NEON,
	dot4BF16:   dot4BF16NEON,
	dot4F16:    dot4F16NEON,
	axpyF32:    axpyF32NEON,
	axpyBF16:   axpyBF16NEON,
	axpyF16:    axpyF16NEON,
	axpy4F32:   axpy4F32NEON,
	axpy4BF16:  axpy4BF16NEON,
	axpy4F16:   axpy4F16NEON,
	expSum:     expSumNEON,
	max:        maxNEON,
	gelu:       geluGeneric,
	geluTanh:   geluTanhGeneric,
	silu:       siluGeneric,
	widenBF16:  widenBF16NEON,
	widenF16:   widenF16NEON,
	narrowBF16: narrowBF16Generic,
	narrowF16:  narrowF16NEON,
}

// gemmTileNEON is gemmTileGeneric for an 8×12 tile: a holds k groups of 8
// rows, b k groups of 12 columns, and
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 12; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += a[p*8+i] * b[p*12+j] // fused multiply-add
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j] // fused
//			}
//		}
//	}
//
// It does not check lengths: the caller guarantees the tile is in bounds.
//
//go:noescape
func gemmTileNEON(k int, a, b, c []float32, ldc int, alpha, beta float32)

// gemvPanelsNEON is gemvPanelsGeneric for nr == 12, one sliver at a
// time.
func gemvPanelsNEON(nr, kb int, a, blk, acc []float32) {
	for s := 0; s < len(acc); s += nr {
		gemvPanelNEON(nr, kb, a, blk[s*kb:(s+nr)*kb], acc[s:s+nr])
	}
}

// gemvPanelNEON is gemvPanelsGeneric for one sliver of nr == 12 (the
// family's only width):
//
//	for q := 0; q < kb; q++ {
//		for j := 0; j < 12; j++ {
//			acc[j] += a[q] * panel[q*12+j]
//		}
//	}
//
// with the sum over q split into even and odd steps (fused multiply-add).
// Lengths are not checked.
//
//go:noescape
func gemvPanelNEON(nr, kb int, a, panel, acc []float32)

// dot4F32NEON sets y[r] = Σ_i a[r*lda+i]·x[i] for the four rows r < 4 and
// i < len(x), which must be a multiple of 16 (not checked, nor is len(a)),
// with four partial sums per row.
//
//go:noescape
func dot4F32NEON(a []float32, lda int, x []float32, y *[4]float32)

// dot4BF16NEON is dot4F32NEON with a widened from bfloat16 (each value
// interleaved above a zero half: a[i] << 16); xp is not used.
//
//go:noescape
func dot4BF16NEON(a []BF16, lda int, x, xp []float32, y *[4]float32)

// dot4F16NEON is dot4F32NEON with a widened from binary16 (FCVTL).
//
//go:noescape
func dot4F16NEON(a []F16, lda int, x []float32, y *[4]float32)

// dotF32NEONx16 returns Σ a[i]·x[i] over i < len(x), a multiple of 16,
// with 16 partial sums. len(a) >= len(x) is not checked.
//
//go:noescape
func dotF32NEONx16(a, x []float32) float32

// dotBF16NEONx16 is dotF32NEONx16 with a widened from bfloat16.
//
//go:noescape
func dotBF16NEONx16(a []BF16, x []float32) float32

// dotF16NEONx16 is dotF32NEONx16 with a widened from binary16.
//
//go:noescape
func dotF16NEONx16(a []F16, x []float32) float32

// axpy4F32NEON computes y[i] += Σ_r s[r]·a[r*lda+i] for the four rows
// r < 4 and i < len(y), a multiple of 8 (not checked, nor is len(a)),
// adding the rows in order with fused multiply-adds.
//
//go:noescape
func axpy4F32NEON(s *[4]float32, a []float32, lda int, y []float32)

// axpy4BF16NEON is axpy4F32NEON with a widened from bfloat16.
//
//go:noescape
func axpy4BF16NEON(s *[4]float32, a []BF16, lda int, y []float32)

// axpy4F16NEON is axpy4F32NEON with a widened from binary16.
//
//go:noescape
func axpy4F16NEON(s *[4]float32, a []F16, lda int, y []float32)

// axpyF32NEONx8 computes y[i] += alpha·x[i] (fused) for i < len(y), a
// multiple of 8. len(x) >= len(y) is not checked.
//
//go:noescape
func axpyF32NEONx8(alpha float32, x, y []float32)

// axpyBF16NEONx8 is axpyF32NEONx8 with x widened from bfloat16.
//
//go:noescape
func axpyBF16NEONx8(alpha float32, x []BF16, y []float32)

// axpyF16NEONx8 is axpyF32NEONx8 with x widened from binary16.
//
//go:noescape
func axpyF16NEONx8(alpha float32, x []F16, y []float32)

// widenBF16NEONx8 sets dst[i] = float32(src[i]) for i < len(dst), a
// multiple of 8.
//
//go:noescape
func widenBF16NEONx8(dst []float32, src []BF16)

// widenF16NEONx8 sets dst[i] = src[i].Float32() for i < len(dst), a
// multiple of 8, with FCVTL (exact; NaNs come out quiet with their sign
// and payload, as F16.Float32 makes them).
//
//go:noescape
func widenF16NEONx8(dst []float32, src []F16)

// narrowF16NEONx8 sets dst[i] = F16FromFloat32(src[i]) for i < len(dst), a
// multiple of 8, with FCVTN in the default rounding mode (to nearest, ties
// to even).
//
//go:noescape
func narrowF16NEONx8(dst []F16, src []float32)

// expSumNEONx8 is expSumGeneric for len(x) a multiple of 8, following
// expSplit's steps lane by lane, with the sum accumulated in four float64
// lanes. len(dst) is 0 or len(x).
//
//go:noescape
func expSumNEONx8(dst, x []float32, m float32) float64

// maxNEONx4 is maxGeneric for len(x) a positive multiple of 4.
//
//go:noescape
func maxNEONx4(x []float32) float32

// The functions below run the assembly over whole blocks of 8 or 16
// elements and finish the rest with the Go twins.

func dotF32NEON(a, x []float32) float32 {
	n := len(x) &^ 15
	return dotF32NEONx16(a[:n], x[:n]) + dotF32Generic(a[n:], x[n:])
}

func dotBF16NEON(a []BF16, x []float32) float32 {
	n := len(x) &^ 15
	return dotBF16NEONx16(a[:n], x[:n]) + dotBF16Generic(a[n:], x[n:])
}

func dotF16NEON(a []F16, x []float32) float32 {
	n := len(x) &^ 15
	return dotF16NEONx16(a[:n], x[:n]) + dotF16Generic(a[n:], x[n:])
}

func axpyF32NEON(alpha float32, x, y []float32) {
	n := len(y) &^ 7
	axpyF32NEONx8(alpha, x[:n], y[:n])
	axpyF32Generic(alpha, x[n:], y[n:])
}

func axpyBF16NEON(alpha float32, x []BF16, y []float32) {
	n := len(y) &^ 7
	axpyBF16NEONx8(alpha, x[:n], y[:n])
	axpyBF16Generic(alpha, x[n:], y[n:])
}

func axpyF16NEON(alpha float32, x []F16, y []float32) {
	n := len(y) &^ 7
	axpyF16NEONx8(alpha, x[:n], y[:n])
	axpyF16Generic(alpha, x[n:], y[n:])
}

func widenBF16NEON(dst []float32, src []BF16) {
	n := len(dst) &^ 7
	widenBF16NEONx8(dst[:n], src[:n])
	widenBF16Generic(dst[n:], src[n:])
}

func widenF16NEON(dst []float32, src []F16) {
	n := len(dst) &^ 7
	widenF16NEONx8(dst[:n], src[:n])
	widenF16Generic(dst[n:], src[n:])
}

func narrowF16NEON(dst []F16, src []float32) {
	n := len(dst) &^ 7
	narrowF16NEONx8(dst[:n], src[:n])
	narrowF16Generic(dst[n:], src[n:])
}

func expSumNEON(dst, x []float32, m float32) float64 {
	n := len(x) &^ 7
	var head, tail []float32
	if len(dst) > 0 {
		head, tail = dst[:n], dst[n:len(x)]
	}
	return expSumNEONx8(head, x[:n], m) + expSumGeneric(tail, x[n:], m)
}

func maxNEON(x []float32) float32 {
	n := len(x) &^ 3
	if n == 0 {
		return maxGeneric(x)
	}
	return max(maxNEONx4(x[:n]), maxGeneric(x[n:])) // max keeps a NaN
}

// hasAVX512BF16 reports whether the CPU has AVX512_BF16 (VDPBF16PS).
func hasAVX512BF16() bool { return false }
