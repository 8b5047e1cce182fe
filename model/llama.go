package model

import "fmt"

// Llama (Llama 2/3, Code Llama, Llemma): RMSNorm, grouped-query attention
// with separate q, k and v projections, rotary embeddings (with linear,
// dynamic or llama3 scaling) and a gated SiLU MLP. Mistral and Qwen2
// configs use Llama's keys and are read for their shapes only: the engine
// does not run Mistral's sliding window or Qwen2's q/k/v-only biases.

// llamaDefaults are the defaults in which the config classes of the Llama
// family differ; kvHeads 0 means one key/value head per query head.
type llamaDefaults struct {
	vocab, intermediate, kvHeads, maxPositions int
}

func llamaConfig(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 32000, intermediate: 11008, maxPositions: 2048})
}

// mistralConfig reads a Mistral config with MistralConfig's defaults.
func mistralConfig(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 32000, intermediate: 14336, kvHeads: 8, maxPositions: 4096 * 32})
}

// qwen2Config reads a Qwen2 config with Qwen2Config's defaults.
func qwen2Config(r *reader, c *Config) {
	llamaFamilyConfig(r, c, llamaDefaults{vocab: 151936, intermediate: 22016, maxPositions: 32768})
}

func llamaFamilyConfig(r *reader, c *Config, d llamaDefaults) {
	c.Vocab = r.int("vocab_size", d.vocab)
	c.Hidden = r.int("hidden_size", 4096)
	c.Layers = r.int("num_hidden_layers", 32)
	c.Heads = r.int("num_attention_heads", 32)
	if d.kvHeads == 0 {
		d.kvHeads = c.Heads
	}
	c.KVHeads = r.int("num_key_value_heads", d.kvHeads)
	def := 0
	if c.Heads > 0 {
		def = c.Hidden / c.Heads
	}
	c.HeadDim = r.int("head_dim", def)
	c.Intermediate = r.int("intermediate_size", d.intermediate)
	c.MaxPositions = r.int("max_position_embeddings", d.maxPositions)
	c.Norm = RMSNorm
	c.NormEps = r.float("rms_norm_eps", 1e-6)
	c.Act = Activation(r.str("hidden_act", "silu"))
	c.GatedMLP = true
	c.RotaryDim = int(float64(c.HeadDim) * r.float("partial_rotary_factor", 1))
	c.RopeTheta = r.float("rope_theta", 10000)
	c.RopeScaling = r.ropeScaling()
	c.AttnBias = r.bool("attention_bias", false)
	c.MLPBias = r.bool("mlp_bias", false)
	c.ScaleAttn = true
	c.TieEmbed = r.bool("tie_word_embeddings", false)
}

// bindLlama binds Llama weights. q, k and v are separate projections
// written side by side: all query heads, then the key heads, then the value
// heads (num_key_value_heads of each; grouped-query attention shares one
// key/value head among heads/kv_heads query heads).
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
	}
	m.finalNorm = norm{weight: b.vector("model.norm.weight", H)}
	if c.TieEmbed {
		m.head = linear{w: m.embed, in: H, out: c.Vocab}
	} else {
		m.head = b.linear("lm_head", H, c.Vocab, false, false)
	}
}
