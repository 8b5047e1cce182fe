//go:build !(amd64 || arm64) || noasm || gccgo

package tensor

// asmKernelSets reports no assembly kernels: this build runs the portable
// Go family only.
func asmKernelSets() []*kernelSet { return nil }
