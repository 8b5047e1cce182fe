// Package tensor implements dense float32 tensors and the numeric kernels that
// the rest of fmkit is built on: GEMM and GEMV (with float32 or 16-bit B),
// softmax, normalisation, activations, rotary embeddings, gathers and
// reductions, plus bfloat16 and IEEE half-precision conversion.
//
// # Layout
//
// Every tensor is contiguous and row-major: the last dimension varies
// fastest. Matrix kernels take BLAS-style arguments (dimensions, slices and
// leading dimensions, i.e. row strides in elements) so that they can work on
// views into larger buffers without copying.
//
// # Invariants
//
// Inputs are never modified; only dst, c or y (or the receiver) is written.
// Kernels panic on programmer errors: mismatched lengths, strides smaller than
// a row, slices too short for the shape they are given. They never panic on
// the values they are given: NaN and ±Inf propagate as IEEE arithmetic says.
//
// # Concurrency
//
// Kernels are safe to call from many goroutines on disjoint outputs. Large
// GEMMs split their work over GOMAXPROCS goroutines themselves.
package tensor
