package tokenizer

import (
	"strings"
	"testing"
)

// TestMaxTokenBytesBoundsTokens checks the promise servers rely on: a
// text of L bytes never encodes to fewer than L / MaxTokenBytes tokens,
// on the inputs that pack the most bytes into one token (long runs of the
// characters vocabularies have long tokens for) and on ordinary text.
func TestMaxTokenBytesBoundsTokens(t *testing.T) {
	texts := []string{
		strings.Repeat(" ", 5000),
		strings.Repeat("-", 5000),
		strings.Repeat("=", 5000),
		strings.Repeat("\n", 5000),
		strings.Repeat("the ", 2000),
		strings.Repeat("ĠĠĠĠ", 500),
		strings.Repeat("\u00e9", 1000),
	}
	for _, name := range []string{"gpt2", "llama2"} {
		tok, err := Load("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		most := tok.MaxTokenBytes()
		if most < 2 || most > 1024 {
			t.Fatalf("%s: MaxTokenBytes %d is implausible", name, most)
		}
		for _, text := range texts {
			ids, offs := tok.EncodeWithOffsets(text, false)
			if len(ids)*most < len(text) {
				t.Errorf("%s: %d bytes of %q… encode to %d tokens, fewer than %d/%d", name, len(text), text[:8], len(ids), len(text), most)
			}
			for i, o := range offs {
				if o.End-o.Start > most {
					t.Errorf("%s: token %d covers %d bytes, more than MaxTokenBytes %d", name, ids[i], o.End-o.Start, most)
					break
				}
			}
		}
		t.Logf("%s: MaxTokenBytes %d", name, most)
	}
}
