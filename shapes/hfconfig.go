package shapes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
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

// hfArch maps one model_type family to its config keys.
type hfArch struct {
	hidden, heads, kvHeads, layers, ffn, seq string
	swiglu, learnedPositions                 bool
	tiedDefault                              bool // tie_word_embeddings when the key is absent
}

// hfArchs lists the supported model types. Llama-family configs (llama,
// mistral, qwen2) use a SwiGLU MLP and rotary positions; gpt_neox (Pythia)
// a GELU MLP and rotary positions; gpt2 a GELU MLP, learned positions and
// tied embeddings.
var hfArchs = map[string]hfArch{
	"gpt_neox": {hidden: "hidden_size", heads: "num_attention_heads", layers: "num_hidden_layers",
		ffn: "intermediate_size", seq: "max_position_embeddings"},
	"llama": {hidden: "hidden_size", heads: "num_attention_heads", kvHeads: "num_key_value_heads",
		layers: "num_hidden_layers", ffn: "intermediate_size", seq: "max_position_embeddings", swiglu: true},
	"mistral": {hidden: "hidden_size", heads: "num_attention_heads", kvHeads: "num_key_value_heads",
		layers: "num_hidden_layers", ffn: "intermediate_size", seq: "max_position_embeddings", swiglu: true},
	"qwen2": {hidden: "hidden_size", heads: "num_attention_heads", kvHeads: "num_key_value_heads",
		layers: "num_hidden_layers", ffn: "intermediate_size", seq: "max_position_embeddings", swiglu: true},
	"gpt2": {hidden: "n_embd", heads: "n_head", layers: "n_layer", ffn: "n_inner", seq: "n_positions",
		learnedPositions: true, tiedDefault: true},
}

// ReadHFConfig parses a Hugging Face config.json of a supported model_type
// (gpt_neox, llama, mistral, qwen2, gpt2). Missing required keys are all
// reported at once, by name.
func ReadHFConfig(r io.Reader) (HFConfig, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return HFConfig{}, fmt.Errorf("shapes: read config: %w", err)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return HFConfig{}, fmt.Errorf("shapes: config is not a JSON object: %w", err)
	}
	var modelType string
	if m, ok := raw["model_type"]; !ok || json.Unmarshal(m, &modelType) != nil || modelType == "" {
		return HFConfig{}, fmt.Errorf("shapes: config has no model_type string; expected one of %s", supportedTypes())
	}
	arch, ok := hfArchs[modelType]
	if !ok {
		return HFConfig{}, fmt.Errorf("shapes: config model_type %q is not supported; expected one of %s", modelType, supportedTypes())
	}
	var problems []string
	getInt := func(key string, required bool) int {
		msg, ok := raw[key]
		if !ok || string(msg) == "null" {
			if required {
				problems = append(problems, fmt.Sprintf("%s is missing", key))
			}
			return 0
		}
		var f float64
		if err := json.Unmarshal(msg, &f); err != nil || f != math.Trunc(f) || f <= 0 || f > math.MaxInt32 {
			problems = append(problems, fmt.Sprintf("%s is %s, expected a positive integer", key, msg))
			return 0
		}
		return int(f)
	}
	s := Shape{
		Hidden:           getInt(arch.hidden, true),
		Heads:            getInt(arch.heads, true),
		Layers:           getInt(arch.layers, true),
		Vocab:            getInt("vocab_size", true),
		Seq:              getInt(arch.seq, false),
		FFN:              getInt(arch.ffn, !arch.learnedPositions), // GPT-2's n_inner may be null: 4h
		SwiGLU:           arch.swiglu,
		LearnedPositions: arch.learnedPositions,
		TiedEmbeddings:   arch.tiedDefault,
	}
	if arch.kvHeads != "" {
		s.KVHeads = getInt(arch.kvHeads, false)
	}
	if msg, ok := raw["tie_word_embeddings"]; ok {
		if err := json.Unmarshal(msg, &s.TiedEmbeddings); err != nil {
			problems = append(problems, fmt.Sprintf("tie_word_embeddings is %s, expected true or false", msg))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return HFConfig{}, fmt.Errorf("shapes: %s config: %s", modelType, strings.Join(problems, "; "))
	}
	if s.KVHeads == 0 {
		s.KVHeads = s.Heads
	}
	if s.FFN == 0 {
		s.FFN = DefaultFFN(s.Hidden, s.SwiGLU)
	}
	return HFConfig{ModelType: modelType, Shape: s}, nil
}

func supportedTypes() string {
	var names []string
	for k := range hfArchs {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
