//go:build !amd64 || noasm || gccgo

package tensor

// panelDequantizer widens one block of 8 consecutive rows of quantized
// weights (row j at src[j·rb:], the block at its start) into a packed
// panel: dst[p·nr + j] is weight p of row j, for p < 32 and j < 8.
type panelDequantizer func(dst []float32, nr int, src []byte, rb int)

// panelDequantizerFor reports no panel dequantizer: this build packs
// quantized panels in Go.
func panelDequantizerFor(ks *kernelSet, q QType) panelDequantizer { return nil }
