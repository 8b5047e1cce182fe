package analysis

import (
	"fmt"

	"github.com/fmkit/fmkit/tokenizer"
)

// Tokenizer analyses text into the tokens of a Hugging Face tokenizer
// (tokenizer.json), as GAIA search tried with a BPE vocabulary: each
// token's string (such as "Ġworld" for GPT-2) is a term, at consecutive
// positions, with the byte offsets the tokenizer reports. Nothing is
// lowercased or removed beyond what the tokenizer itself normalises.
type Tokenizer struct {
	path string
	tok  *tokenizer.Tokenizer
}

// NewTokenizer loads the tokenizer at path: a tokenizer.json file or a
// directory holding one.
func NewTokenizer(path string) (*Tokenizer, error) {
	t, err := tokenizer.Load(path)
	if err != nil {
		return nil, fmt.Errorf("analysis: analyzer tokenizer:%s: %w", path, err)
	}
	return &Tokenizer{path: path, tok: t}, nil
}

// Name returns "tokenizer:PATH".
func (t *Tokenizer) Name() string { return TokenizerPrefix + t.path }

// Analyze implements Analyzer.
func (t *Tokenizer) Analyze(dst *Tokens, text string) {
	dst.Reset()
	ids, offs := t.tok.EncodeWithOffsets(text, false)
	for i, id := range ids {
		s, ok := t.tok.IDToToken(id)
		if !ok {
			s = fmt.Sprintf("<id:%d>", id)
		}
		dst.addString(s, i, offs[i].Start, offs[i].End, TypeWord)
	}
}
