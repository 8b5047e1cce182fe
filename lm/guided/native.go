package guided

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// Native is the in-process engine as a Backend: the lm/native backend for
// unguided answers and tokenisation, and model sequences as streams.
type Native struct {
	*native.Model
	engine     *model.Model
	tok        native.Tokenizer
	addSpecial bool
	limits     Limits
	scratch    sync.Pool // *stepScratch
}

var _ Backend = (*Native)(nil)

// NewNative returns the backend for m and tok with lm/native's options (nil
// means its defaults). tok may be nil: the backend then answers only
// token-level requests (LoglikelihoodTokens, GenerateTokens).
func NewNative(m *model.Model, tok native.Tokenizer, opts *native.Options) (*Native, error) {
	n, err := native.New(m, tok, opts)
	if err != nil {
		return nil, err
	}
	lim := Limits{
		Vocab:         m.Config.Vocab,
		MaxLength:     n.MaxLength(),
		PositionLimit: m.Config.PositionLimit(),
		MaxGenTokens:  n.MaxGenTokens(),
		PrefixToken:   n.PrefixToken(),
		StopTokens:    n.StopTokens(),
	}
	addSpecial := opts != nil && opts.AddSpecialTokens
	return &Native{Model: n, engine: m, tok: tok, addSpecial: addSpecial, limits: lim}, nil
}

var errNoTokenizer = errors.New("guided: the backend has no tokenizer; only token-level requests are possible")

// Encode tokenises a prompt as lm/native's generation does.
func (a *Native) Encode(text string) ([]int, error) {
	if a.tok == nil {
		return nil, errNoTokenizer
	}
	return a.tok.Encode(text, a.addSpecial), nil
}

// Decode renders tokens as text.
func (a *Native) Decode(ids []int, skipSpecial bool) (string, error) {
	if a.tok == nil {
		return "", errNoTokenizer
	}
	return a.tok.Decode(ids, skipSpecial), nil
}

// Limits reports the backend's lengths and special tokens.
func (a *Native) Limits() Limits { return a.limits }

// nativeStream is a model sequence as a Stream.
type nativeStream struct {
	seq *model.Sequence
}

func (s nativeStream) Len() int { return s.seq.Len() }
func (s nativeStream) Release() { s.seq.Release() }
func (s nativeStream) Fork(capacity int) (Stream, error) {
	c, err := s.seq.Fork(capacity)
	if err != nil {
		return nil, err
	}
	return nativeStream{c}, nil
}

// NewStream returns an empty model sequence.
func (a *Native) NewStream(capacity int) (Stream, error) {
	s, err := a.engine.NewSequence(capacity)
	if err != nil {
		return nil, err
	}
	return nativeStream{s}, nil
}

// stepScratch holds one Step's engine inputs, reused across steps so that
// decoding allocates nothing per token.
type stepScratch struct {
	inputs []model.Input
	base   []int // each sequence's length before the step
	fn     func(input, pos int, logits []float32) error
	opts   model.ForwardOptions
}

func (sc *stepScratch) logits(r model.Row, logits []float32) error {
	return sc.fn(r.Input, r.Pos-sc.base[r.Input], logits)
}

// Step runs the batch as one engine Forward.
func (a *Native) Step(ctx context.Context, batch []Input, fn func(input, pos int, logits []float32) error) error {
	sc, _ := a.scratch.Get().(*stepScratch)
	if sc == nil {
		sc = &stepScratch{}
		sc.opts.Logits = sc.logits
	}
	defer func() {
		clear(sc.inputs)
		sc.inputs, sc.base, sc.fn = sc.inputs[:0], sc.base[:0], nil
		a.scratch.Put(sc)
	}()
	for i, in := range batch {
		s, ok := in.Stream.(nativeStream)
		if !ok || s.seq.Model() != a.engine {
			return fmt.Errorf("guided: batch entry %d: the stream does not belong to this backend", i)
		}
		sc.inputs = append(sc.inputs, model.Input{Seq: s.seq, Tokens: in.Tokens, Logits: in.Logits})
		sc.base = append(sc.base, s.seq.Len())
	}
	sc.fn = fn
	return a.engine.Forward(ctx, sc.inputs, &sc.opts)
}
