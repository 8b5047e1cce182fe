package shapes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Alternative is a nearby shape and its predicted throughput.
type Alternative struct {
	// Kind is what changed: "hidden", "heads", "vocab", "ffn", or
	// "combined" for several of them.
	Kind   string  `json:"kind"`
	Change string  `json:"change"`
	Shape  Shape   `json:"shape"`
	Params float64 `json:"params"`
	// ParamsDelta is the relative change in parameter count.
	ParamsDelta float64 `json:"params_delta"`
	ModelTFLOPS float64 `json:"model_tflops"`
	// Gain is the relative change in predicted throughput (TFLOPS).
	Gain float64 `json:"gain"`
}

// AlternativesOptions bounds the search. The zero value means defaults.
type AlternativesOptions struct {
	// Tolerance is the largest relative change in parameter count. The
	// default is 0.02.
	Tolerance float64
	// PerKind is how many alternatives of each kind are kept. The default
	// is 3.
	PerKind int
	// MinHeadDim and MaxHeadDim bound h/a when heads change. The defaults
	// are 32 and 256 (FlashAttention's largest head size).
	MinHeadDim, MaxHeadDim int
	// MaxCandidates bounds the shapes tried for each kind of change. The
	// hidden sizes and MLP widths within the tolerance grow with the
	// shape (about 0.06·ffn widths at 2%), so a huge shape would otherwise
	// try hundreds of millions. The default is 100,000, enough for MLP
	// widths up to about 1.5 million; a search that needs more fails
	// with ErrTooManyCandidates before it starts.
	MaxCandidates int
	// Off skips the search: Analyze then returns no alternatives.
	Off bool
}

// ErrTooManyCandidates is returned by Alternatives (and Analyze) when a
// kind of change has more candidates than MaxCandidates.
var ErrTooManyCandidates = errors.New("shapes: too many alternative shapes to try")

func (o *AlternativesOptions) ensureDefaults() {
	if o.Tolerance <= 0 {
		o.Tolerance = 0.02
	}
	if o.PerKind <= 0 {
		o.PerKind = 3
	}
	if o.MinHeadDim <= 0 {
		o.MinHeadDim = 32
	}
	if o.MaxHeadDim <= 0 {
		o.MaxHeadDim = 256
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 100_000
	}
}

// candidateCounts estimates, before the search, how many hidden sizes and
// MLP widths lie within the tolerance: the tolerated change in parameters
// over the change one step makes, both ways.
func candidateCounts(s Shape, tol float64) (hidden, ffn float64) {
	base := s.Params()
	step := func(c Shape) float64 { return math.Abs(c.Params() - base) }
	h := s
	h.Hidden += s.Heads
	h.FFN = int(math.Round(float64(s.FFN) * float64(h.Hidden) / float64(s.Hidden)))
	f := s
	f.FFN++
	return 2 * tol * base / step(h), 2 * tol * base / step(f)
}

// checkCandidates fails when a kind of change would try more than the
// limit, naming it and the options that would help.
func checkCandidates(kind string, n float64, o AlternativesOptions) error {
	if n > float64(o.MaxCandidates) {
		return fmt.Errorf("%w: about %.3g %s values lie within ±%g%% of the parameters, more than MaxCandidates (%d); lower the tolerance or skip the search",
			ErrTooManyCandidates, n, kind, 100*o.Tolerance, o.MaxCandidates)
	}
	return nil
}

// Alternatives searches shapes near s whose parameter count is within the
// tolerance of s's, changing one thing at a time:
//
//   - heads: every head count that divides h with h/a within bounds (and,
//     with GQA, keeps the query-to-kv group size);
//   - hidden: every h (a multiple of a) within the tolerance, the MLP width
//     scaled with it;
//   - vocab: the vocabulary padded up to a multiple of 64, 128 or 256
//     (times t);
//   - ffn: every MLP width within the tolerance.
//
// Each candidate is predicted on m; of those faster than s, the best
// PerKind of each kind are returned, with a "combined" alternative that
// applies the best change of several kinds at once when that is faster
// still. Both the choice per kind and the returned list are ordered by
// rank: the fastest and those within 1% of it, the smallest change in
// parameters first among them, then the same for the rest. The shape
// should be valid (see Shape.Validate).
//
// The search is bounded by MaxCandidates per kind, checked before it
// starts, and stops with ctx's error when ctx is cancelled.
func Alternatives(ctx context.Context, s Shape, m Machine, opts *AlternativesOptions) ([]Alternative, error) {
	var o AlternativesOptions
	if opts != nil {
		o = *opts
	}
	o.ensureDefaults()
	if o.Off {
		return nil, nil
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	nh, nf := candidateCounts(s, o.Tolerance)
	if err := checkCandidates("hidden", nh, o); err != nil {
		return nil, err
	}
	if err := checkCandidates("ffn", nf, o); err != nil {
		return nil, err
	}
	tried := 0
	// next counts a candidate, checking ctx now and then and the limit
	// (the estimate above is close but not exact).
	next := func(kind string) error {
		tried++
		if tried%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if tried > o.MaxCandidates {
			return checkCandidates(kind, float64(tried), o)
		}
		return nil
	}
	baseParams := s.Params()
	baseTFLOPS := Predict(s, m).ModelTFLOPS
	within := func(c Shape) bool {
		return math.Abs(c.Params()/baseParams-1) <= o.Tolerance
	}
	candidate := func(kind, change string, c Shape) Alternative {
		params := c.Params()
		tf := Predict(c, m).ModelTFLOPS
		return Alternative{Kind: kind, Change: change, Shape: c, Params: params,
			ParamsDelta: params/baseParams - 1, ModelTFLOPS: tf, Gain: tf/baseTFLOPS - 1}
	}

	var all []Alternative
	keep := func(cands []Alternative) {
		var faster []Alternative
		for _, c := range cands {
			if c.Gain > minGain {
				faster = append(faster, c)
			}
		}
		rank(faster)
		all = append(all, faster[:min(len(faster), o.PerKind)]...)
	}

	var heads []Alternative
	group := s.Heads / s.KVHeads
	// Head counts a = h/d for every head size d within bounds, fewest
	// heads first; at most MaxHeadDim - MinHeadDim + 1 of them.
	for d := min(o.MaxHeadDim, s.Hidden); d >= o.MinHeadDim; d-- {
		a := s.Hidden / d
		if s.Hidden%d != 0 || a == s.Heads || a%s.TP != 0 || a%group != 0 {
			continue
		}
		c := s
		c.Heads, c.KVHeads = a, a/group
		if c.Validate() == nil && within(c) {
			heads = append(heads, candidate("heads", fmt.Sprintf("heads %d→%d (h/a %d→%d)", s.Heads, a, s.HeadDim(), c.HeadDim()), c))
		}
	}
	keep(heads)

	var hidden []Alternative
	tried = 0
	for _, dir := range []int{-1, 1} {
		for h := s.Hidden + dir*s.Heads; h > 0; h += dir * s.Heads {
			if err := next("hidden"); err != nil {
				return nil, err
			}
			c := s
			c.Hidden = h
			c.FFN = int(math.Round(float64(s.FFN) * float64(h) / float64(s.Hidden)))
			if !within(c) {
				break // parameters grow monotonically with h
			}
			if c.Validate() == nil {
				hidden = append(hidden, candidate("hidden", fmt.Sprintf("hidden %d→%d (ffn %d→%d)", s.Hidden, h, s.FFN, c.FFN), c))
			}
		}
	}
	keep(hidden)

	var vocab []Alternative
	seen := map[int]bool{s.Vocab: true}
	for _, mult := range []int{64, 128, 256} {
		v := ceilDiv(s.Vocab, mult*s.TP) * mult * s.TP
		if seen[v] {
			continue
		}
		seen[v] = true
		c := s
		c.Vocab = v
		if within(c) {
			vocab = append(vocab, candidate("vocab", fmt.Sprintf("vocab %d→%d (padded to a multiple of %d)", s.Vocab, v, mult*s.TP), c))
		}
	}
	keep(vocab)

	var ffn []Alternative
	tried = 0
	for _, dir := range []int{-1, 1} {
		for f := s.FFN + dir; f > 0; f += dir {
			if err := next("ffn"); err != nil {
				return nil, err
			}
			c := s
			c.FFN = f
			if !within(c) {
				break
			}
			ffn = append(ffn, candidate("ffn", fmt.Sprintf("ffn %d→%d", s.FFN, f), c))
		}
	}
	keep(ffn)

	// Combine the best change of each kind, best first, while the result
	// stays valid, within the tolerance and faster.
	rank(all)
	combined, changes, used := s, []string{}, map[string]bool{}
	bestTFLOPS := baseTFLOPS
	for _, a := range all {
		if used[a.Kind] {
			continue
		}
		used[a.Kind] = true
		c := combined
		switch a.Kind {
		case "heads":
			c.Heads, c.KVHeads = a.Shape.Heads, a.Shape.KVHeads
		case "hidden":
			c.Hidden, c.FFN = a.Shape.Hidden, a.Shape.FFN
		case "vocab":
			c.Vocab = a.Shape.Vocab
		case "ffn":
			c.FFN = a.Shape.FFN
		}
		if c.Validate() != nil || !within(c) {
			continue
		}
		if tf := Predict(c, m).ModelTFLOPS; tf > bestTFLOPS*(1+minGain) {
			combined, bestTFLOPS = c, tf
			changes = append(changes, a.Change)
		}
	}
	if len(changes) > 1 {
		all = append(all, candidate("combined", strings.Join(changes, "; "), combined))
		rank(all)
	}
	return all, nil
}

// minGain is the smallest relative throughput gain that makes a shape an
// alternative worth listing.
const minGain = 1e-6

// nearBest is how close to the fastest predicted throughput an alternative
// must be to count as equally fast: the model cannot tell shapes apart more
// finely (measured throughputs of well-aligned widths scatter by about 1%),
// so among those the smallest change in parameters ranks first.
const nearBest = 0.01

// rank orders alternatives in groups: the fastest and all within nearBest
// of it, smallest change in parameters first (then fastest); then the same
// for what remains.
func rank(alts []Alternative) {
	rest := append([]Alternative(nil), alts...)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].ModelTFLOPS > rest[j].ModelTFLOPS })
	k := 0
	for len(rest) > 0 {
		n := 1
		for n < len(rest) && rest[n].ModelTFLOPS >= rest[0].ModelTFLOPS*(1-nearBest) {
			n++
		}
		group := rest[:n]
		sort.SliceStable(group, func(i, j int) bool {
			return math.Abs(group[i].ParamsDelta) < math.Abs(group[j].ParamsDelta)
		})
		k += copy(alts[k:], group)
		rest = rest[n:]
	}
}
