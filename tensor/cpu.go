package tensor

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// The arm64 kernels are generated on every architecture (the amd64 GEMM
// kernels' directive is in stubs_amd64.go).
//go:generate go run gen_neon_arm64.go

// kernelSet is one family of kernels: the GEMM micro-kernel with its
// blocking parameters, and the vector kernels behind GEMV, the 16-bit
// conversions and the elementwise operations. Every field is set, but
// bf16Tile and gemmF32 only where the CPU or build has them.
type kernelSet struct {
	name string

	// mr×nr is the register tile of tile; kc, mc and nc are the cache
	// blocks (depth, rows of packed A, columns of packed B). mc is a
	// multiple of mr and nc of nr.
	mr, nr, kc, mc, nc int
	tile               func(k int, a, b, c []float32, ldc int, alpha, beta float32)
	// gemvPanels multiplies a row vector by consecutive slivers of one
	// slice of a packed B, reading them in the order they are stored
	// (gemvPanelsGeneric).
	gemvPanels func(nr, kb int, a, blk, acc []float32)

	// gemmF32, when set, replaces the packed GEMM for float32 B (the
	// OpenBLAS family); 16-bit B still uses tile.
	gemmF32 func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

	dotF32  func(a, x []float32) float32
	dotBF16 func(a []BF16, x []float32) float32
	dotF16  func(a []F16, x []float32) float32

	// dot4* compute four dot products of rows a[r*lda:] with x at once
	// (four memory streams keep more loads in flight); len(x) must be a
	// multiple of 16 (f32, f16) or 32 (bf16).
	dot4F32  func(a []float32, lda int, x []float32, y *[4]float32)
	dot4BF16 func(a []BF16, lda int, x, xp []float32, y *[4]float32) // xp: splitPairs(x)
	dot4F16  func(a []F16, lda int, x []float32, y *[4]float32)
	// dot4F16S, when set, is dot4F16 with x partly scaled and split (see
	// dot4F16ScaledAVX2); it reports infinities or NaNs in a instead of
	// summing them, and the caller falls back to dot4F16.
	dot4F16S func(a []F16, lda int, xs []float32, y *[4]float32) (special bool)
	// dot4F16F is dot4F16S without the check, for halves known to be finite.
	dot4F16F func(a []F16, lda int, xs []float32, y *[4]float32)

	axpyF32  func(alpha float32, x, y []float32)
	axpyBF16 func(alpha float32, x []BF16, y []float32)
	axpyF16  func(alpha float32, x []F16, y []float32)
	// axpy4* add four scaled rows a[r*lda:] into y at once; len(y) must
	// be a multiple of 8 (f32, f16) or 16 (bf16).
	axpy4F32  func(s *[4]float32, a []float32, lda int, y []float32)
	axpy4BF16 func(s *[4]float32, a []BF16, lda int, y []float32)
	axpy4F16  func(s *[4]float32, a []F16, lda int, y []float32)

	// Elementwise kernels with float32 exponentials; expSum writes
	// exp(x[i]-m) to dst unless dst is empty and returns their float64 sum.
	expSum   func(dst, x []float32, m float32) float64
	max      func(x []float32) float32
	gelu     func(dst, x []float32)
	geluTanh func(dst, x []float32)
	silu     func(dst, x []float32)

	// bf16Tile, when set, multiplies bfloat16 weights by rows of x
	// rounded to bfloat16 (see gemm_bf16dp.go).
	bf16Tile bf16Tile

	widenBF16  func(dst []float32, src []BF16)
	widenF16   func(dst []float32, src []F16)
	narrowBF16 func(dst []BF16, src []float32)
	narrowF16  func(dst []F16, src []float32)
}

// kernelSets lists the families this build and CPU can run, the default
// first. It is filled once at package initialisation (from CPU feature bits,
// not from the environment) and never changed afterwards.
var kernelSets = listKernelSets()

func listKernelSets() []*kernelSet {
	sets := append(asmKernelSets(), genericKernels)
	if ob := openBLASKernels(sets[0]); ob != nil {
		sets = append(sets, ob)
	}
	return sets
}

// active is the family SetKernels chose; nil means kernelSets[0].
var active atomic.Pointer[kernelSet]

func kernels() *kernelSet {
	if k := active.Load(); k != nil {
		return k
	}
	return kernelSets[0]
}

// Kernels names the kernel family this process uses: "avx512" (AVX-512F
// GEMM micro-kernel, AVX2 vector kernels) or "avx2+fma" on amd64, "neon"
// (Advanced SIMD) on arm64, or "generic" (portable Go, the only family
// under the noasm build tag or on other architectures).
// Builds with the openblas tag also offer "openblas" (float32 GEMM through
// cblas_sgemm), which is never the default.
func Kernels() string { return kernels().name }

// AvailableKernels lists the kernel families this build can run on this
// CPU. The first one is the default; the others follow fastest first, with
// "openblas" (if built in) last.
func AvailableKernels() []string {
	names := make([]string, len(kernelSets))
	for i, k := range kernelSets {
		names[i] = k.name
	}
	return names
}

// SetKernels switches every kernel in the package to the named family (one
// of AvailableKernels) and returns the name that was in use, so that a test
// or benchmark can restore it. It exists to test and measure each path on
// one machine; calls already running finish with the family they started
// with. It returns an error naming the choices if name is not available.
func SetKernels(name string) (previous string, err error) {
	for _, k := range kernelSets {
		if k.name == name {
			previous = Kernels()
			active.Store(k)
			return previous, nil
		}
	}
	return Kernels(), fmt.Errorf("tensor: kernels %q not available on this CPU/build (have %s)", name, strings.Join(AvailableKernels(), ", "))
}
