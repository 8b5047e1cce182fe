package guided

import (
	"fmt"
	"math"

	"github.com/fmkit/fmkit/tensor"
)

// LogProbsTo writes the guided next-token distribution into dst from the raw
// logits of the conditional and unconditional branches:
//
//	dst = log softmax(uncond) + scale·(log softmax(cond) − log softmax(uncond))
//
// Both branches are log-softmaxed first and the mix is not renormalised, as
// in Hugging Face transformers' UnbatchedClassifierFreeGuidanceLogitsProcessor.
// uncond is overwritten with its log-probabilities; dst may be cond. It
// panics if the lengths differ.
func LogProbsTo(dst, cond, uncond []float32, scale float64) {
	if len(cond) != len(dst) || len(uncond) != len(dst) {
		panic("guided: LogProbsTo length mismatch")
	}
	tensor.LogSoftmaxTo(dst, cond)
	mixTo(dst, uncond, scale)
}

// mixTo turns dst, the conditional log-probabilities, into the guided ones
// given the unconditional branch's raw logits (overwritten).
func mixTo(dst, uncond []float32, scale float64) {
	tensor.LogSoftmaxTo(uncond, uncond)
	s := float32(scale)
	for i, u := range uncond {
		dst[i] = u + s*(dst[i]-u)
	}
}

// rowLogSoftmax is one logits row's log-softmax in float64, computed as
// lm/native computes a scored token's log-probability, so that a branch
// used alone gives the same numbers bit for bit: lp(v) = float64(x[v]-max)
// - logSum.
type rowLogSoftmax struct {
	max    float32
	logSum float64
	argmax int // the first maximum of the row
}

func logSoftmaxOf(x []float32) rowLogSoftmax {
	arg, logSum := tensor.LogSoftmaxParts(x)
	return rowLogSoftmax{max: x[arg], logSum: logSum, argmax: arg}
}

func (r rowLogSoftmax) at(x []float32, v int) float64 { return float64(x[v]-r.max) - r.logSum }

// guidedAt returns the guided log-probability of token v; uncond == nil
// means the conditional branch alone (scale 1), computed exactly as an
// unguided backend computes it.
func guidedAt(cond, uncond []float32, sc, su rowLogSoftmax, scale float64, v int) float64 {
	if uncond == nil {
		return sc.at(cond, v)
	}
	lu := su.at(uncond, v)
	return lu + scale*(sc.at(cond, v)-lu)
}

// guidedArgmax returns the first maximum of the guided distribution, as
// torch.argmax picks it.
func guidedArgmax(cond, uncond []float32, sc, su rowLogSoftmax, scale float64) int {
	if uncond == nil {
		return sc.argmax
	}
	arg := 0
	best := math.Inf(-1)
	for v := range cond {
		if g := guidedAt(cond, uncond, sc, su, scale, v); g > best {
			best, arg = g, v
		}
	}
	return arg
}

// checkFinite reports a guided distribution that overflowed: a scale
// large enough (|γ| near 1e38 in float32) turns the mix into ±Inf and NaN,
// which would otherwise sample an arbitrary token or end generation with
// empty text.
func (g *Model) checkFinite(lp []float32) error {
	for v, x := range lp {
		if x-x != 0 {
			return fmt.Errorf("guided: scale %g: the guided log-probability of token %d is %v; use a smaller scale", g.scale, v, x)
		}
	}
	return nil
}

// checkLogProb is checkFinite for one scored log-probability.
func (g *Model) checkLogProb(lp float64) error {
	if math.IsNaN(lp) || math.IsInf(lp, 0) {
		return fmt.Errorf("guided: scale %g: a guided log-probability is %v; use a smaller scale", g.scale, lp)
	}
	return nil
}
