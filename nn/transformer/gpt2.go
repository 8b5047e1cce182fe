package transformer

import (
	"fmt"

	"github.com/fmkit/fmkit/nn"
)

// buildGPT2 makes GPT-2: learned positions, LayerNorm, c_attn producing
// [q | k | v], Conv1D weights stored [in, out] (transposed on load and
// save), tied embeddings unless the config unties them.
func buildGPT2[T nn.Float](m *Model[T]) error {
	c := m.Config
	act, err := activation(c)
	if err != nil {
		return err
	}
	H, d, I := c.Hidden, c.HeadDim, c.Intermediate
	m.Embed = &nn.Embedding[T]{Weight: param[T]("transformer.wte.weight", c.Vocab, H)}
	m.bind("transformer.wte.weight", m.Embed.Weight, false)
	m.Positions = &nn.Embedding[T]{Weight: param[T]("transformer.wpe.weight", c.MaxPositions, H)}
	m.bind("transformer.wpe.weight", m.Positions.Weight, false)
	for i := range c.Layers {
		p := fmt.Sprintf("transformer.h.%d.", i)
		l := &Layer[T]{}
		l.AttnNorm = m.newNorm(p + "ln_1")
		l.MLPNorm = m.newNorm(p + "ln_2")
		spec := attentionSpec(c, i)
		spec.QBase, spec.QStride, spec.KBase, spec.KStride, spec.VBase, spec.VStride = 0, d, H, d, 2*H, d
		l.Attn = &nn.SelfAttention[T]{QKV: linear[T](p+"attn.c_attn", H, 3*H, true), Out: linear[T](p+"attn.c_proj", H, H, true), Spec: spec}
		m.bindLinear(p+"attn.c_attn", l.Attn.QKV, true)
		m.bindLinear(p+"attn.c_proj", l.Attn.Out, true)
		l.MLP = &nn.MLP[T]{Up: linear[T](p+"mlp.c_fc", H, I, true), Down: linear[T](p+"mlp.c_proj", I, H, true), Act: act}
		m.bindLinear(p+"mlp.c_fc", l.MLP.Up, true)
		m.bindLinear(p+"mlp.c_proj", l.MLP.Down, true)
		m.Layers = append(m.Layers, l)
	}
	m.FinalNorm = m.newNorm("transformer.ln_f")
	return nil
}
