package model

import "fmt"

// GPT-2: LayerNorm, learned absolute positions, a fused c_attn projection
// producing [q | k | v], Conv1D weights stored [in, out], and a head tied
// to the token embeddings.

func gpt2Config(r *reader, c *Config) {
	c.Vocab = r.int("vocab_size", 50257)
	c.Hidden = r.int("n_embd", 768)
	c.Layers = r.int("n_layer", 12)
	c.Heads = r.int("n_head", 12)
	c.KVHeads = c.Heads
	r.splitHeads(c)
	c.Intermediate = r.int("n_inner", 4*c.Hidden)
	c.MaxPositions = r.int("n_positions", 1024)
	c.Norm = LayerNorm
	c.NormEps = r.float("layer_norm_epsilon", 1e-5)
	c.Act = Activation(r.str("activation_function", "gelu_new"))
	c.LearnedPositions = true
	c.AttnBias, c.MLPBias = true, true
	c.ScaleAttn = r.bool("scale_attn_weights", true)
	c.ScaleByLayer = r.bool("scale_attn_by_inverse_layer_idx", false)
	c.TieEmbed = r.bool("tie_word_embeddings", true)
}

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
		l.qkv = []linear{b.linear(p+"attn.c_attn", H, 3*H, c.AttnBias, true)}
		l.out = b.linear(p+"attn.c_proj", H, H, c.AttnBias, true)
		l.up = b.linear(p+"mlp.c_fc", H, I, c.MLPBias, true)
		l.down = b.linear(p+"mlp.c_proj", I, H, c.MLPBias, true)
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
