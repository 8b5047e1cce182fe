package recursion

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/tokenizer"
)

// TestTokenizerMatchesHuggingFace checks the recursion tokenizer against
// the ids that Hugging Face tokenizers (Rust, through its npm binding)
// gives on every text format of the tasks and on edge cases
// (testdata/gen/recursion/README.md says how the fixtures were made).
func TestTokenizerMatchesHuggingFace(t *testing.T) {
	committed, err := os.ReadFile("testdata/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != string(TokenizerJSON()) {
		t.Fatal("TokenizerJSON differs from testdata/tokenizer.json: regenerate the tokenizer fixtures (testdata/gen/recursion)")
	}
	tok, err := tokenizer.Load("testdata/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus []string
	b, err := os.ReadFile("testdata/tokenizer_corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/tokenizer_ref.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	i := 0
	for ; sc.Scan(); i++ {
		var ref struct {
			IDs  []int  `json:"ids"`
			SIDs []int  `json:"sids"`
			Dec  string `json:"dec"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ref); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		text := corpus[i]
		if got := tok.Encode(text, false); !slices.Equal(got, ref.IDs) {
			t.Errorf("%q: ids %v, Hugging Face %v", text, got, ref.IDs)
		}
		if got := tok.Encode(text, true); !slices.Equal(got, ref.SIDs) {
			t.Errorf("%q: ids with special tokens %v, Hugging Face %v", text, got, ref.SIDs)
		}
		if got := tok.Decode(ref.IDs, false); got != ref.Dec {
			t.Errorf("%q: decodes to %q, Hugging Face %q", text, got, ref.Dec)
		}
	}
	if i != len(corpus) || i < 1000 {
		t.Fatalf("%d reference lines for %d strings", i, len(corpus))
	}
	if tok.VocabSize() != 233 {
		t.Errorf("vocabulary of %d tokens, want 233", tok.VocabSize())
	}
	if id, _ := tok.TokenToID(EOSToken); id != 0 {
		t.Errorf("%s has id %d, want 0", EOSToken, id)
	}
	// Every word of the language is one token, with or without a space.
	for _, w := range tokenizerWords() {
		for _, s := range []string{w, " " + w} {
			if ids := tok.Encode(s, false); len(ids) != 1 {
				t.Errorf("%q encodes to %d tokens", s, len(ids))
			}
		}
	}
}
