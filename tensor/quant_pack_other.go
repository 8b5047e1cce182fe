//go:build !amd64 || noasm || gccgo

package tensor

// panelDequantizerFor reports no panel dequantizer: this build packs
// quantized panels in Go.
func panelDequantizerFor(ks *kernelSet, q QType) panelDequantizer { return nil }
