package model

import "fmt"

// bindLlama binds Llama weights (Llama 2/3, Code Llama, Llemma). q, k and v
// are separate projections written side by side: all query heads, then the
// key heads, then the value heads (num_key_value_heads of each; grouped-query
// attention shares one key/value head among heads/kv_heads query heads).
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
		l.hasGate = true
	}
	m.finalNorm = norm{weight: b.vector("model.norm.weight", H)}
	if c.TieEmbed {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	} else {
		m.head = b.linear("lm_head", H, c.Vocab, false, false)
	}
}
