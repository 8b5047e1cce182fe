package model

import (
	"fmt"

	"github.com/fmkit/fmkit/gguf"
)

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

// gpt2GGUF is GPT-2 as llama.cpp's GGUF files hold it ("gpt2"): Conv1D
// weights transposed to [out, in].
var gpt2GGUF = &ggufArch{
	name: "gpt2",
	config: func(g ggufMeta) map[string]any {
		m := map[string]any{"vocab_size": g.vocab(), "activation_function": "gelu_new"}
		g.set(m, "n_embd", "{arch}.embedding_length")
		g.set(m, "n_layer", "{arch}.block_count")
		g.set(m, "n_head", "{arch}.attention.head_count")
		g.set(m, "n_inner", "{arch}.feed_forward_length")
		g.set(m, "n_positions", "{arch}.context_length")
		g.set(m, "layer_norm_epsilon", "{arch}.attention.layer_norm_epsilon")
		m["tie_word_embeddings"] = !g.hasTensor("output.weight")
		return m
	},
	meta: func(c *Config, k ggufKeys) ([]gguf.KV, error) {
		if c.ScaleByLayer || !c.ScaleAttn || c.Act != "gelu_new" {
			return nil, fmt.Errorf("GPT-2 with activation %s, scale_attn_weights %v or scale_attn_by_inverse_layer_idx %v has no GGUF form", c.Act, c.ScaleAttn, c.ScaleByLayer)
		}
		return []gguf.KV{
			k.u32("context_length", c.MaxPositions),
			k.u32("embedding_length", c.Hidden),
			k.u32("block_count", c.Layers),
			k.u32("feed_forward_length", c.Intermediate),
			k.u32("attention.head_count", c.Heads),
			k.f32("attention.layer_norm_epsilon", c.NormEps),
		}, nil
	},
	tensors: func(c *Config) []ggufTensorName {
		names := []ggufTensorName{
			{"token_embd.weight", "transformer.wte.weight", ggufSame},
			{"position_embd.weight", "transformer.wpe.weight", ggufSame},
			{"output_norm.weight", "transformer.ln_f.weight", ggufSame},
			{"output_norm.bias", "transformer.ln_f.bias", ggufSame},
			{"output.weight", "lm_head.weight", ggufSame},
		}
		for i := range c.Layers {
			g, h := fmt.Sprintf("blk.%d.", i), fmt.Sprintf("transformer.h.%d.", i)
			names = append(names,
				ggufTensorName{g + "attn_qkv.weight", h + "attn.c_attn.weight", ggufConv1D},
				ggufTensorName{g + "attn_output.weight", h + "attn.c_proj.weight", ggufConv1D},
				ggufTensorName{g + "ffn_up.weight", h + "mlp.c_fc.weight", ggufConv1D},
				ggufTensorName{g + "ffn_down.weight", h + "mlp.c_proj.weight", ggufConv1D})
			for _, s := range []string{"weight", "bias"} {
				names = append(names,
					ggufTensorName{g + "attn_norm." + s, h + "ln_1." + s, ggufSame},
					ggufTensorName{g + "ffn_norm." + s, h + "ln_2." + s, ggufSame})
			}
			for _, s := range []string{"attn_qkv", "attn_output", "ffn_up", "ffn_down"} {
				hf := map[string]string{"attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj", "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"}[s]
				names = append(names, ggufTensorName{g + s + ".bias", h + hf + ".bias", ggufSame})
			}
		}
		return names
	},
}
