package guided

import (
	"context"

	"github.com/fmkit/fmkit/model"
)

// stepScratch holds one step's bookkeeping, reused across steps so that
// decoding allocates nothing per token.
type stepScratch struct {
	base []int // each sequence's length before the step
	fn   func(input, pos int, logits []float32) error
	opts model.ForwardOptions
}

func (sc *stepScratch) logits(r model.Row, logits []float32) error {
	return sc.fn(r.Input, r.Pos-sc.base[r.Input], logits)
}

// step runs the batch as one engine Forward and calls fn with the raw
// next-token logits of the rows each input asks for, in batch order and
// within an input in position order; pos is the index into the input's
// Tokens of the token after which the logits predict. logits is scratch
// space that fn may modify and must not keep. On error no sequence
// advances.
func (g *Model) step(ctx context.Context, batch []model.Input, fn func(input, pos int, logits []float32) error) error {
	sc, _ := g.scratch.Get().(*stepScratch)
	if sc == nil {
		sc = &stepScratch{}
		sc.opts.Logits = sc.logits
	}
	defer func() {
		sc.base, sc.fn = sc.base[:0], nil
		g.scratch.Put(sc)
	}()
	for _, in := range batch {
		sc.base = append(sc.base, in.Seq.Len())
	}
	sc.fn = fn
	return g.m.Forward(ctx, batch, &sc.opts)
}
