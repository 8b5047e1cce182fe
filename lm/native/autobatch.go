package native

import "github.com/fmkit/fmkit/model"

// Bounds of BatchTokensFor: below 256 tokens a step spends more on its
// fixed costs than on the matrices; past 65536 no CPU gets faster.
const (
	minAutoBatchTokens = 256
	maxAutoBatchTokens = 1 << 16
)

// TokenBytes estimates the memory one token of a scoring step holds: its
// key/value cache in every layer, plus its rows of the step's activations
// (the residual stream, normalised input, attention and MLP outputs, and
// the query/key/value projections, all float32). Logits and the attention
// scratch are bounded per step, not per token, and are left out.
func TokenBytes(m *model.Model) int64 {
	c := &m.Config
	qkv := (c.Heads + 2*c.KVHeads) * c.HeadDim
	acts := 4 * int64(4*c.Hidden+c.Heads*c.HeadDim+qkv)
	return m.CacheBytes(1) + acts
}

// BatchTokensFor chooses Options.BatchTokens for free bytes of memory (the
// role of lm-eval's --batch_size auto): the largest power of two whose
// tokens take at most half of free by TokenBytes, between 256 and 65536.
// Half leaves room for the weights' working set and the logits.
func BatchTokensFor(m *model.Model, free int64) int {
	per := max(TokenBytes(m), 1)
	budget := free / 2 / per
	n := minAutoBatchTokens
	for n*2 <= maxAutoBatchTokens && int64(n*2) <= budget {
		n *= 2
	}
	return n
}
