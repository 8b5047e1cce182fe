package tokenizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/gguf"
)

// testdata/gguf holds vocabulary-only GGUF files written by llama.cpp's
// gguf-py and the ids llama.cpp's own tokenizer gives for texts.json
// (testdata/gen/gguftok).
func TestFromGGUFMatchesLlamaCpp(t *testing.T) {
	var texts []string
	readJSON(t, filepath.Join("testdata", "gguf", "texts.json"), &texts)
	for _, vocab := range []string{"llama2", "gpt2"} {
		t.Run(vocab, func(t *testing.T) {
			f, err := gguf.Open(filepath.Join("testdata", "gguf", vocab+"-vocab.gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tok, err := FromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			var want [][]int
			readJSON(t, filepath.Join("testdata", "gguf", vocab+"-ids.json"), &want)
			if len(want) != len(texts) {
				t.Fatalf("%d id lists for %d texts", len(want), len(texts))
			}
			for i, text := range texts {
				if got := tok.Encode(text, false); !slices.Equal(got, want[i]) {
					t.Errorf("%q:\n got  %v\n llama.cpp %v", text, got, want[i])
				}
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestFromGGUFErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta []gguf.KV
		is   error
	}{
		{"no vocabulary", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("no_vocab")}}, ErrNoVocabulary},
		{"no tokenizer keys", nil, ErrNoVocabulary},
		{"unknown model", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("bert")}, {Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue([]string{"a"})}}, nil},
		{"no tokens", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("gpt2")}}, nil},
		{"no merges", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("gpt2")}, {Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue([]string{"a"})}}, nil},
		{"unknown pre", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("gpt2")}, {Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue([]string{"a"})}, {Key: "tokenizer.ggml.merges", Value: gguf.StringsValue(nil)}, {Key: "tokenizer.ggml.pre", Value: gguf.StringValue("qwen9")}}, nil},
		{"no scores", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("llama")}, {Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue([]string{"a"})}}, nil},
		{"types short", []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.StringValue("llama")}, {Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue([]string{"a", "b"})}, {Key: "tokenizer.ggml.token_type", Value: gguf.Int32sValue([]int32{1})}}, nil},
	} {
		var buf writerBuffer
		if err := gguf.Write(&buf, tc.meta, nil); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Parse(buf.b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = FromGGUF(f)
		if err == nil || tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v", tc.name, err)
		}
	}
}

type writerBuffer struct{ b []byte }

func (w *writerBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// TestGGUFMetadataRoundTrip writes real tokenizer.json files (GPT-2's
// byte-level BPE, Llama 2's SentencePiece BPE) as GGUF metadata and reads
// them back: the rebuilt tokenizer gives the original's ids.
func TestGGUFMetadataRoundTrip(t *testing.T) {
	var texts []string
	readJSON(t, filepath.Join("testdata", "gguf", "texts.json"), &texts)
	for _, tc := range []struct {
		name  string
		vocab int
	}{{"gpt2", 50257}, {"llama2", 32000}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name, "tokenizer.json")
			orig, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			kv, err := GGUFMetadata(data, tc.vocab+3, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			var buf writerBuffer
			if err := gguf.Write(&buf, kv, nil); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Parse(buf.b)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := FromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range texts {
				if got, want := tok.Encode(text, false), orig.Encode(text, false); !slices.Equal(got, want) {
					t.Errorf("%q:\n from GGUF %v\n tokenizer.json %v", text, got, want)
				}
			}
			if tok.VocabSize() != tc.vocab+3 {
				t.Errorf("vocabulary %d, want %d with the padding tokens", tok.VocabSize(), tc.vocab+3)
			}
		})
	}
}

func TestGGUFMetadataErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		vocab      int
	}{
		{"wordpiece", `{"model":{"type":"WordPiece","vocab":{"a":0}},"pre_tokenizer":{"type":"BertPreTokenizer"}}`, 10},
		{"id past vocab", `{"model":{"type":"BPE","vocab":{"a":0,"b":12},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}`, 10},
		{"bad merge", `{"model":{"type":"BPE","vocab":{"a":0},"merges":[3]},"pre_tokenizer":{"type":"ByteLevel"}}`, 10},
		{"not json", `{`, 10},
	} {
		if _, err := GGUFMetadata([]byte(tc.json), tc.vocab, -1, -1); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
