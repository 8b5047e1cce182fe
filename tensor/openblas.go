//go:build openblas && cgo

package tensor

import "github.com/fmkit/fmkit/tensor/internal/cblas"

// openBLASKernels returns the "openblas" family: float32 GEMM through
// cblas_sgemm from the system OpenBLAS, everything else (16-bit B, GEMV,
// elementwise kernels) from base, the default Go family.
func openBLASKernels(base *kernelSet) *kernelSet {
	k := *base
	k.name = "openblas"
	k.gemmF32 = cblas.Sgemm
	return &k
}
