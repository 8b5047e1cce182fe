//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

//go:generate go run gen_gemm_amd64.go

// asmKernelSets returns the assembly families this CPU can run, fastest
// first. The AVX-512 family differs from the AVX2 one in its GEMM
// micro-kernel and in the one-row product over its packed B, whose
// 32-wide slivers the zmm kernel reads a whole cache line per load; the
// other memory-bound vector kernels gain nothing from wider registers and
// stay AVX2.
func asmKernelSets() []*kernelSet {
	var sets []*kernelSet
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C {
		return nil
	}
	if cpu.X86.HasAVX512F {
		k := *avx2Kernels
		k.name = "avx512"
		k.mr, k.nr, k.kc, k.mc, k.nc = 12, 32, 256, 192, 4096
		k.tile = gemmTileAVX512
		k.gemvPanels = gemvPanelsAVX512
		if err := checkTile(&k); err != nil {
			kernelNotes = append(kernelNotes, "avx512 left out: "+err.Error())
		} else {
			sets = append(sets, &k)
		}
		if cpu.X86.HasAVX512BF16 {
			if err := checkBF16Tile(gemmBF16TileAVX512); err != nil {
				kernelNotes = append(kernelNotes, "avx512 bfloat16 dot product left out: "+err.Error())
			} else {
				k.bf16Tile = gemmBF16TileAVX512
			}
		}
	}
	return append(sets, avx2Kernels)
}

// gemmBF16TileAVX512 multiplies a bfloat16 weight panel w by a tile a of
// six rows of x rounded to bfloat16, over pairs pairs of columns, into out
// (see gemm_bf16dp.go and gemm_bf16dp_amd64.s).
//
//go:noescape
func gemmBF16TileAVX512(w, a *byte, pairs int, out *[dotTileTokens * dotTileRows]float32)

// avx2Kernels is the AVX2+FMA+F16C family. Its GEMM tile is 6×16 (12 ymm
// accumulators); the blocks suit a core with 32 KiB of L1d and 512 KiB of
// L2: a 256×16 sliver of B is 16 KiB, a 144×256 block of A 144 KiB.
var avx2Kernels = &kernelSet{
	name: "avx2+fma",
	mr:   6, nr: 16, kc: 256, mc: 144, nc: 2048,
	tile:       gemmTileAVX2,
	gemvPanels: gemvPanelsAVX2,
	dotF32:     dotF32AVX2,
	dotBF16:    dotBF16AVX2,
	dotF16:     dotF16AVX2,
	dot4F32:    dot4F32AVX2,
	dot4BF16:   dot4BF16AVX2,
	dot4F16:    dot4F16AVX2,
	dot4F16S:   dot4F16ScaledAVX2,
	dot4F16F:   dot4F16FiniteAVX2,
	axpyF32:    axpyF32AVX2,
	axpyBF16:   axpyBF16AVX2,
	axpyF16:    axpyF16AVX2,
	axpy4F32:   axpy4F32AVX2,
	axpy4BF16:  axpy4BF16AVX2,
	axpy4F16:   axpy4F16AVX2,
	expSum:     expSumAVX2,
	max:        maxAVX2,
	gelu:       geluAVX2,
	geluTanh:   geluTanhAVX2,
	silu:       siluAVX2,
	widenBF16:  widenBF16AVX2,
	widenF16:   widenF16AVX2,
	narrowBF16: narrowBF16Generic,
	narrowF16:  narrowF16AVX2,
}

// gemmTileAVX2 is gemmTileGeneric for a 6×16 tile: a holds k groups of 6
// rows, b k groups of 16 columns, and
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += a[p*6+i] * b[p*16+j] // fused multiply-add
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
// It does not check lengths: the caller guarantees the tile is in bounds.
//
//go:noescape
func gemmTileAVX2(k int, a, b, c []float32, ldc int, alpha, beta float32)

// gemmTileAVX512 is gemmTileAVX2 for a 12×32 tile (24 zmm accumulators).
//
//go:noescape
func gemmTileAVX512(k int, a, b, c []float32, ldc int, alpha, beta float32)

// dotF32AVX2 returns Σ a[i]·x[i] over i < len(x), like dotF32Generic but
// with 32 partial sums. len(a) >= len(x) is not checked.
//
//go:noescape
func dotF32AVX2(a, x []float32) float32

// dotBF16AVX2 is dotF32AVX2 with a widened from bfloat16 (a[i] << 16).
//
//go:noescape
func dotBF16AVX2(a []BF16, x []float32) float32

// dotF16AVX2 is dotF32AVX2 with a widened from binary16 (VCVTPH2PS).
//
//go:noescape
func dotF16AVX2(a []F16, x []float32) float32

// axpyF32AVX2 computes y[i] += alpha·x[i] for i < len(y) (fused).
// len(x) >= len(y) is not checked.
//
//go:noescape
func axpyF32AVX2(alpha float32, x, y []float32)

// axpy4F32AVX2 computes y[i] += Σ_r s[r]·a[r*lda+i] for the four rows
// r < 4 and i < len(y), a multiple of 8 (not checked, nor is len(a)).
//
//go:noescape
func axpy4F32AVX2(s *[4]float32, a []float32, lda int, y []float32)

// axpy4BF16AVX2 is axpy4F32AVX2 with a widened from bfloat16 and len(y) a
// multiple of 16.
//
//go:noescape
func axpy4BF16AVX2(s *[4]float32, a []BF16, lda int, y []float32)

// axpy4F16AVX2 is axpy4F32AVX2 with a widened from binary16.
//
//go:noescape
func axpy4F16AVX2(s *[4]float32, a []F16, lda int, y []float32)

// axpyBF16AVX2 is axpyF32AVX2 with x widened from bfloat16.
//
//go:noescape
func axpyBF16AVX2(alpha float32, x []BF16, y []float32)

// axpyF16AVX2 is axpyF32AVX2 with x widened from binary16.
//
//go:noescape
func axpyF16AVX2(alpha float32, x []F16, y []float32)

// widenBF16AVX2 sets dst[i] = float32(src[i]) for i < len(dst).
//
//go:noescape
func widenBF16AVX2(dst []float32, src []BF16)

// widenF16AVX2 sets dst[i] = src[i].Float32() for i < len(dst).
//
//go:noescape
func widenF16AVX2(dst []float32, src []F16)

// narrowF16AVX2 sets dst[i] = F16FromFloat32(src[i]) for i < len(dst),
// with VCVTPS2PH in round-to-nearest-even mode.
//
//go:noescape
func narrowF16AVX2(dst []F16, src []float32)

// dot4F32AVX2 sets y[r] = Σ_i a[r*lda+i]·x[i] for the four rows r < 4 and
// i < len(x), which must be a multiple of 16 (not checked, nor is len(a)).
//
//go:noescape
func dot4F32AVX2(a []float32, lda int, x []float32, y *[4]float32)

// dot4F16ScaledAVX2 is dot4F16AVX2 with x given as xs = x·2¹¹² split as
// splitPairs does (|x| < 2¹⁶; len(xs) a multiple of 32), widening halves
// with integer shifts; when a holds an infinity or NaN it returns true and
// y is not meaningful.
//
//go:noescape
func dot4F16ScaledAVX2(a []F16, lda int, xs []float32, y *[4]float32) (special bool)

// dot4F16FiniteAVX2 is dot4F16ScaledAVX2 for halves known to hold no
// infinity or NaN: it does not look for them.
//
//go:noescape
func dot4F16FiniteAVX2(a []F16, lda int, xs []float32, y *[4]float32)

// dot4BF16AVX2 is dot4F32AVX2 with a widened from bfloat16 and x given
// as xp = splitPairs(x), len(xp) a multiple of 32; x itself is unused.
//
//go:noescape
func dot4BF16AVX2(a []BF16, lda int, x, xp []float32, y *[4]float32)

// dot4F16AVX2 is dot4F32AVX2 with a widened from binary16.
//
//go:noescape
func dot4F16AVX2(a []F16, lda int, x []float32, y *[4]float32)

// gemvPanelsAVX2 is gemvPanelsGeneric for nr == 16:
//
//	for s := 0; s < len(acc); s += 16 {
//		for q := 0; q < kb; q++ {
//			for j := 0; j < 16; j++ {
//				acc[s+j] += a[q] * blk[s*kb+q*16+j]
//			}
//		}
//	}
//
// with the sum over q split into even and odd q (fused multiply-adds),
// added as even+odd into acc, and the slivers taken two at a time, one
// from each half of blk: two memory streams ran a float32 decoding step
// about a tenth faster than one on Zen 4. Lengths are not checked.
//
//go:noescape
func gemvPanelsAVX2(nr, kb int, a, blk, acc []float32)

// gemvPanelsAVX512 is gemvPanelsAVX2 for nr == 32.
//
//go:noescape
func gemvPanelsAVX512(nr, kb int, a, blk, acc []float32)

// The elementwise kernels below run in assembly over the first len&^7
// elements (whole vectors, the *x8 functions) and finish the rest with the
// Go twins, whose steps they follow lane by lane.

func expSumAVX2(dst, x []float32, m float32) float64 {
	n := len(x) &^ 7
	var head, tail []float32
	if len(dst) > 0 {
		head, tail = dst[:n], dst[n:len(x)]
	}
	return expSumAVX2x8(head, x[:n], m) + expSumGeneric(tail, x[n:], m)
}

func maxAVX2(x []float32) float32 {
	n := len(x) &^ 7
	if n == 0 {
		return maxGeneric(x)
	}
	return max(maxAVX2x8(x[:n]), maxGeneric(x[n:])) // max keeps a NaN
}

func geluAVX2(dst, x []float32) {
	n := len(dst) &^ 7
	geluAVX2x8(dst[:n], x[:n])
	geluGeneric(dst[n:], x[n:len(dst)])
}

func geluTanhAVX2(dst, x []float32) {
	n := len(dst) &^ 7
	geluTanhAVX2x8(dst[:n], x[:n])
	geluTanhGeneric(dst[n:], x[n:len(dst)])
}

func siluAVX2(dst, x []float32) {
	n := len(dst) &^ 7
	siluAVX2x8(dst[:n], x[:n])
	siluGeneric(dst[n:], x[n:len(dst)])
}

// expSumAVX2x8 is expSumGeneric for len(x) a multiple of 8, with the sum
// accumulated in eight float64 lanes. len(dst) is 0 or len(x).
//
//go:noescape
func expSumAVX2x8(dst, x []float32, m float32) float64

// maxAVX2x8 is maxGeneric for len(x) a positive multiple of 8.
//
//go:noescape
func maxAVX2x8(x []float32) float32

// geluAVX2x8 is geluGeneric for len(dst) a multiple of 8.
//
//go:noescape
func geluAVX2x8(dst, x []float32)

// geluTanhAVX2x8 is geluTanhGeneric for len(dst) a multiple of 8.
//
//go:noescape
func geluTanhAVX2x8(dst, x []float32)

// siluAVX2x8 is siluGeneric for len(dst) a multiple of 8.
//
//go:noescape
func siluAVX2x8(dst, x []float32)

// hasAVX512BF16 reports whether the CPU has AVX512_BF16 (VDPBF16PS).
func hasAVX512BF16() bool { return cpu.X86.HasAVX512BF16 }
