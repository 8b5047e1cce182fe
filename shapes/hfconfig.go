package shapes

import (
	"fmt"
	"io"

	"github.com/fmkit/fmkit/model"
)

// HFConfig is the part of a Hugging Face config.json that fixes a model's
// shape, after the architecture's own key names and defaults are resolved.
type HFConfig struct {
	ModelType string `json:"model_type"`
	// Shape holds hidden, heads, kv-heads, layers, vocab, FFN, SwiGLU, tied
	// embeddings and learned positions. Seq is the context length
	// (max_position_embeddings, or n_positions for GPT-2); micro-batch and
	// tensor parallelism are not in a config and stay zero.
	Shape Shape `json:"shape"`
}

// ReadHFConfig parses a Hugging Face config.json through package model's
// parser, so that shapes and the engine read every architecture alike:
// the types model.ConfigModelTypes lists (gpt2, gpt_neox, llama, mistral,
// qwen2), with each config class's defaults for keys a config leaves out.
// Invalid values are all reported at once, by name.
func ReadHFConfig(r io.Reader) (HFConfig, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return HFConfig{}, fmt.Errorf("shapes: read config: %w", err)
	}
	c, err := model.ParseConfig(data)
	if err != nil {
		return HFConfig{}, fmt.Errorf("shapes: %w", err)
	}
	return HFConfig{ModelType: c.ModelType, Shape: ShapeOf(c)}, nil
}

// ShapeOf returns the shape of a model's config: its sizes, whether its MLP
// is gated (SwiGLU), its embeddings tied and its positions learned. Seq is
// MaxPositions.
func ShapeOf(c *model.Config) Shape {
	return Shape{
		Hidden:           c.Hidden,
		Heads:            c.Heads,
		KVHeads:          c.KVHeads,
		Layers:           c.Layers,
		Vocab:            c.Vocab,
		Seq:              c.MaxPositions,
		FFN:              c.Intermediate,
		SwiGLU:           c.GatedMLP,
		LearnedPositions: c.LearnedPositions,
		TiedEmbeddings:   c.TieEmbed,
	}
}
