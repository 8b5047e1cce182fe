package shapes

import (
	"fmt"
	"math"
	"strings"
)

// MemoryOptions mirrors the options of the EleutherAI cookbook's
// calc_transformer_mem.py; DefaultMemoryOptions returns its defaults.
type MemoryOptions struct {
	NumGPUs              int  `json:"num_gpus"`               // default 1
	TensorParallelSize   int  `json:"tensor_parallel_size"`   // default 1
	PipelineParallelSize int  `json:"pipeline_parallel_size"` // default 1
	PartitionActivations bool `json:"partition_activations"`  // default false: ZeRO-R splits activations over tp
	ZeroStage            int  `json:"zero_stage"`             // default 1; 0 to 3
	// ZeroAllgatherBucketSize is DeepSpeed's allgather bucket, in elements.
	// The default is 5e8.
	ZeroAllgatherBucketSize float64 `json:"zero_allgather_bucket_size"`
	// Zero3MaxLiveParams is the most parameters ZeRO-3 keeps on a GPU. The
	// default is 1e9.
	Zero3MaxLiveParams    float64 `json:"zero3_max_live_params"`
	CheckpointActivations bool    `json:"checkpoint_activations"` // default false
	BatchSizePerGPU       int     `json:"batch_size_per_gpu"`     // default 1
	SequenceLength        int     `json:"sequence_length"`        // default 2048
	VocabSize             int     `json:"vocab_size"`             // default 51200
	HiddenSize            int     `json:"hidden_size"`            // default 6144
	NumAttentionHeads     int     `json:"num_attention_heads"`    // default 64
	NumLayers             int     `json:"num_layers"`             // default 44
	FFNExpansionFactor    float64 `json:"ffn_expansion_factor"`   // default 4.0; may be fractional (3.5 for Llama)
	NumMLPLinears         int     `json:"num_mlp_linears"`        // default 2
	Infer                 bool    `json:"infer"`                  // default false
	KVSizeRatio           float64 `json:"kv_size_ratio"`          // default 1.0; kv heads / query heads
	OutputTokens          int     `json:"output_tokens"`          // default 1; tokens generated after the prompt
	// MixedPrecision keeps low-precision weights (the default, true); the
	// script's --disable-mixed-precision clears it.
	MixedPrecision      bool    `json:"is_mixed_precision"`
	HighPrecBytesPerVal int     `json:"high_prec_bytes_per_val"` // default 4
	LowPrecBytesPerVal  int     `json:"low_prec_bytes_per_val"`  // default 2
	BytesPerGradEle     int     `json:"bytes_per_grad_ele"`      // default 4
	Optimizer           string  `json:"optimizer"`               // default "adamw"; also "muon", "sgd_momentum"
	NumExperts          int     `json:"num_experts"`             // default 0 (dense)
	ExpertParallelism   int     `json:"expert_parallelism"`      // default 1
	MiscMemGiB          float64 `json:"misc_mem_gib"`            // default 0; per-GPU framework overhead
}

// DefaultMemoryOptions returns calc_transformer_mem.py's defaults.
func DefaultMemoryOptions() MemoryOptions {
	return MemoryOptions{
		NumGPUs: 1, TensorParallelSize: 1, PipelineParallelSize: 1, ZeroStage: 1,
		ZeroAllgatherBucketSize: 5e8, Zero3MaxLiveParams: 1e9, BatchSizePerGPU: 1, SequenceLength: 2048,
		VocabSize: 51200, HiddenSize: 6144, NumAttentionHeads: 64, NumLayers: 44, FFNExpansionFactor: 4,
		NumMLPLinears: 2, KVSizeRatio: 1, OutputTokens: 1, MixedPrecision: true, HighPrecBytesPerVal: 4,
		LowPrecBytesPerVal: 2, BytesPerGradEle: 4, Optimizer: "adamw", ExpertParallelism: 1,
	}
}

// Memory is the estimate, in bytes unless a name says GiB. Replica fields
// hold one complete model copy (all its tensor- and pipeline-parallel
// ranks); PerGPU fields one GPU.
type Memory struct {
	// Params is the dense parameter count; MoEParams counts every expert.
	Params    float64 `json:"params"`
	MoEParams float64 `json:"moe_params,omitempty"`

	Model       float64 `json:"model"`
	Gradient    float64 `json:"gradient"`
	Optimizer   float64 `json:"optimizer"`
	Activation  float64 `json:"activation"`
	KVCache     float64 `json:"kv_cache"`
	PerGPUModel float64 `json:"per_gpu_model"`
	// PerGPUGradient and PerGPUOptimizer are computed for inference too, as
	// in the script, but counted in the totals only for training.
	PerGPUGradient      float64 `json:"per_gpu_gradient"`
	PerGPUOptimizer     float64 `json:"per_gpu_optimizer"`
	PerGPUCommunication float64 `json:"per_gpu_communication"`
	PerGPUActivation    float64 `json:"per_gpu_activation"`
	PerGPUKVCache       float64 `json:"per_gpu_kv_cache"`

	// CookbookKVCache and CookbookPerGPUKVCache are the script's KV-cache
	// figures (h·L·(s+o)·b bytes per GPU, times the GPU count), kept for
	// comparison: they lack the factor 2 for keys and values and the
	// kv-head ratio. KVCache and PerGPUKVCache are fmkit's.
	CookbookKVCache       float64 `json:"cookbook_kv_cache"`
	CookbookPerGPUKVCache float64 `json:"cookbook_per_gpu_kv_cache"`

	PerGPUTotalGiB  float64 `json:"per_gpu_total_gib"`
	ReplicaTotalGiB float64 `json:"replica_total_gib"`
}

// GiB is 1024³ bytes, the unit of the script's report.
const GiB = 1024 * 1024 * 1024

// Validate reports every option the formulas cannot use, all at once.
func (o MemoryOptions) Validate() error {
	var p []string
	p = positiveInts(p, "num-gpus", o.NumGPUs, "tensor-parallel-size", o.TensorParallelSize,
		"pipeline-parallel-size", o.PipelineParallelSize, "batch-size-per-gpu", o.BatchSizePerGPU,
		"sequence-length", o.SequenceLength, "vocab-size", o.VocabSize, "hidden-size", o.HiddenSize,
		"num-attention-heads", o.NumAttentionHeads, "num-layers", o.NumLayers, "num-mlp-linears", o.NumMLPLinears,
		"high-prec-bytes-per-val", o.HighPrecBytesPerVal, "low-prec-bytes-per-val", o.LowPrecBytesPerVal,
		"bytes-per-grad-ele", o.BytesPerGradEle, "expert-parallelism", o.ExpertParallelism)
	if o.ZeroStage < 0 || o.ZeroStage > 3 {
		p = append(p, fmt.Sprintf("zero-stage is %d, expected 0, 1, 2 or 3", o.ZeroStage))
	}
	if !(o.FFNExpansionFactor > 0) || math.IsInf(o.FFNExpansionFactor, 0) {
		p = append(p, fmt.Sprintf("ffn-expansion-factor is %g, expected a positive number", o.FFNExpansionFactor))
	}
	if o.KVSizeRatio <= 0 || o.KVSizeRatio > 1 {
		p = append(p, fmt.Sprintf("kv-size-ratio is %g, expected a fraction in (0, 1]", o.KVSizeRatio))
	}
	if o.OutputTokens < 0 {
		p = append(p, fmt.Sprintf("output-tokens is %d, expected zero or more", o.OutputTokens))
	}
	if o.NumExperts < 0 {
		p = append(p, fmt.Sprintf("num-experts is %d, expected zero (dense) or more", o.NumExperts))
	}
	if o.ZeroAllgatherBucketSize < 0 || o.Zero3MaxLiveParams < 0 || o.MiscMemGiB < 0 {
		p = append(p, "zero-allgather-bucket-size, zero3-max-live-params and misc-mem-gib must not be negative")
	}
	switch strings.ToLower(o.Optimizer) {
	case "adamw", "muon", "sgd_momentum":
	default:
		p = append(p, fmt.Sprintf("optimizer is %q, expected adamw, muon or sgd_momentum", o.Optimizer))
	}
	return joinProblems("memory", p)
}

// OptimizerBytesPerParam is the optimizer state per parameter: 12 for
// AdamW (fp32 master copy, momentum, variance), 8 for Muon and SGD with
// momentum (master copy and momentum).
func OptimizerBytesPerParam(name string) int {
	switch strings.ToLower(name) {
	case "muon", "sgd_momentum":
		return 8
	}
	return 12
}

// Estimate computes memory as calc_transformer_mem.py does (same formulas
// and operation order), except for the KV cache, which fmkit computes as
//
//	2 · b · (s + o) · L · kv_heads · head_dim · bytes
//
// per model replica (keys and values, with kv_heads = kv-size-ratio ·
// heads and head_dim = h/heads), and that divided by tp·pp per GPU. The
// totals use fmkit's KV cache; the script's figures are kept in the
// Cookbook fields.
//
// Activations follow Korthikanti et al. (arXiv 2205.05198), Table 2, in
// the script's generalisation to any precision p (low-precision bytes):
// s·b·h·L·(16p+2) with recomputation, plus (2p+1)·a·s/h per layer term
// without it (34 + 5as/h at p = 2), and one layer's worth for inference.
func (o MemoryOptions) Estimate() (Memory, error) {
	if err := o.Validate(); err != nil {
		return Memory{}, err
	}
	h, v, s := float64(o.HiddenSize), float64(o.VocabSize), float64(o.SequenceLength)
	L, b, a := float64(o.NumLayers), float64(o.BatchSizePerGPU), float64(o.NumAttentionHeads)
	gpus, tp, pp := float64(o.NumGPUs), float64(o.TensorParallelSize), float64(o.PipelineParallelSize)
	lp := float64(o.LowPrecBytesPerVal)

	embed := 2 * v * h
	positional := h * s
	ln := 8*h*L + 2*h
	attention := math.Trunc(2 * (1 + o.KVSizeRatio) * L * h * h)
	mlp := float64(o.NumMLPLinears) * L * h * o.FFNExpansionFactor * h
	var m Memory
	m.Params = embed + positional + ln + attention + mlp

	bytesPerParam := float64(o.HighPrecBytesPerVal)
	if o.MixedPrecision {
		bytesPerParam = lp
	}
	m.Model = m.Params * bytesPerParam
	// stored is what this rank keeps: all experts' share under expert
	// parallelism, or the dense model.
	stored := m.Params
	if o.NumExperts > 0 {
		e := float64(o.NumExperts)
		m.MoEParams = embed + positional + ln + attention + e*mlp
		stored = embed + positional + ln + attention + (e/float64(o.ExpertParallelism))*mlp
	}
	m.PerGPUModel = stored * bytesPerParam / (tp * pp)
	if o.ZeroStage == 3 {
		m.PerGPUModel /= gpus
	}

	m.Gradient = stored * float64(o.BytesPerGradEle)
	m.PerGPUGradient = m.Gradient
	if o.ZeroStage >= 2 {
		m.PerGPUGradient /= gpus
	}

	m.Optimizer = stored * float64(OptimizerBytesPerParam(o.Optimizer))
	m.PerGPUOptimizer = m.Optimizer
	if o.ZeroStage >= 1 {
		m.PerGPUOptimizer /= gpus
	}

	if o.ZeroStage >= 1 && o.NumGPUs > 1 {
		m.PerGPUCommunication += o.ZeroAllgatherBucketSize * bytesPerParam
	}
	if o.ZeroStage == 3 && o.NumGPUs > 1 {
		m.PerGPUCommunication += o.Zero3MaxLiveParams * bytesPerParam
	}

	perLayer := 16*lp + 2
	switch {
	case o.Infer:
		m.Activation = s * b * h * perLayer
	case o.CheckpointActivations:
		m.Activation = s * b * h * L * perLayer
	default:
		m.Activation = s * b * h * L * (perLayer + (2*lp+1)*(a*s/h))
	}
	m.PerGPUActivation = m.Activation
	if o.PartitionActivations {
		m.PerGPUActivation = m.Activation / tp
	}

	if o.Infer {
		tokens := s + float64(o.OutputTokens)
		m.CookbookPerGPUKVCache = lp * h * L * tokens * b
		m.CookbookKVCache = gpus * m.CookbookPerGPUKVCache
		m.KVCache = KVCacheBytes(o.BatchSizePerGPU, o.SequenceLength+o.OutputTokens, o.NumLayers,
			o.KVSizeRatio*a, h/a, o.LowPrecBytesPerVal)
		m.PerGPUKVCache = m.KVCache / (tp * pp)
	}

	misc := o.MiscMemGiB
	if o.Infer {
		m.PerGPUTotalGiB = m.PerGPUActivation/GiB + m.PerGPUKVCache/GiB + m.PerGPUModel/GiB + misc
		m.ReplicaTotalGiB = m.Activation/GiB + m.KVCache/GiB + m.Model/GiB + misc*gpus
	} else {
		m.PerGPUTotalGiB = m.PerGPUActivation/GiB + m.PerGPUGradient/GiB + m.PerGPUModel/GiB +
			m.PerGPUOptimizer/GiB + m.PerGPUCommunication/GiB + misc
		m.ReplicaTotalGiB = m.Activation/GiB + m.Gradient/GiB + m.Model/GiB + m.Optimizer/GiB + misc*gpus
	}
	return m, nil
}

// KVCacheBytes is the memory of a KV cache holding keys and values for
// batch sequences of tokens tokens each over layers layers:
// 2 · batch · tokens · layers · kvHeads · headDim · bytes. kvHeads may be
// fractional only when it comes from a ratio (kvHeads·headDim is what
// counts).
func KVCacheBytes(batch, tokens, layers int, kvHeads, headDim float64, bytes int) float64 {
	return 2 * float64(batch) * float64(tokens) * float64(layers) * kvHeads * headDim * float64(bytes)
}
