package model

import "fmt"

// bindNeoX binds GPT-NeoX (Pythia) weights. The fused query_key_value
// projection is laid out per head: [head][q, k, v][head_dim], so head h's
// query starts at column 3·h·d, its key at 3·h·d + d, its value at 3·h·d + 2d.
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
		l.up = b.linear(p+"mlp.dense_h_to_4h", H, c.Intermediate, true, false)
		l.down = b.linear(p+"mlp.dense_4h_to_h", c.Intermediate, H, true, false)
	}
	m.finalNorm = norm{b.vector("gpt_neox.final_layer_norm.weight", H), b.vector("gpt_neox.final_layer_norm.bias", H)}
	if c.TieEmbed {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	} else {
		m.head = b.linear("embed_out", H, c.Vocab, false, false)
	}
}
