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
// # Kernels
//
// GEMM packs A and B into cache-sized panels (16-bit B is widened to float32
// while it is packed) and multiplies them with a register-blocked
// micro-kernel, in the Goto/BLIS style. The kernel family is chosen once
// from the CPU: on amd64 "avx512" (12×32 AVX-512F micro-kernel) or
// "avx2+fma" (6×16 AVX2 micro-kernel, AVX2/F16C vector kernels for GEMV,
// conversions and the exponential), on arm64 "neon" (8×12 Advanced SIMD
// micro-kernel with FMLA by element, NEON kernels for GEMV, conversions and
// the exponential), else "generic" (portable Go, the only family on other
// architectures and under the noasm build tag). The AVX-512 and NEON GEMM
// micro-kernels are checked against a float64 reference at start-up and
// left out if they disagree (see KernelNotes). Kernels reports the family in
// use and SetKernels forces another one, so that every path can be tested
// and measured on one machine. The openblas build tag (cgo, libopenblas-dev) adds the family
// "openblas", float32 GEMM through cblas_sgemm, as an option and as a peer
// for benchmarks; it is never the default.
//
// A matrix used as B many times (a model's weights) can be packed once with
// PackB; GemmPacked then multiplies without repacking it, packing each
// block of A once and sweeping it across all columns. A PackedB is float32
// and about the size of a float32 B, so 16-bit weights are better left to
// GemmBF16/GemmF16, which widen while packing.
//
// GEMV reads A four rows at a time, a quarter of each thread's rows apart,
// so that the four memory streams run on through whole blocks of rows and
// the hardware prefetcher keeps it at memory bandwidth; Aᵀx splits A by
// rows too and sums the threads' partial results. A one-row Gemm (batch-1
// decoding) is run as a GEMV without packing, and a one-row GemmPacked
// streams the packed panels in the order they are stored, whole rows of
// its slivers per load. Half-precision weights that F16Finite has
// checked once can use GemvF16Finite and GemmF16Finite, which skip looking
// for infinities and NaNs on every call. GemvBatch runs several GEMVs (of
// any weight form) as one parallel job, so that products sharing an input
// cost one synchronisation.
//
// # Quantized weights
//
// QType names llama.cpp's block formats Q8_0, Q4_0, Q4_K, Q5_K and Q6_K,
// stored byte for byte as in GGUF files. Quantize and Dequantize are
// llama.cpp's reference quantizers and dequantizers (the same bytes and the
// same float32 bits). GemvQ and GemmQ quantize the activations to 8 bits per
// block, as llama.cpp does (Q8_0 blocks for Q8_0 and Q4_0 weights, Q8_K for
// the K-quants), and sum each block's products in integers: AVX2
// VPMADDUBSW/VPMADDWD kernels in every amd64 family, VPDPBUSD (AVX-512
// VNNI) for Q8_0 and Q4_0 in "avx512" where the CPU has it, NEON for Q8_0,
// Q4_0 and Q4_K on arm64, portable Go elsewhere; one row of Q4_0
// activations is multiplied by four weight rows per call. From 16 rows of
// activations on, GemmQ multiplies Q8_0, Q4_0 and Q4_K in 8-bit integers
// on AVX-512 VNNI (32-row by 6-row VPDPBUSD tiles over weight panels
// repacked per call, the activations quantized as for GemvQ; IntegerGemmQ
// reports it), and otherwise runs the float32 GEMM: A is dequantized once
// per call straight into the GEMM's packed panels (AVX2 kernels that
// gather 4 weights of 8 rows at a time on amd64), which every row reuses.
//
// GemmBF16 keeps float32 activations; GemmBF16Rounded rounds them to
// bfloat16, as llama.cpp does, and multiplies with AVX512_BF16's VDPBF16PS
// where the CPU has it.
//
// Softmax, log-sum-exp, SiLU and both GELUs use a float32 exponential
// (Cephes-style, under 2 ulp) that the AVX2 family runs eight lanes at a
// time and the NEON family (for softmax and log-sum-exp) two vectors of four; the exact GELU computes erfc in float32 (relative error below
// 4·2⁻²³ against float64).
//
// # Concurrency
//
// Kernels are safe to call from many goroutines on disjoint outputs. Large
// GEMMs and GEMVs split their work into parts that the caller and a pool
// of GOMAXPROCS-1 workers claim as they come free, so that a call never
// waits for a worker that has not woken yet; GemmBatched splits the batch
// instead when each product is small, and ParallelFor runs a caller's own
// loop on the same pool. The workers, and a caller waiting for parts that
// others run, spin for up to 500 µs (yielding to other goroutines) before
// they sleep, since batch-1 decoding runs dozens of short products back to
// back. Once warm, none of them allocates.
package tensor
