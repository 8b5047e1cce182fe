//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

// panelDequantizer widens one block of 8 consecutive rows of quantized
// weights (row j at src[j·rb:], the block at its start) into a packed
// panel: dst[p·nr + j] is weight p of row j, for p < 32 and j < 8.
type panelDequantizer func(dst []float32, nr int, src []byte, rb int)

// panelDequantizerFor returns the AVX2 panel dequantizer of format q for
// the kernel family ks, or nil where there is none (Q4_K, the generic
// family, a CPU without AVX2 or F16C, a panel width not a multiple of 8).
func panelDequantizerFor(ks *kernelSet, q QType) panelDequantizer {
	if ks.name == "generic" || ks.nr%8 != 0 || !cpu.X86.HasAVX2 || !cpu.X86.HasF16C {
		return nil
	}
	switch q {
	case Q8_0:
		return dequantPanelQ8_0AVX2
	case Q4_0:
		return dequantPanelQ4_0AVX2
	}
	return nil
}

// dequantPanelQ8_0AVX2 is a panelDequantizer for Q8_0: VPGATHERDD takes
// 4 weights of each of the 8 rows at once, which are sign-extended,
// converted and multiplied by the row's scale (the same float32 product
// as Dequantize), and stored as 4 panel rows.
//
//go:noescape
func dequantPanelQ8_0AVX2(dst []float32, nr int, src []byte, rb int)

// dequantPanelQ4_0AVX2 is dequantPanelQ8_0AVX2 for Q4_0: each gathered
// byte gives weight t (low nibble) and 16+t (high nibble), less 8.
//
//go:noescape
func dequantPanelQ4_0AVX2(dst []float32, nr int, src []byte, rb int)
