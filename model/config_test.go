package model

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestArchitectureFlags checks that each architecture says what it does
// through Config's fields, which the forward pass reads instead of the
// model type.
func TestArchitectureFlags(t *testing.T) {
	tests := []struct {
		fixture                           string
		norm                              NormKind
		gated, parallel, learned, rotated bool
	}{
		{"gpt2", LayerNorm, false, false, true, false},
		{"neox_parallel", LayerNorm, false, true, false, true},
		{"neox_sequential_tied", LayerNorm, false, false, false, true},
		{"llama_bf16_linear", RMSNorm, true, false, false, true},
		{"llama3_mqa_bias", RMSNorm, true, false, false, true},
	}
	for _, tt := range tests {
		c, err := ReadConfig(filepath.Join("testdata", tt.fixture, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Norm != tt.norm || c.GatedMLP != tt.gated || c.ParallelResidual != tt.parallel ||
			c.LearnedPositions != tt.learned || (c.RotaryDim > 0) != tt.rotated {
			t.Errorf("%s: norm %v, gated %v, parallel %v, learned positions %v, rotary dim %d; want %v, %v, %v, %v, rotary %v",
				tt.fixture, c.Norm, c.GatedMLP, c.ParallelResidual, c.LearnedPositions, c.RotaryDim,
				tt.norm, tt.gated, tt.parallel, tt.learned, tt.rotated)
		}
	}
}

func TestModelTypes(t *testing.T) {
	if got, want := SupportedModelTypes(), []string{"gpt2", "gpt_neox", "llama"}; !slices.Equal(got, want) {
		t.Errorf("SupportedModelTypes() = %v, want %v", got, want)
	}
	if got, want := ConfigModelTypes(), []string{"gpt2", "gpt_neox", "llama", "mistral", "qwen2"}; !slices.Equal(got, want) {
		t.Errorf("ConfigModelTypes() = %v, want %v", got, want)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, json string
		want       string
		sentinel   error
	}{
		{"unknown type", `{"model_type": "mamba"}`, `unsupported architecture "mamba" (model_type); supported: gpt2, gpt_neox, llama; configs only: mistral, qwen2`, ErrUnsupportedModel},
		{"no type", `{"hidden_size": 8}`, `unsupported architecture "" (model_type)`, ErrUnsupportedModel},
		{"not an object", `[1]`, "config is not a JSON object", nil},
		{"heads do not split hidden", `{"model_type": "gpt2", "n_embd": 10, "n_head": 3}`, "model: gpt2 config: hidden size 10 is not divisible by the head count 3", nil},
		{"neox heads", `{"model_type": "gpt_neox", "hidden_size": 10, "num_attention_heads": 4}`, "hidden size 10 is not divisible by the head count 4", nil},
		{"several problems", `{"model_type": "gpt2", "n_embd": 10, "n_head": 3, "n_layer": 0}`, "hidden size 10 is not divisible by the head count 3; layer count 0 must be positive", nil},
		{"bad type of field", `{"model_type": "mistral", "num_key_value_heads": "eight"}`, `field "num_key_value_heads" is "eight", expected an integer`, nil},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
		if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
			t.Errorf("%s: error %v does not wrap %v", tt.name, err, tt.sentinel)
		}
	}
	// Llama's heads need not split the hidden size: head_dim may be given.
	if _, err := ParseConfig([]byte(`{"model_type": "llama", "hidden_size": 10, "num_attention_heads": 4, "head_dim": 4}`)); err != nil {
		t.Errorf("llama with head_dim: %v", err)
	}
}

// TestConfigOnlyArchitectures reads Mistral and Qwen2 configs (their
// shapes feed the shapes package) and checks that Load refuses to run them.
func TestConfigOnlyArchitectures(t *testing.T) {
	c, err := ParseConfig([]byte(`{"model_type": "mistral", "hidden_size": 4096, "num_attention_heads": 32,
		"num_key_value_heads": 8, "num_hidden_layers": 32, "intermediate_size": 14336, "vocab_size": 32000,
		"max_position_embeddings": 32768, "sliding_window": 4096}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.KVHeads != 8 || c.HeadDim != 128 || c.Intermediate != 14336 || !c.GatedMLP || c.Norm != RMSNorm || c.MaxPositions != 32768 {
		t.Errorf("mistral config read as %+v", c)
	}
	for _, typ := range []string{"mistral", "qwen2"} {
		dir := copyFixture(t, "llama_bf16_linear", func(s string) string {
			return strings.Replace(s, `"model_type": "llama"`, `"model_type": "`+typ+`"`, 1)
		}, nil)
		_, err := Load(dir, nil)
		if !errors.Is(err, ErrUnsupportedModel) || !strings.Contains(err.Error(), "the engine does not run it") {
			t.Errorf("Load of a %s checkpoint: %v, want ErrUnsupportedModel", typ, err)
		}
	}
}
