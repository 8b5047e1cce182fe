package shapes

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// cookbookCase is one entry of the fixtures written by
// testdata/gen/shapes/gen_cookbook.py: the script's parsed options and the
// local variables of its calc function when it returned.
type cookbookCase struct {
	Argv   []string                   `json:"argv"`
	Args   map[string]json.RawMessage `json:"args"`
	Result map[string]any             `json:"result"`
}

func loadCookbook(t *testing.T, name string) []cookbookCase {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var cases []cookbookCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("%s has %d cases, want at least 50", name, len(cases))
	}
	return cases
}

// decodeArgs fills opts from the script's option names, which are the
// options structs' JSON names; an option fmkit does not know fails.
func decodeArgs(t *testing.T, c cookbookCase, opts any, ignore ...string) {
	t.Helper()
	args := map[string]json.RawMessage{}
	for k, v := range c.Args {
		args[k] = v
	}
	for _, k := range ignore {
		delete(args, k)
	}
	data, _ := json.Marshal(args)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(opts); err != nil {
		t.Fatalf("%v: decode args: %v", c.Argv, err)
	}
}

// want reads a number the script computed; absent means the script never
// assigned it, which the caller states by passing ok=false.
func want(t *testing.T, c cookbookCase, key string) float64 {
	t.Helper()
	v, ok := c.Result[key].(float64)
	if !ok {
		t.Fatalf("%v: fixture has no number %q", c.Argv, key)
	}
	return v
}

// sameFloat requires agreement to the last bit but one: fmkit repeats the
// script's operations in the same order, so the results should be equal.
func sameFloat(got, want float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= 1e-15*math.Max(math.Abs(got), math.Abs(want))
}

func TestFLOPsMatchCookbook(t *testing.T) {
	for _, c := range loadCookbook(t, "cookbook_flops.json") {
		var o FLOPsOptions
		decodeArgs(t, c, &o)
		got, err := o.Count()
		if err != nil {
			t.Fatalf("%v: %v", c.Argv, err)
		}
		checks := map[string]float64{
			"iter_factor":                 float64(got.IterFactor),
			"qkv_flops":                   got.QKV,
			"attention_matrix_flops":      got.AttentionMatrix,
			"attention_over_values_flops": got.AttentionOverValues,
			"linear_projection_flops":     got.LinearProjection,
			"ffn_flops":                   got.FFN,
			"embedding_flops":             got.Embedding,
			"total_flops":                 got.Total,
		}
		if o.MoE {
			checks["gating_flops"] = got.Gating
		}
		for key, g := range checks {
			if w := want(t, c, key); !sameFloat(g, w) {
				t.Errorf("%v: %s = %v, cookbook %v", strings.Join(c.Argv, " "), key, g, w)
			}
		}
	}
}

func TestParamsMatchCookbook(t *testing.T) {
	for _, c := range loadCookbook(t, "cookbook_params.json") {
		var o ParamsOptions
		decodeArgs(t, c, &o)
		if err := o.Validate(); err != nil {
			t.Fatalf("%v: %v", c.Argv, err)
		}
		got := o.Count()
		checks := map[string]float64{
			"embedding_params":          got.Embedding,
			"position_embedding_params": got.Position,
			"attention_params":          got.Attention,
			"layernorm_params":          got.LayerNorm,
			"ffn_params":                got.FFN,
			"total_params":              got.Total,
		}
		if o.MoE {
			checks["gating_params"] = got.Gating
		}
		for key, g := range checks {
			if w := want(t, c, key); !sameFloat(g, w) {
				t.Errorf("%v: %s = %v, cookbook %v", strings.Join(c.Argv, " "), key, g, w)
			}
		}
	}
}

func TestMemoryMatchesCookbook(t *testing.T) {
	for _, c := range loadCookbook(t, "cookbook_mem.json") {
		o := MemoryOptions{}
		decodeArgs(t, c, &o, "hf_model_name_or_path")
		got, err := o.Estimate()
		if err != nil {
			t.Fatalf("%v: %v", c.Argv, err)
		}
		checks := map[string]float64{
			"total_params":              got.Params,
			"model_mem":                 got.Model,
			"gradient_mem":              got.Gradient,
			"optimizer_mem":             got.Optimizer,
			"activation_mem":            got.Activation,
			"per_gpu_model_mem":         got.PerGPUModel,
			"per_gpu_gradient_mem":      got.PerGPUGradient,
			"per_gpu_optimizer_mem":     got.PerGPUOptimizer,
			"per_gpu_communication_mem": got.PerGPUCommunication,
			"per_gpu_activation_mem":    got.PerGPUActivation,
		}
		if o.NumExperts > 0 {
			checks["total_moe_params"] = got.MoEParams
		}
		// The totals differ from the script's only by the KV cache, which
		// fmkit computes differently (TestKVCache): swap the script's back in.
		perGPU, replica := got.PerGPUTotalGiB, got.ReplicaTotalGiB
		if o.Infer {
			checks["kv_cache_mem"] = got.CookbookKVCache
			checks["per_gpu_kv_cache_mem"] = got.CookbookPerGPUKVCache
			perGPU += (got.CookbookPerGPUKVCache - got.PerGPUKVCache) / GiB
			replica += (got.CookbookKVCache - got.KVCache) / GiB
		} else if got.KVCache != 0 || got.CookbookKVCache != 0 {
			t.Errorf("%v: training run has a KV cache", c.Argv)
		}
		for key, g := range checks {
			if w := want(t, c, key); !sameFloat(g, w) {
				t.Errorf("%v: %s = %v, cookbook %v", strings.Join(c.Argv, " "), key, g, w)
			}
		}
		for key, g := range map[string]float64{"per_gpu_mem_gib": perGPU, "single_replica_mem_gib": replica} {
			if w := want(t, c, key); math.Abs(g-w) > 1e-9*math.Max(1, w) {
				t.Errorf("%v: %s = %v, cookbook %v", strings.Join(c.Argv, " "), key, g, w)
			}
		}
	}
}

// TestKVCache checks fmkit's KV-cache formula against numbers worked by
// hand, and that it is not the cookbook's.
func TestKVCache(t *testing.T) {
	tests := []struct {
		name string
		opts func(*MemoryOptions)
		// replica and perGPU are bytes, worked out in the comments.
		replica, perGPU, cookbookPerGPU float64
	}{
		{
			// Llama-2-7B, one sequence of 4096 tokens in fp16:
			// 2·1·4096·32·32·128·2 = 2,147,483,648 bytes (2 GiB).
			// The cookbook: 2·4096·32·4096·1 = 1,073,741,824 (half).
			name: "llama-2-7b mha",
			opts: func(o *MemoryOptions) {
				o.HiddenSize, o.NumAttentionHeads, o.NumLayers = 4096, 32, 32
				o.SequenceLength, o.OutputTokens = 4095, 1
			},
			replica: 2147483648, perGPU: 2147483648, cookbookPerGPU: 1073741824,
		},
		{
			// Llama-2-70B-like GQA: 64 heads, 8 kv heads (ratio 0.125), head
			// dim 128, 80 layers, batch 4, 1000+24 tokens, fp16:
			// 2·4·1024·80·8·128·2 = 1,342,177,280 bytes; tp 8 → 167,772,160
			// per GPU. The cookbook ignores the ratio: 2·8192·80·1024·4 =
			// 5,368,709,120 per GPU.
			name: "gqa tp8",
			opts: func(o *MemoryOptions) {
				o.HiddenSize, o.NumAttentionHeads, o.NumLayers, o.KVSizeRatio = 8192, 64, 80, 0.125
				o.SequenceLength, o.OutputTokens, o.BatchSizePerGPU = 1000, 24, 4
				o.TensorParallelSize, o.NumGPUs = 8, 8
			},
			replica: 1342177280, perGPU: 167772160, cookbookPerGPU: 5368709120,
		},
		{
			// MQA (one kv head of 64 dims), 12 layers, fp32 (low precision 4
			// bytes), pp 2: 2·2·512·12·1·64·4 = 6,291,456; per GPU 3,145,728.
			name: "mqa pp2 fp32",
			opts: func(o *MemoryOptions) {
				o.HiddenSize, o.NumAttentionHeads, o.NumLayers, o.KVSizeRatio = 768, 12, 12, 1.0/12
				o.SequenceLength, o.OutputTokens, o.BatchSizePerGPU = 500, 12, 2
				o.LowPrecBytesPerVal, o.PipelineParallelSize, o.NumGPUs = 4, 2, 2
			},
			replica: 6291456, perGPU: 3145728, cookbookPerGPU: 4 * 768 * 12 * 512 * 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultMemoryOptions()
			o.Infer = true
			tt.opts(&o)
			m, err := o.Estimate()
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(m.KVCache-tt.replica) > 1e-6*tt.replica || math.Abs(m.PerGPUKVCache-tt.perGPU) > 1e-6*tt.perGPU {
				t.Errorf("KV cache = %v replica, %v per GPU; want %v, %v", m.KVCache, m.PerGPUKVCache, tt.replica, tt.perGPU)
			}
			if m.CookbookPerGPUKVCache != tt.cookbookPerGPU {
				t.Errorf("cookbook per-GPU KV cache = %v, want %v", m.CookbookPerGPUKVCache, tt.cookbookPerGPU)
			}
			wantTotal := m.PerGPUActivation/GiB + tt.perGPU/GiB + m.PerGPUModel/GiB + o.MiscMemGiB
			if math.Abs(m.PerGPUTotalGiB-wantTotal) > 1e-9 {
				t.Errorf("per-GPU total %v GiB, want %v (with fmkit's KV cache)", m.PerGPUTotalGiB, wantTotal)
			}
		})
	}
}

// TestFFNHiddenSize checks the FLOP calculator's --ffn-hidden-size, which
// the cookbook script ignores, against hand-worked numbers: Llama-2-7B's
// MLP (3 matrices of 4096×11008) over 1000 tokens in inference is
// 2·3·32·1000·4096·11008 = 8,657,043,456,000 FLOPs.
func TestFFNHiddenSize(t *testing.T) {
	o := DefaultFLOPsOptions()
	o.HiddenSize, o.NumLayers, o.NumMLPLinears, o.FFNHiddenSize = 4096, 32, 3, 11008
	o.Tokens, o.Infer = 1000, true
	f, err := o.Count()
	if err != nil {
		t.Fatal(err)
	}
	if f.FFN != 8657043456000 {
		t.Errorf("FFN FLOPs = %v, want 8657043456000", f.FFN)
	}
	// With the expansion factor instead (ff = 3, as the script would
	// truncate a width) the count differs.
	o.FFNHiddenSize, o.FFNExpansionFactor = 0, 3
	g, _ := o.Count()
	if g.FFN == f.FFN {
		t.Error("FFNHiddenSize had no effect")
	}
}

func TestCalculatorsRejectBadOptions(t *testing.T) {
	flops := []struct {
		name string
		edit func(*FLOPsOptions)
		want string
	}{
		{"topk", func(o *FLOPsOptions) { o.TopK = 200 }, "topk (200) is larger than num-experts (128)"},
		{"interval", func(o *FLOPsOptions) { o.NumLayers = 45 }, "num-layers (45) is not a multiple of expert-interval (2)"},
		{"ffn conflict", func(o *FLOPsOptions) { o.FFNHiddenSize, o.FFNExpansionFactor = 11008, 3 }, "conflict"},
		{"tokens", func(o *FLOPsOptions) { o.Tokens = 0 }, "tokens is 0"},
		{"kv", func(o *FLOPsOptions) { o.KVSizeRatio = 2 }, "kv-size-ratio is 2"},
		{"two at once", func(o *FLOPsOptions) { o.HiddenSize, o.VocabSize = 0, -1 }, "vocab-size is -1, expected a positive number; hidden-size is 0"},
	}
	for _, tt := range flops {
		o := DefaultFLOPsOptions()
		tt.edit(&o)
		if _, err := o.Count(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("flops %s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	mem := []struct {
		name string
		edit func(*MemoryOptions)
		want string
	}{
		{"zero", func(o *MemoryOptions) { o.ZeroStage = 4 }, "zero-stage is 4"},
		{"optimizer", func(o *MemoryOptions) { o.Optimizer = "lion" }, `optimizer is "lion"`},
		{"gpus", func(o *MemoryOptions) { o.NumGPUs = 0 }, "num-gpus is 0"},
		{"ffn", func(o *MemoryOptions) { o.FFNExpansionFactor = math.NaN() }, "ffn-expansion-factor is NaN"},
	}
	for _, tt := range mem {
		o := DefaultMemoryOptions()
		tt.edit(&o)
		if _, err := o.Estimate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("memory %s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	p := DefaultParamsOptions()
	p.NumMLPLinears = 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "num-mlp-linears is 0") {
		t.Errorf("params: error %v", err)
	}
}

// TestShapeParams checks Shape.Params on GPT-2 small, whose parameter count
// is known exactly: 124,439,808 in the Hugging Face checkpoint, which has
// biases the cookbook formula leaves out (and counts 8Lh+2h for norms).
// By hand with the cookbook's formula: embeddings 768·50257 (tied) =
// 38,597,376; positions 768·1024 = 786,432; attention 4·12·768² =
// 28,311,552; norms 8·12·768+2·768 = 75,264; MLP 2·4·12·768² = 56,623,104;
// total 124,393,728.
func TestShapeParams(t *testing.T) {
	s := Shape{Hidden: 768, Heads: 12, Layers: 12, Vocab: 50257, Seq: 1024, TiedEmbeddings: true, LearnedPositions: true}
	if got := s.Params(); got != 124393728 {
		t.Errorf("GPT-2 params = %v, want 124393728", got)
	}
	// Llama-2-7B (untied, no learned positions, SwiGLU 11008):
	// 2·4096·32000 + 4·32·4096² + 8·32·4096+2·4096 + 3·32·4096·11008 =
	// 262,144,000 + 2,147,483,648 + 1,056,768 + 4,328,521,728 = 6,739,206,144.
	l := Shape{Hidden: 4096, Heads: 32, Layers: 32, Vocab: 32000, Seq: 4096, SwiGLU: true, FFN: 11008}
	if got := l.Params(); got != 6739206144 {
		t.Errorf("Llama-2-7B params = %v, want 6739206144", got)
	}
}
