package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// syntheticTokenizers are the files made by
// testdata/gen/tokenizer/make_synthetic.py to cover components that the real
// tokenizers do not use. Most are overlays on the committed GPT-2 or Llama 2
// file (same vocabulary and merges, other components).
var syntheticTokenizers = []string{"synth-metaspace", "synth-normalizers", "synth-wordlevel", "synth-split", "synth-sequence", "synth-subword"}

// loadSynthetic composes and parses a synthetic tokenizer.
func loadSynthetic(t testing.TB, name string) *Tokenizer {
	t.Helper()
	dir := filepath.Join("testdata", "synthetic")
	overlayPath := filepath.Join(dir, name+".overlay.json")
	data, err := os.ReadFile(overlayPath)
	if os.IsNotExist(err) {
		tok, err := Load(filepath.Join(dir, name, "tokenizer.json"))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if err != nil {
		t.Fatal(err)
	}
	var overlay struct {
		Base      string                     `json:"base"`
		Overrides map[string]json.RawMessage `json:"model_overrides"`
		Tokenizer map[string]json.RawMessage `json:"tokenizer"`
	}
	if err := json.Unmarshal(data, &overlay); err != nil {
		t.Fatalf("%s: %v", overlayPath, err)
	}
	baseData, err := os.ReadFile(filepath.Join("testdata", overlay.Base, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var base map[string]json.RawMessage
	if err := json.Unmarshal(baseData, &base); err != nil {
		t.Fatal(err)
	}
	var model map[string]json.RawMessage
	if err := json.Unmarshal(base["model"], &model); err != nil {
		t.Fatal(err)
	}
	for k, v := range overlay.Overrides {
		model[k] = v
	}
	full := overlay.Tokenizer
	if full["model"], err = json.Marshal(model); err != nil {
		t.Fatal(err)
	}
	composed, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Parse(name, composed)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSyntheticFixtures compares the synthetic tokenizers with the Rust
// library on every fifth corpus string.
func TestSyntheticFixtures(t *testing.T) {
	var texts []string
	for i, s := range loadCorpus(t) {
		if i%5 == 0 {
			texts = append(texts, s)
		}
	}
	for _, name := range syntheticTokenizers {
		t.Run(name, func(t *testing.T) {
			compareWithReference(t, name, loadSynthetic(t, name), texts, loadReference(t, name))
		})
	}
}
