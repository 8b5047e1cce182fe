//go:build !(amd64 || arm64) || noasm || gccgo

package tensor

// asmQuantKernels reports no assembly kernels for the quantized dot
// products: this build runs the portable Go ones.
func asmQuantKernels(family string) *quantKernels { return nil }

// hasVNNI reports whether the CPU has the instructions of the integer
// prefill kernel: only amd64 has that kernel.
func hasVNNI() bool { return false }
