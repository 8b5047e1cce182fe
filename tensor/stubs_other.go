//go:build !(amd64 || arm64) || noasm || gccgo

package tensor

// asmKernelSets reports no assembly kernels: this build runs the portable
// Go family only.
func asmKernelSets() []*kernelSet { return nil }

// hasAVX512BF16 reports whether the CPU has AVX512_BF16 (VDPBF16PS).
func hasAVX512BF16() bool { return false }
