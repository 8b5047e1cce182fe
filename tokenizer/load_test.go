package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadErrors(t *testing.T) {
	bpeModel := `"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}`
	tests := []struct {
		name string
		json string
		want string
	}{
		{"not json", `{"model":`, "tokenizer: bad.json: invalid JSON"},
		{"no model", `{"normalizer":null}`, "tokenizer: bad.json: no model"},
		{"unsupported model", `{"model":{"type":"Unigram","vocab":[]}}`, `unsupported model type "Unigram"`},
		{"unsupported normalizer", `{"normalizer":{"type":"BertNormalizer"},` + bpeModel + `}`, `tokenizer: bad.json: unsupported normalizer type "BertNormalizer"`},
		{"unsupported pre-tokenizer", `{"pre_tokenizer":{"type":"UnicodeScripts"},` + bpeModel + `}`, `unsupported pre_tokenizer type "UnicodeScripts"`},
		{"unsupported decoder", `{"decoder":{"type":"CTC"},` + bpeModel + `}`, `unsupported decoder type "CTC"`},
		{"unsupported post-processor", `{"post_processor":{"type":"Mystery"},` + bpeModel + `}`, `unsupported post_processor type "Mystery"`},
		{"real charsmap", `{"normalizer":{"type":"Precompiled","precompiled_charsmap":"AAAA"},` + bpeModel + `}`, `unsupported normalizer type "Precompiled"`},
		{"merge not in vocab", `{"model":{"type":"BPE","vocab":{"a":0},"merges":["a b"]}}`, `merge 0: token "b" is not in the vocab`},
		{"merged not in vocab", `{"model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":[["a","b"]]}}`, `merged token "ab" is not in the vocab`},
		{"bad merge", `{"model":{"type":"BPE","vocab":{"a":0},"merges":["a"]}}`, `not two tokens separated by a space`},
		{"unk not in vocab", `{"model":{"type":"BPE","vocab":{"a":0},"merges":[],"unk_token":"<unk>"}}`, `unk_token "<unk>" is not in the vocab`},
		{"dropout", `{"model":{"type":"BPE","vocab":{"a":0},"merges":[],"dropout":0.1}}`, "dropout"},
		{"bad id", `{"model":{"type":"BPE","vocab":{"a":-1},"merges":[]}}`, "model.vocab"},
		{"bad regex", `{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?<"},"behavior":"Isolated"},` + bpeModel + `}`, "Split pre-tokenizer: regex"},
		{"bad behavior", `{"pre_tokenizer":{"type":"Split","pattern":{"String":" "},"behavior":"Sideways"},` + bpeModel + `}`, `unknown split behavior "Sideways"`},
		{"bytelevel not last", `{"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"ByteLevel"},{"type":"Digits"}]},` + bpeModel + `}`, "ByteLevel followed by"},
		{"template token missing", `{"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}}],"special_tokens":{}},` + bpeModel + `}`, `special token "<s>" is not in special_tokens`},
		{"trailing data", `{` + bpeModel + `} x`, "data after the top-level object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(tt.json))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "tokenizer: bad.json") {
				t.Errorf("error %q, want one starting with %q and containing %q", err, "tokenizer: bad.json", tt.want)
			}
		})
	}
}

func TestLoadPaths(t *testing.T) {
	if _, err := Load(filepath.Join("testdata", "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: %v", err)
	}
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("directory without tokenizer.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"bos_token": 7}`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "tokenizer_config.json: bos_token") {
		t.Errorf("bad config: %v", err)
	}
}

// TestConfig checks what tokenizer_config.json supplies, against the files
// shipped with each model.
func TestConfig(t *testing.T) {
	tests := []struct {
		name           string
		bos, eos, pad  int // -1: none
		addBOS         bool
		maxLen         int
		templateSubstr string
	}{
		{"gpt2", 50256, 50256, -1, false, 1024, ""},
		{"llama2", 1, 2, -1, true, 1<<63 - 1, ""},
		{"llama3", 128000, 128001, -1, false, 1<<63 - 1, "<|start_header_id|>"},
		{"qwen3", -1, 151645, 151643, false, 131072, "<|im_start|>"},
		{"gemma3", 2, 106, 0, true, 32768, "<start_of_turn>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := loadTestTokenizer(t, tt.name)
			for _, c := range []struct {
				what string
				f    func() (int, bool)
				want int
			}{{"BOS", tok.BOS, tt.bos}, {"EOS", tok.EOS, tt.eos}, {"PAD", tok.PAD, tt.pad}} {
				id, ok := c.f()
				if (c.want >= 0) != ok || (ok && id != c.want) {
					t.Errorf("%s = %d, %v; want %d", c.what, id, ok, c.want)
				}
			}
			if tok.AddBOS() != tt.addBOS {
				t.Errorf("AddBOS = %v, want %v", tok.AddBOS(), tt.addBOS)
			}
			if tok.ModelMaxLength() != tt.maxLen {
				t.Errorf("ModelMaxLength = %d, want %d", tok.ModelMaxLength(), tt.maxLen)
			}
			if !strings.Contains(tok.ChatTemplate(), tt.templateSubstr) {
				t.Errorf("chat template lacks %q", tt.templateSubstr)
			}
		})
	}
}

func TestVocabAndLookup(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		token string
		id    int
	}{
		{"gpt2", 50257, "Ġthe", 262},
		{"llama2", 32000, "▁the", 272},
		{"llama3", 128256, "<|eot_id|>", 128009},
		{"qwen3", 151669, "</think>", 151668},
		{"gemma3", 262145, "<image_soft_token>", 262144},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := loadTestTokenizer(t, tt.name)
			if got := tok.VocabSize(); got != tt.size {
				t.Errorf("VocabSize = %d, want %d", got, tt.size)
			}
			if id, ok := tok.TokenToID(tt.token); !ok || id != tt.id {
				t.Errorf("TokenToID(%q) = %d, %v; want %d", tt.token, id, ok, tt.id)
			}
			if s, ok := tok.IDToToken(tt.id); !ok || s != tt.token {
				t.Errorf("IDToToken(%d) = %q, %v; want %q", tt.id, s, ok, tt.token)
			}
			if _, ok := tok.IDToToken(-1); ok {
				t.Error("IDToToken(-1) found a token")
			}
			if _, ok := tok.IDToToken(tt.size); ok {
				t.Error("IDToToken(VocabSize) found a token")
			}
			if _, ok := tok.TokenToID("no such token \x00"); ok {
				t.Error("TokenToID found a token that does not exist")
			}
			// out-of-vocabulary IDs: Decode skips them, DecodeStrict reports them
			if got, want := tok.Decode([]int{-5, tt.id, 1 << 40}, false), tok.Decode([]int{tt.id}, false); got != want {
				t.Errorf("Decode with bad IDs = %q, want %q", got, want)
			}
			if _, err := tok.DecodeStrict([]int{tt.id, -5}, false); err == nil || !strings.Contains(err.Error(), "id -5 at position 1") {
				t.Errorf("DecodeStrict error = %v", err)
			}
		})
	}
}

// TestEncodeBatchMatchesEncode checks the parallel path against the serial
// one, and concurrent use of one tokenizer (run with -race).
func TestEncodeBatchMatchesEncode(t *testing.T) {
	texts := loadCorpus(t)[:400]
	for _, name := range []string{"gpt2", "llama2"} {
		tok := loadTestTokenizer(t, name)
		batch := tok.EncodeBatch(texts, true)
		for i, s := range texts {
			if want := tok.Encode(s, true); !slices.Equal(batch[i], want) {
				t.Fatalf("%s: EncodeBatch[%d] = %v, Encode = %v", name, i, batch[i], want)
			}
		}
	}
	if got := loadTestTokenizer(t, "gpt2").EncodeBatch(nil, false); len(got) != 0 {
		t.Errorf("EncodeBatch(nil) = %v", got)
	}
}
