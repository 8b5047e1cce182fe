// Package shapes predicts how fast a transformer's shape runs on a GPU, from
// how the GPU tiles its matrix multiplications, and counts its parameters,
// FLOPs and memory as the EleutherAI cookbook does.
//
// # Throughput model
//
// A transformer layer is a handful of GEMMs (Shape.Layer lists them with
// their M, N, K and batch count). A GPU splits a GEMM's M×N output into
// tiles, one per thread block, and runs as many blocks at once as it has
// SMs (compute units on AMD). EstimateGEMM multiplies four factors:
//
//   - tile quantization: M·N / (⌈M/tm⌉·tm · ⌈N/tn⌉·tn), the useful part of
//     the tiled output (TileEfficiency);
//   - wave quantization: blocks / (⌈blocks/SMs⌉ · SMs), the busy part of the
//     rounds of blocks (Waves);
//   - tile reuse: small tiles reload operands more often; a tm×tn tile is
//     scored I/(I+16) with I = tm·tn/(tm+tn), relative to the largest
//     candidate (ReuseEfficiency);
//   - Tensor Core alignment: 1 when M, N and K are multiples of the GPU's
//     alignment (128 bytes on A100 and later, 16 on V100), lower steps for
//     smaller powers of two (AlignEfficiency).
//
// It picks, among the cuBLAS tile sizes (CUBLASTiles), the tile with the
// best product of the first three, as cuBLAS's heuristics would, and
// predicts the GEMM's time as FLOPs / (peak · efficiency). Predict sums a
// forward pass. The absolute numbers are an idealised upper bound (real
// kernels reach 70–90% of the datasheet peak on their best shapes); the
// model is for comparing shapes, where the quantization effects dominate.
// Non-GEMM work (norms, softmax, activations) is not modelled.
//
// Guidelines applies the sizing rules of Anthony et al., "The Case for
// Co-Designing Model Architectures with Hardware" (arXiv 2401.14489), and
// Alternatives searches nearby shapes within ±2% of the parameter count.
// Sweep and WritePlot draw throughput against one dimension.
//
// # Calculators
//
// ParamsOptions.Count, FLOPsOptions.Count and MemoryOptions.Estimate
// reproduce calc_transformer_params.py, calc_transformer_flops.py and
// calc_transformer_mem.py of github.com/EleutherAI/cookbook, with the same
// options, defaults and float64 arithmetic; testdata holds the scripts'
// outputs over a grid of configurations. Two deliberate differences: the KV
// cache is 2·b·(s+o)·L·kv_heads·head_dim·bytes (the script omits the
// factor 2 for keys and values and the kv-head ratio), and the FLOP
// calculator's FFNHiddenSize is used rather than ignored.
//
// # GPUs
//
// DefaultGPUs is an embedded table (gpus.yaml, each figure with its
// datasheet) of SM counts, dense peak TFLOPS per dtype, memory and
// bandwidth; ReadGPUs and MergeGPUs let a user's YAML file override it.
//
// # CPU
//
// Bench runs a layer's real GEMMs with fmkit's tensor.Gemm on this CPU and
// sets the measured times beside the same model applied to the CPU (one
// unit per core, a fixed cache-block tile): an illustration of
// quantization effects without a GPU, not a CPU performance model.
package shapes
