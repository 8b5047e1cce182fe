package model

import (
	"fmt"

	"github.com/fmkit/fmkit/gguf"
)

// GPT-NeoX (Pythia): LayerNorm, a fused per-head query_key_value
// projection, partial rotary embeddings, parallel or sequential residuals,
// and an untied embed_out head.

func neoxConfig(r *reader, c *Config) {
	c.Vocab = r.int("vocab_size", 50432)
	c.Hidden = r.int("hidden_size", 6144)
	c.Layers = r.int("num_hidden_layers", 44)
	c.Heads = r.int("num_attention_heads", 64)
	c.KVHeads = c.Heads
	r.splitHeads(c)
	c.Intermediate = r.int("intermediate_size", 24576)
	c.MaxPositions = r.int("max_position_embeddings", 2048)
	c.Norm = LayerNorm
	c.NormEps = r.float("layer_norm_eps", 1e-5)
	c.Act = Activation(r.str("hidden_act", "gelu"))
	c.ParallelResidual = r.bool("use_parallel_residual", true)
	pct := r.float("rotary_pct", r.float("partial_rotary_factor", 0.25))
	c.RotaryDim = int(float64(c.HeadDim) * pct)
	c.RopeTheta = r.float("rotary_emb_base", r.float("rope_theta", 10000))
	c.RopeScaling = r.ropeScaling()
	c.AttnBias = r.bool("attention_bias", true)
	c.MLPBias = true
	c.ScaleAttn = true
	c.TieEmbed = r.bool("tie_word_embeddings", false)
}

// bindNeoX binds GPT-NeoX weights. The fused query_key_value projection is
// laid out per head: [head][q, k, v][head_dim], so head h's query starts at
// column 3·h·d, its key at 3·h·d + d, its value at 3·h·d + 2d.
func bindNeoX(m *Model, b *binder) {
	c := &m.Config
	b.prefix = "gpt_neox."
	H, d := c.Hidden, c.HeadDim
	m.embed = b.matrix("gpt_neox.embed_in.weight", c.Vocab, H)
	m.layout = qkvLayout{width: 3 * H, qBase: 0, qStride: 3 * d, kBase: d, kStride: 3 * d, vBase: 2 * d, vStride: 3 * d}
	m.layers = make([]layer, c.Layers)
	for i := range m.layers {
		p := fmt.Sprintf("gpt_neox.layers.%d.", i)
		l := &m.layers[i]
		l.attnNorm = norm{b.vector(p+"input_layernorm.weight", H), b.vector(p+"input_layernorm.bias", H)}
		l.mlpNorm = norm{b.vector(p+"post_attention_layernorm.weight", H), b.vector(p+"post_attention_layernorm.bias", H)}
		l.qkv = []linear{b.linear(p+"attention.query_key_value", H, 3*H, c.AttnBias, false)}
		l.out = b.linear(p+"attention.dense", H, H, c.AttnBias, false)
		l.up = b.linear(p+"mlp.dense_h_to_4h", H, c.Intermediate, c.MLPBias, false)
		l.down = b.linear(p+"mlp.dense_4h_to_h", c.Intermediate, H, c.MLPBias, false)
	}
	m.finalNorm = norm{b.vector("gpt_neox.final_layer_norm.weight", H), b.vector("gpt_neox.final_layer_norm.bias", H)}
	if c.TieEmbed {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	} else {
		m.head = b.linear("embed_out", H, c.Vocab, false, false)
	}
}

// neoxGGUF is GPT-NeoX as llama.cpp's GGUF files hold it ("gptneox"): the
// fused query_key_value with all queries, then all keys, then all values.
var neoxGGUF = &ggufArch{
	name: "gptneox",
	config: func(g ggufMeta) map[string]any {
		m := map[string]any{"vocab_size": g.vocab(), "hidden_act": "gelu"}
		g.set(m, "hidden_size", "{arch}.embedding_length")
		g.set(m, "num_hidden_layers", "{arch}.block_count")
		g.set(m, "num_attention_heads", "{arch}.attention.head_count")
		g.set(m, "intermediate_size", "{arch}.feed_forward_length")
		g.set(m, "max_position_embeddings", "{arch}.context_length")
		g.set(m, "layer_norm_eps", "{arch}.attention.layer_norm_epsilon")
		g.set(m, "use_parallel_residual", "{arch}.use_parallel_residual")
		g.set(m, "rotary_emb_base", "{arch}.rope.freq_base")
		hidden, _ := g.int("{arch}.embedding_length")
		heads, _ := g.int("{arch}.attention.head_count")
		if rot, ok := g.int("{arch}.rope.dimension_count"); ok && heads > 0 && hidden >= heads {
			m["rotary_pct"] = float64(rot) / float64(hidden/heads)
		}
		m["attention_bias"] = g.hasTensor("blk.0.attn_qkv.bias")
		return m
	},
	meta: func(c *Config, k ggufKeys) ([]gguf.KV, error) {
		if c.RopeScaling.Type != "" || !c.AttnBias {
			return nil, fmt.Errorf("GPT-NeoX with rope scaling or without attention biases has no GGUF form fmkit writes")
		}
		return []gguf.KV{
			k.u32("context_length", c.MaxPositions),
			k.u32("embedding_length", c.Hidden),
			k.u32("block_count", c.Layers),
			k.u32("feed_forward_length", c.Intermediate),
			k.u32("rope.dimension_count", c.RotaryDim),
			k.u32("attention.head_count", c.Heads),
			k.bool("use_parallel_residual", c.ParallelResidual),
			k.f32("attention.layer_norm_epsilon", c.NormEps),
			k.f32("rope.freq_base", c.RopeTheta),
		}, nil
	},
	tensors: func(c *Config) []ggufTensorName {
		names := []ggufTensorName{
			{"token_embd.weight", "gpt_neox.embed_in.weight", ggufSame},
			{"output_norm.weight", "gpt_neox.final_layer_norm.weight", ggufSame},
			{"output_norm.bias", "gpt_neox.final_layer_norm.bias", ggufSame},
			{"output.weight", "embed_out.weight", ggufSame},
		}
		for i := range c.Layers {
			g, h := fmt.Sprintf("blk.%d.", i), fmt.Sprintf("gpt_neox.layers.%d.", i)
			for _, s := range []string{"weight", "bias"} {
				names = append(names,
					ggufTensorName{g + "attn_norm." + s, h + "input_layernorm." + s, ggufSame},
					ggufTensorName{g + "attn_qkv." + s, h + "attention.query_key_value." + s, ggufNeoXQKV},
					ggufTensorName{g + "attn_output." + s, h + "attention.dense." + s, ggufSame},
					ggufTensorName{g + "ffn_norm." + s, h + "post_attention_layernorm." + s, ggufSame},
					ggufTensorName{g + "ffn_up." + s, h + "mlp.dense_h_to_4h." + s, ggufSame},
					ggufTensorName{g + "ffn_down." + s, h + "mlp.dense_4h_to_h." + s, ggufSame})
			}
		}
		return names
	},
}
