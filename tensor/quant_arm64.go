//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

// asmQuantKernels returns the NEON dot products for the quantized formats
// that go with the "neon" family: SDOT where the CPU has FEAT_DotProd
// (Apple M1 and later, Neoverse N1 and later: Graviton2, 3, 4), otherwise
// the same kernels with SMULL and SADALP (Cortex-A72, Graviton1).
func asmQuantKernels(family string) *quantKernels {
	if family != "neon" {
		return nil
	}
	if cpu.ARM64.HasASIMDDP {
		return sdotQuantKernels
	}
	return smullQuantKernels
}

var (
	sdotQuantKernels  = &quantKernels{dotQ8_0: dotQ8_0NEONDot, dotQ4_0: dotQ4_0NEONDot, dotQ4K: dotQ4KNEONDot, dotQ5K: dotQ5KGeneric, dotQ6K: dotQ6KGeneric}
	smullQuantKernels = &quantKernels{dotQ8_0: dotQ8_0NEON, dotQ4_0: dotQ4_0NEON, dotQ4K: dotQ4KNEON, dotQ5K: dotQ5KGeneric, dotQ6K: dotQ6KGeneric}
)

// dotQ8_0NEONDot is dotQ8_0Generic: len(xd) blocks of Q8_0 weights in w
// times the Q8_0 activations x scaled by xd, each block's 32 products
// summed exactly by SDOT, then scaled in float32 as the Go twin scales
// them. It needs FEAT_DotProd.
//
//go:noescape
func dotQ8_0NEONDot(w []byte, x []int8, xd []float32) float32

// dotQ4_0NEONDot is dotQ4_0Generic with SDOT: the nibbles are widened to
// bytes q−8 and multiplied as Q8_0 weights are. It needs FEAT_DotProd.
//
//go:noescape
func dotQ4_0NEONDot(w []byte, x []int8, xd []float32) float32

// dotQ4KNEONDot is dotQ4KGeneric with SDOT: per super-block of 256, each
// sub-block's nibbles times x summed in int32 lanes, times its 6-bit
// scale, scaled by d·xd; the mins' term Σ min·xs scaled by dmin·xd. It
// needs FEAT_DotProd.
//
//go:noescape
func dotQ4KNEONDot(w []byte, x []int8, xd []float32, xs []int16) float32

// dotQ8_0NEON is dotQ8_0NEONDot with SMULL and SADALP in place of SDOT.
//
//go:noescape
func dotQ8_0NEON(w []byte, x []int8, xd []float32) float32

// dotQ4_0NEON is dotQ4_0NEONDot with SMULL and SADALP in place of SDOT.
//
//go:noescape
func dotQ4_0NEON(w []byte, x []int8, xd []float32) float32

// dotQ4KNEON is dotQ4KNEONDot with SMULL and SADALP in place of SDOT.
//
//go:noescape
func dotQ4KNEON(w []byte, x []int8, xd []float32, xs []int16) float32

// hasVNNI reports whether the CPU has the instructions of the integer
// prefill kernel: only amd64 has that kernel.
func hasVNNI() bool { return false }
