package model

import "fmt"

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
