package model

import "fmt"

// bindGPT2 binds GPT-2 weights. Its Conv1D layers store weights as
// [in, out], the transpose of torch.nn.Linear, and are used as stored. Hub
// checkpoints name tensors without the "transformer." prefix (they were saved
// from GPT2Model); both spellings are accepted.
func bindGPT2(m *Model, b *binder) {
	c := &m.Config
	b.prefix = "transformer."
	H, d, I := c.Hidden, c.HeadDim, c.Intermediate
	m.embed = b.matrix("transformer.wte.weight", c.Vocab, H)
	m.positions = b.matrix("transformer.wpe.weight", c.MaxPositions, H)
	m.layout = qkvLayout{width: 3 * H, qBase: 0, qStride: d, kBase: H, kStride: d, vBase: 2 * H, vStride: d}
	m.layers = make([]layer, c.Layers)
	for i := range m.layers {
		p := fmt.Sprintf("transformer.h.%d.", i)
		l := &m.layers[i]
		l.attnNorm = norm{b.vector(p+"ln_1.weight", H), b.vector(p+"ln_1.bias", H)}
		l.mlpNorm = norm{b.vector(p+"ln_2.weight", H), b.vector(p+"ln_2.bias", H)}
		l.qkv = []linear{b.linear(p+"attn.c_attn", H, 3*H, true, true)}
		l.out = b.linear(p+"attn.c_proj", H, H, true, true)
		l.up = b.linear(p+"mlp.c_fc", H, I, true, true)
		l.down = b.linear(p+"mlp.c_proj", I, H, true, true)
	}
	m.finalNorm = norm{b.vector("transformer.ln_f.weight", H), b.vector("transformer.ln_f.bias", H)}
	// GPT2LMHeadModel always ties lm_head to wte; an untied lm_head.weight,
	// if a checkpoint has one, takes precedence.
	if _, ok := b.ckpt.Tensor("lm_head.weight"); ok && !c.TieEmbed {
		m.head = b.linear("lm_head", H, c.Vocab, false, false)
	} else {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	}
}
