package transformer

import (
	"fmt"

	"github.com/fmkit/fmkit/nn"
)

// buildLlama makes Llama (Llama 2/3, Code Llama, Llemma): RMSNorm,
// grouped-query attention with q_proj, k_proj and v_proj fused into one
// matrix (all query heads, then the key heads, then the value heads), and
// a gated MLP with gate_proj and up_proj fused ([gate | up]).
func buildLlama[T nn.Float](m *Model[T]) error {
	c := m.Config
	act, err := activation(c)
	if err != nil {
		return err
	}
	H, d, nh, nkv, I := c.Hidden, c.HeadDim, c.Heads, c.KVHeads, c.Intermediate
	m.Embed = &nn.Embedding[T]{Weight: param[T]("model.embed_tokens.weight", c.Vocab, H)}
	m.bind("model.embed_tokens.weight", m.Embed.Weight, false)
	for i := range c.Layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		l := &Layer[T]{}
		l.AttnNorm = m.newNorm(p + "input_layernorm")
		l.MLPNorm = m.newNorm(p + "post_attention_layernorm")
		spec := attentionSpec(c, i)
		spec.QBase, spec.QStride = 0, d
		spec.KBase, spec.KStride = nh*d, d
		spec.VBase, spec.VStride = (nh+nkv)*d, d
		qkv := linear[T](p+"self_attn.qkv_proj", H, (nh+2*nkv)*d, c.AttnBias)
		for _, part := range []struct {
			name      string
			row, rows int
		}{{"q_proj", 0, nh * d}, {"k_proj", nh * d, nkv * d}, {"v_proj", (nh + nkv) * d, nkv * d}} {
			m.bindRows(p+"self_attn."+part.name+".weight", qkv.Weight, part.row, part.rows)
			if qkv.Bias != nil {
				m.bindRows(p+"self_attn."+part.name+".bias", qkv.Bias, part.row, part.rows)
			}
		}
		l.Attn = &nn.SelfAttention[T]{QKV: qkv, Out: linear[T](p+"self_attn.o_proj", nh*d, H, c.AttnBias), Spec: spec}
		m.bindLinear(p+"self_attn.o_proj", l.Attn.Out, false)
		up := linear[T](p+"mlp.gate_up_proj", H, 2*I, c.MLPBias)
		m.bindRows(p+"mlp.gate_proj.weight", up.Weight, 0, I)
		m.bindRows(p+"mlp.up_proj.weight", up.Weight, I, I)
		if up.Bias != nil {
			m.bindRows(p+"mlp.gate_proj.bias", up.Bias, 0, I)
			m.bindRows(p+"mlp.up_proj.bias", up.Bias, I, I)
		}
		l.MLP = &nn.MLP[T]{Up: up, Down: linear[T](p+"mlp.down_proj", I, H, c.MLPBias), Act: act, Gated: true}
		m.bindLinear(p+"mlp.down_proj", l.MLP.Down, false)
		m.Layers = append(m.Layers, l)
	}
	m.FinalNorm = m.newNorm("model.norm")
	m.shareRoPE()
	return nil
}
