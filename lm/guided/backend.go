package guided

import (
	"context"

	"github.com/fmkit/fmkit/lm"
)

// Backend is what guidance needs from a model: its unguided answers, its
// tokenisation, and token streams that keep their own key/value caches and
// advance together in one batched pass returning full next-token logits.
//
// The native engine implements it (NewNative). An HTTP backend can
// implement it only where the server keeps per-request caches and returns
// whole next-token distributions, not just the top few log-probabilities.
type Backend interface {
	// lm.Model answers unguided requests: guidance at scale 1 passes
	// through to it, so that scale 1 reproduces unguided results exactly.
	lm.Model

	// EncodePair tokenises a loglikelihood request exactly as the
	// backend's Loglikelihood does (lm-evaluation-harness's pair encoding).
	EncodePair(context, continuation string) (ctx, cont []int)
	// Encode tokenises a generation prompt as the backend's generation does.
	Encode(text string) ([]int, error)
	// Decode renders tokens as text, without the special tokens if
	// skipSpecial.
	Decode(ids []int, skipSpecial bool) (string, error)
	// Limits reports lengths and special tokens.
	Limits() Limits

	// NewStream returns an empty token stream with room for capacity
	// tokens.
	NewStream(capacity int) (Stream, error)
	// Step appends each input's tokens to its stream, all inputs in one
	// batched pass, and calls fn with the raw next-token logits (length
	// Limits().Vocab) of the rows each input asks for: in batch order, and
	// within an input in position order; pos is the index into the input's
	// Tokens of the token after which the logits predict. logits is scratch
	// space that fn may modify and must not keep. A stream may appear once
	// per batch. On error no stream advances.
	Step(ctx context.Context, batch []Input, fn func(input, pos int, logits []float32) error) error
}

// Stream is one token sequence being run, with its own cache.
type Stream interface {
	// Len returns the number of tokens cached.
	Len() int
	// Fork returns a stream that starts as a copy of this one, sharing its
	// cached tokens, with room for capacity more tokens.
	Fork(capacity int) (Stream, error)
	// Release frees the stream's cache; it must not be used again.
	Release()
}

// Input is one entry of a Step: new tokens for a stream.
type Input struct {
	Stream Stream
	Tokens []int
	// Logits is the number of trailing tokens whose next-token logits are
	// passed to Step's callback: 0 for none, 1 for the last, AllLogits for
	// every token.
	Logits int
}

// AllLogits asks for next-token logits after every token of an Input.
const AllLogits = -1

// Limits are a backend's lengths and special tokens.
type Limits struct {
	// Vocab is the length of a logits row.
	Vocab int
	// MaxLength is the longest token sequence scored or generated from, as
	// the harness's max_length.
	MaxLength int
	// PositionLimit is the most tokens a stream can hold.
	PositionLimit int
	// MaxGenTokens is the generation cap when a request gives none.
	MaxGenTokens int
	// PrefixToken conditions texts that have no context: the empty prompt
	// of the unconditional branch.
	PrefixToken int
	// StopTokens end generation (the end-of-sequence ids).
	StopTokens []int
}
