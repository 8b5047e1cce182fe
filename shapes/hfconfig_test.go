package shapes

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/model"
)

// TestReadHFConfig reads config.json files written from the published
// configs of Pythia, Llama 2, Llemma, GPT-2, Mistral 7B and Qwen2.5 0.5B,
// and checks the shapes.
func TestReadHFConfig(t *testing.T) {
	tests := []struct {
		file string
		want Shape
		// params by the cookbook formula, worked by hand for two of them.
		params float64
	}{
		{"pythia-160m.json", Shape{Hidden: 768, Heads: 12, KVHeads: 12, Layers: 12, Vocab: 50304, Seq: 2048, FFN: 3072}, 0},
		{"pythia-1.4b.json", Shape{Hidden: 2048, Heads: 16, KVHeads: 16, Layers: 24, Vocab: 50304, Seq: 2048, FFN: 8192}, 0},
		{"pythia-2.8b.json", Shape{Hidden: 2560, Heads: 32, KVHeads: 32, Layers: 32, Vocab: 50304, Seq: 2048, FFN: 10240}, 0},
		{"llama-2-7b.json", Shape{Hidden: 4096, Heads: 32, KVHeads: 32, Layers: 32, Vocab: 32000, Seq: 4096, FFN: 11008, SwiGLU: true}, 6739206144},
		// Llemma 7B is Code Llama 7B's shape: the same as Llama 2 7B but a
		// vocabulary of 32016, 16 more rows of 4096 in each of two tables.
		{"llemma-7b.json", Shape{Hidden: 4096, Heads: 32, KVHeads: 32, Layers: 32, Vocab: 32016, Seq: 4096, FFN: 11008, SwiGLU: true}, 6739206144 + 2*16*4096},
		{"gpt2.json", Shape{Hidden: 768, Heads: 12, KVHeads: 12, Layers: 12, Vocab: 50257, Seq: 1024, FFN: 3072, TiedEmbeddings: true, LearnedPositions: true}, 124393728},
		{"mistral-7b.json", Shape{Hidden: 4096, Heads: 32, KVHeads: 8, Layers: 32, Vocab: 32000, Seq: 32768, FFN: 14336, SwiGLU: true}, 0},
		{"qwen2.5-0.5b.json", Shape{Hidden: 896, Heads: 14, KVHeads: 2, Layers: 24, Vocab: 151936, Seq: 32768, FFN: 4864, SwiGLU: true, TiedEmbeddings: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open("testdata/hf/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := ReadHFConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			if c.Shape != tt.want {
				t.Errorf("shape %+v, want %+v", c.Shape, tt.want)
			}
			if err := c.Shape.Validate(); err != nil {
				t.Error(err)
			}
			if tt.params != 0 && c.Shape.Params() != tt.params {
				t.Errorf("params %v, want %v", c.Shape.Params(), tt.params)
			}
		})
	}
}

func TestReadHFConfigErrors(t *testing.T) {
	for _, tt := range []struct{ name, json, want string }{
		{"not json", "{", "shapes: model: config is not a JSON object"},
		{"array", "[1]", "config is not a JSON object"},
		{"no type", `{"hidden_size": 4}`, `unsupported architecture "" (model_type)`},
		{"unknown type", `{"model_type": "mamba"}`, `unsupported architecture "mamba" (model_type); supported: gpt2, gpt_neox, llama; configs only: mistral, qwen2`},
		{"non-positive", `{"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 0, "vocab_size": -5}`,
			"llama config: vocab size -5 must be positive; head count 0 must be positive"},
		{"bad value", `{"model_type": "gpt2", "n_embd": 768.5, "n_head": "12", "n_layer": -1, "vocab_size": 5}`,
			`field "n_embd" is 768.5, expected an integer; field "n_head" is "12", expected an integer`},
		{"bad tie", `{"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 1, "vocab_size": 5, "tie_word_embeddings": "yes"}`,
			`field "tie_word_embeddings" is "yes", expected true or false`},
		{"heads", `{"model_type": "gpt_neox", "hidden_size": 100, "num_attention_heads": 3}`, "hidden size 100 is not divisible by the head count 3"},
	} {
		_, err := ReadHFConfig(strings.NewReader(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	_, err := ReadHFConfig(strings.NewReader(`{"model_type": "mamba"}`))
	if !errors.Is(err, model.ErrUnsupportedModel) {
		t.Errorf("unknown type: %v does not wrap model.ErrUnsupportedModel", err)
	}
}

func FuzzReadHFConfig(f *testing.F) {
	for _, name := range []string{"gpt2.json", "llama-2-7b.json", "pythia-160m.json"} {
		data, err := os.ReadFile("testdata/hf/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"model_type": "llama", "hidden_size": 1e300}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadHFConfig(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		s := c.Shape
		if s.Hidden <= 0 || s.Heads <= 0 || s.Layers <= 0 || s.Vocab <= 0 || s.KVHeads <= 0 || s.FFN <= 0 {
			t.Fatalf("accepted config gave a non-positive shape %+v", s)
		}
		// Whatever was accepted must be safe to validate and, if valid,
		// to predict.
		if s.Validate() == nil {
			s.Seq = max(s.Seq, 1)
			Predict(s, Machine{Units: 108, PeakTFLOPS: 312, ElemBytes: 2, AlignBytes: 128, Tiles: CUBLASTiles[:2]})
		}
	})
}
