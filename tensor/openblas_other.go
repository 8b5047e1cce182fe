//go:build !openblas || !cgo

package tensor

// openBLASKernels reports that this build has no OpenBLAS backend (build
// with -tags openblas and cgo enabled to get one).
func openBLASKernels(*kernelSet) *kernelSet { return nil }
