//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

// panelDequantizerFor returns the AVX2 panel dequantizer of format q for
// the kernel family ks, or nil where there is none (the generic family, a
// CPU without AVX2 or F16C, a panel width not a multiple of 8).
func panelDequantizerFor(ks *kernelSet, q QType) panelDequantizer {
	if ks.name == "generic" || ks.nr%8 != 0 || !cpu.X86.HasAVX2 || !cpu.X86.HasF16C {
		return nil
	}
	switch q {
	case Q8_0:
		return dequantPanelQ8_0AVX2
	case Q4_0:
		return dequantPanelQ4_0AVX2
	case Q4_K:
		return dequantPanelQ4KAVX2
	case Q5_K:
		return dequantPanelQ5KAVX2
	case Q6_K:
		return dequantPanelQ6KAVX2
	}
	return nil
}

// dequantPanelQ8_0AVX2 is a panelDequantizer for Q8_0: VPGATHERDD takes
// 4 weights of each of the 8 rows at once, which are sign-extended,
// converted and multiplied by the row's scale (the same float32 product
// as Dequantize), and stored as 4 panel rows.
//
//go:noescape
func dequantPanelQ8_0AVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)

// dequantPanelQ4_0AVX2 is dequantPanelQ8_0AVX2 for Q4_0: each gathered
// byte gives weight t (low nibble) and 16+t (high nibble), less 8.
//
//go:noescape
func dequantPanelQ4_0AVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)

// dequantPanelQ4KAVX2 is dequantPanelQ8_0AVX2 for Q4_K, with each
// sub-block's d·scale and dmin·min of the 8 rows taken from dm (see
// q4KScales): each gathered byte gives a weight of sub-block 2i (low
// nibble) and 2i+1 (high nibble).
//
//go:noescape
func dequantPanelQ4KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)

// dequantPanelQ6KAVX2 is dequantPanelQ8_0AVX2 for Q6_K, with d·scale of
// each 16 weights of the 8 rows taken from dm (see q6KBlockScales): three
// gathers (the two runs of low bits and the high bits) give 4 weights of
// each quarter of a 128-weight half.
//
//go:noescape
func dequantPanelQ6KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)

// dequantPanelQ5KAVX2 is dequantPanelQ4KAVX2 for Q5_K (the same scales and
// mins, see q4KScales), each weight's fifth bit gathered from qh.
//
//go:noescape
func dequantPanelQ5KAVX2(dst []float32, nr int, src []byte, rb int, dm *[16][8]float32)
