package tensor

// Kernels names the GEMM kernel family this process uses, for version
// reports and benchmark records.
func Kernels() string { return "generic" }
