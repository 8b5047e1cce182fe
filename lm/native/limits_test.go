package native

import (
	"context"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
)

// TestTokensOutsideVocabulary is issue 24's panic: a continuation token
// beyond the model's vocabulary was looked up in the logits unchecked,
// from token ids (fmkit score --continuation-ids 99999) or from a
// tokenizer with more tokens than the model's vocab_size.
func TestTokensOutsideVocabulary(t *testing.T) {
	n, _ := open(t, "llama_gqa", nil)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"continuation id", func() error {
			_, err := n.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: []int{1, 2}, Continuation: []int{99999}}}, nil)
			return err
		}, "native: request 0: token 99999 is outside the model's vocabulary [0, 96)"},
		{"negative context id", func() error {
			_, err := n.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: []int{-1}, Continuation: []int{3}}}, nil)
			return err
		}, "token -1 is outside"},
		{"tokenizer beyond the vocabulary", func() error {
			// The test tokenizer maps byte b to b-31: "é" gives ids
			// past the 96 of the model.
			_, err := n.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: "hi", Continuation: " caf\u00e9"}}, nil)
			return err
		}, "is outside the model's vocabulary [0, 96)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}
