package transformer

import (
	"fmt"

	"github.com/fmkit/fmkit/nn"
)

// buildNeoX makes GPT-NeoX (Pythia): a fused per-head query_key_value
// projection ([head][q, k, v][head_dim] rows), LayerNorm, parallel or
// sequential residual, partial rotary embeddings, untied embed_out.
func buildNeoX[T nn.Float](m *Model[T]) error {
	c := m.Config
	act, err := activation(c)
	if err != nil {
		return err
	}
	H, d, I := c.Hidden, c.HeadDim, c.Intermediate
	m.Embed = &nn.Embedding[T]{Weight: param[T]("gpt_neox.embed_in.weight", c.Vocab, H)}
	m.bind("gpt_neox.embed_in.weight", m.Embed.Weight, false)
	for i := range c.Layers {
		p := fmt.Sprintf("gpt_neox.layers.%d.", i)
		l := &Layer[T]{}
		l.AttnNorm = m.newNorm(p + "input_layernorm")
		l.MLPNorm = m.newNorm(p + "post_attention_layernorm")
		spec := attentionSpec(c, i)
		spec.QBase, spec.QStride, spec.KBase, spec.KStride, spec.VBase, spec.VStride = 0, 3*d, d, 3*d, 2*d, 3*d
		l.Attn = &nn.SelfAttention[T]{
			QKV:  linear[T](p+"attention.query_key_value", H, 3*H, c.AttnBias),
			Out:  linear[T](p+"attention.dense", H, H, c.AttnBias),
			Spec: spec,
		}
		m.bindLinear(p+"attention.query_key_value", l.Attn.QKV, false)
		m.bindLinear(p+"attention.dense", l.Attn.Out, false)
		l.MLP = &nn.MLP[T]{Up: linear[T](p+"mlp.dense_h_to_4h", H, I, true), Down: linear[T](p+"mlp.dense_4h_to_h", I, H, true), Act: act}
		m.bindLinear(p+"mlp.dense_h_to_4h", l.MLP.Up, false)
		m.bindLinear(p+"mlp.dense_4h_to_h", l.MLP.Down, false)
		m.Layers = append(m.Layers, l)
	}
	m.FinalNorm = m.newNorm("gpt_neox.final_layer_norm")
	m.shareRoPE()
	return nil
}
