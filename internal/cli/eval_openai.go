package cli

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/openai"
	"github.com/fmkit/fmkit/tokenizer"
)

// openOpenAI opens --model openai:URL[,URL...][,key=value...] (see
// openai.ParseSpec); tokenizer=DIR loads the model's tokenizer so that
// loglikelihood prompts go as token ids, split exactly as the harness
// splits them.
func openOpenAI(ctx context.Context, rest string, concurrency int) (lm.Model, error) {
	spec, err := openai.ParseSpec("openai:"+rest, nil)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	if concurrency > 0 {
		spec.Concurrency = concurrency
	}
	if spec.Tokenizer != "" {
		tok, err := tokenizer.Load(spec.Tokenizer)
		if err != nil {
			return nil, fmt.Errorf("--model openai:...,tokenizer=%s: %w", spec.Tokenizer, err)
		}
		prefix, ok := tok.BOS()
		if !ok {
			prefix, ok = tok.EOS()
		}
		if !ok {
			return nil, fmt.Errorf("--model openai:...,tokenizer=%s: the tokenizer has neither a BOS nor an EOS token to condition empty contexts on", spec.Tokenizer)
		}
		spec.Tokenize = func(s string) ([]int, error) { return tok.Encode(s, false), nil }
		spec.PrefixToken = &prefix
	}
	return openai.New(ctx, spec.Options)
}
