package model

import (
	"fmt"

	"github.com/fmkit/fmkit/gguf"
)

// Llama (Llama 2/3, Code Llama, Llemma): RMSNorm, grouped-query attention
// with separate q, k and v projections, rotary embeddings (with linear,
// dynamic or llama3 scaling) and a gated SiLU MLP. Mistral and Qwen2
// configs use Llama's keys and are read for their shapes only: the engine
// does not run Mistral's sliding window or Qwen2's q/k/v-only biases.

// llamaDefaults are the defaults in which the config classes of the Llama
// family differ; kvHeads 0 means one key/value head per query head.
type llamaDefaults struct {
	vocab, intermediate, kvHeads, maxPositions int
}

func llamaConfig(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 32000, intermediate: 11008, maxPositions: 2048})
}

// mistralConfig reads a Mistral config with MistralConfig's defaults.
func mistralConfig(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 32000, intermediate: 14336, kvHeads: 8, maxPositions: 4096 * 32})
}

// qwen2Config reads a Qwen2 config with Qwen2Config's defaults.
func qwen2Config(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 151936, intermediate: 22016, maxPositions: 32768})
}

func llamaFamilyConfig(r *reader, c *Config, d llamaDefaults) {
	c.Vocab = r.int("vocab_size", d.vocab)
	c.Hidden = r.int("hidden_size", 4096)
	c.Layers = r.int("num_hidden_layers", 32)
	c.Heads = r.int("num_attention_heads", 32)
	if d.kvHeads == 0 {
		d.kvHeads = c.Heads
	}
	c.KVHeads = r.int("num_key_value_heads", d.kvHeads)
	def := 0
	if c.Heads > 0 {
		def = c.Hidden / c.Heads
	}
	c.HeadDim = r.int("head_dim", def)
	c.Intermediate = r.int("intermediate_size", d.intermediate)
	c.MaxPositions = r.int("max_position_embeddings", d.maxPositions)
	c.Norm = RMSNorm
	c.NormEps = r.float("rms_norm_eps", 1e-6)
	c.Act = Activation(r.str("hidden_act", "silu"))
	c.GatedMLP = true
	c.RotaryDim = int(float64(c.HeadDim) * r.float("partial_rotary_factor", 1))
	c.RopeTheta = r.float("rope_theta", 10000)
	c.RopeScaling = r.ropeScaling()
	c.AttnBias = r.bool("attention_bias", false)
	c.MLPBias = r.bool("mlp_bias", false)
	c.ScaleAttn = true
	c.TieEmbed = r.bool("tie_word_embeddings", false)
}

// bindLlama binds Llama weights. q, k and v are separate projections
// written side by side: all query heads, then the key heads, then the value
// heads (num_key_value_heads of each; grouped-query attention shares one
// key/value head among heads/kv_heads query heads).
func bindLlama(m *Model, b *binder) {
	c := &m.Config
	b.prefix = "model."
	H, d, nh, nkv := c.Hidden, c.HeadDim, c.Heads, c.KVHeads
	m.embed = b.matrix("model.embed_tokens.weight", c.Vocab, H)
	m.layout = qkvLayout{width: (nh + 2*nkv) * d, qBase: 0, qStride: d, kBase: nh * d, kStride: d, vBase: (nh + nkv) * d, vStride: d}
	m.layers = make([]layer, c.Layers)
	for i := range m.layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		l := &m.layers[i]
		l.attnNorm = norm{weight: b.vector(p+"input_layernorm.weight", H)}
		l.mlpNorm = norm{weight: b.vector(p+"post_attention_layernorm.weight", H)}
		l.qkv = []linear{
			b.linear(p+"self_attn.q_proj", H, nh*d, c.AttnBias, false),
			b.linear(p+"self_attn.k_proj", H, nkv*d, c.AttnBias, false),
			b.linear(p+"self_attn.v_proj", H, nkv*d, c.AttnBias, false),
		}
		l.out = b.linear(p+"self_attn.o_proj", nh*d, H, c.AttnBias, false)
		l.gate = b.linear(p+"mlp.gate_proj", H, c.Intermediate, c.MLPBias, false)
		l.up = b.linear(p+"mlp.up_proj", H, c.Intermediate, c.MLPBias, false)
		l.down = b.linear(p+"mlp.down_proj", c.Intermediate, H, c.MLPBias, false)
	}
	m.finalNorm = norm{weight: b.vector("model.norm.weight", H)}
	if c.TieEmbed {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	} else {
		m.head = b.linear("lm_head", H, c.Vocab, false, false)
	}
}

// llamaGGUF is Llama as llama.cpp's GGUF files hold it ("llama"): q and k
// projections with their rows permuted per head for interleaved rotary
// pairs.
var llamaGGUF = &ggufArch{
	name: "llama",
	config: func(g ggufMeta) map[string]any {
		m := map[string]any{"vocab_size": g.vocab(), "hidden_act": "silu"}
		g.set(m, "hidden_size", "{arch}.embedding_length")
		g.set(m, "num_hidden_layers", "{arch}.block_count")
		g.set(m, "num_attention_heads", "{arch}.attention.head_count")
		g.set(m, "num_key_value_heads", "{arch}.attention.head_count_kv")
		g.set(m, "intermediate_size", "{arch}.feed_forward_length")
		g.set(m, "max_position_embeddings", "{arch}.context_length")
		g.set(m, "rms_norm_eps", "{arch}.attention.layer_norm_rms_epsilon")
		g.set(m, "rope_theta", "{arch}.rope.freq_base")
		g.set(m, "head_dim", "{arch}.attention.key_length")
		m["attention_bias"] = g.hasTensor("blk.0.attn_q.bias")
		m["mlp_bias"] = g.hasTensor("blk.0.ffn_up.bias")
		m["tie_word_embeddings"] = !g.hasTensor("output.weight")
		if v, ok := g.value("{arch}.rope.scaling.type"); ok {
			kind, _ := v.Str()
			scaling := map[string]any{"rope_type": kind}
			g.set(scaling, "factor", "{arch}.rope.scaling.factor")
			m["rope_scaling"] = scaling
		}
		if g.hasTensor("rope_freqs.weight") {
			// Llama 3.1's frequency factors, which GGUF stores as a
			// tensor of factors instead of their parameters.
			m["rope_scaling"] = map[string]any{"rope_type": "rope_freqs tensor (GGUF)"}
		}
		return m
	},
	meta: func(c *Config, k ggufKeys) ([]gguf.KV, error) {
		var scaling []gguf.KV
		switch c.RopeScaling.Type {
		case "", "default":
		case "linear":
			scaling = []gguf.KV{{Key: string(k) + ".rope.scaling.type", Value: gguf.StringValue("linear")}, k.f32("rope.scaling.factor", c.RopeScaling.Factor)}
		default:
			return nil, fmt.Errorf("rope scaling %q has no GGUF form fmkit writes", c.RopeScaling.Type)
		}
		kv := []gguf.KV{
			k.u32("context_length", c.MaxPositions),
			k.u32("embedding_length", c.Hidden),
			k.u32("block_count", c.Layers),
			k.u32("feed_forward_length", c.Intermediate),
			k.u32("attention.head_count", c.Heads),
			k.u32("attention.head_count_kv", c.KVHeads),
			k.f32("rope.freq_base", c.RopeTheta),
			k.f32("attention.layer_norm_rms_epsilon", c.NormEps),
			k.u32("rope.dimension_count", c.RotaryDim),
		}
		if c.HeadDim*c.Heads != c.Hidden {
			kv = append(kv, k.u32("attention.key_length", c.HeadDim), k.u32("attention.value_length", c.HeadDim))
		}
		return append(kv, scaling...), nil
	},
	tensors: func(c *Config) []ggufTensorName {
		names := []ggufTensorName{
			{"token_embd.weight", "model.embed_tokens.weight", ggufSame},
			{"output_norm.weight", "model.norm.weight", ggufSame},
			{"output.weight", "lm_head.weight", ggufSame},
		}
		for i := range c.Layers {
			g, h := fmt.Sprintf("blk.%d.", i), fmt.Sprintf("model.layers.%d.", i)
			names = append(names,
				ggufTensorName{g + "attn_norm.weight", h + "input_layernorm.weight", ggufSame},
				ggufTensorName{g + "ffn_norm.weight", h + "post_attention_layernorm.weight", ggufSame})
			for _, s := range []string{"weight", "bias"} {
				names = append(names,
					ggufTensorName{g + "attn_q." + s, h + "self_attn.q_proj." + s, ggufRopeQ},
					ggufTensorName{g + "attn_k." + s, h + "self_attn.k_proj." + s, ggufRopeK},
					ggufTensorName{g + "attn_v." + s, h + "self_attn.v_proj." + s, ggufSame},
					ggufTensorName{g + "attn_output." + s, h + "self_attn.o_proj." + s, ggufSame},
					ggufTensorName{g + "ffn_gate." + s, h + "mlp.gate_proj." + s, ggufSame},
					ggufTensorName{g + "ffn_up." + s, h + "mlp.up_proj." + s, ggufSame},
					ggufTensorName{g + "ffn_down." + s, h + "mlp.down_proj." + s, ggufSame})
			}
		}
		return names
	},
}
