package transformer

import (
	"fmt"

	"github.com/fmkit/fmkit/nn"
)

// RunOptions control a forward pass.
type RunOptions struct {
	// Train turns on dropout with the model's probabilities.
	Train bool
	// Key chooses the dropout masks; derive it from the run's seed and the
	// step with nn.DropoutKey so that every step drops differently and a
	// resumed run drops the same.
	Key uint64
}

// dropout site numbers, for the masks' keys
const (
	siteEmbed = iota
	siteAttnProbs
	siteAttnOut
	siteMLPOut
)

// Hidden returns the final norm's output, [batch·seq, hidden], for batch
// sequences of seq token ids (ids row-major). It returns an error, without
// computing anything, for an id outside the vocabulary or a sequence longer
// than GPT-2's learned positions.
func (m *Model[T]) Hidden(g *nn.Tape[T], ids []int, batch, seq int, opts RunOptions) (*nn.Tensor[T], error) {
	if err := m.checkInput(ids, batch, seq); err != nil {
		return nil, err
	}
	drop := Dropout{}
	if opts.Train {
		drop = m.Dropout
	}
	key := func(layer, site int) uint64 { return nn.DropoutKey(opts.Key, uint64(layer), uint64(site)) }
	x := m.Embed.Forward(g, ids)
	if m.Positions != nil {
		pos := make([]int, len(ids))
		for i := range pos {
			pos[i] = i % seq
		}
		x = g.Add(x, m.Positions.Forward(g, pos))
	}
	x = g.Dropout(x, drop.Embed, key(-1, siteEmbed))
	for i, l := range m.Layers {
		a := l.Attn.Forward(g, l.AttnNorm.forward(g, x), batch, seq, drop.Attention, key(i, siteAttnProbs))
		a = g.Dropout(a, drop.Residual, key(i, siteAttnOut))
		if m.Config.ParallelResidual {
			// GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x)), summed as
			// (mlp + attn) + x like the reference.
			f := g.Dropout(l.MLP.Forward(g, l.MLPNorm.forward(g, x)), drop.Residual, key(i, siteMLPOut))
			x = g.Add(g.Add(f, a), x)
			continue
		}
		x = g.Add(x, a)
		f := g.Dropout(l.MLP.Forward(g, l.MLPNorm.forward(g, x)), drop.Residual, key(i, siteMLPOut))
		x = g.Add(x, f)
	}
	return m.FinalNorm.forward(g, x), nil
}

// Logits returns the next-token logits of every position, [batch·seq,
// vocab].
func (m *Model[T]) Logits(g *nn.Tape[T], ids []int, batch, seq int, opts RunOptions) (*nn.Tensor[T], error) {
	h, err := m.Hidden(g, ids, batch, seq, opts)
	if err != nil {
		return nil, err
	}
	return g.Linear(h, m.Head.Tensor, nil), nil
}

func (m *Model[T]) checkInput(ids []int, batch, seq int) error {
	if batch <= 0 || seq <= 0 || len(ids) != batch*seq {
		return fmt.Errorf("transformer: %d token ids for %d sequences of %d", len(ids), batch, seq)
	}
	for i, id := range ids {
		if id < 0 || id >= m.Config.Vocab {
			return fmt.Errorf("transformer: token id %d (sequence %d, position %d) outside the vocabulary of %d", id, i/seq, i%seq, m.Config.Vocab)
		}
	}
	if m.Positions != nil && seq > m.Config.MaxPositions {
		return fmt.Errorf("transformer: sequence of %d tokens, longer than the %d learned positions", seq, m.Config.MaxPositions)
	}
	return nil
}
