package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// MinTemperature is the smallest temperature the sampler divides by; a
// smaller positive one is greedy decoding, as in vLLM (its _SAMPLING_EPS).
// Dividing float32 logits by 1e-40 overflows to ±Inf, and the NaN
// probabilities that follow used to end generation at once with empty text.
const MinTemperature = 1e-5

// SamplerOptions selects how the next token is chosen from logits. The zero
// value is greedy decoding. The steps run in the order of Hugging Face's
// generate: repetition penalty, then temperature, top-k, top-p and min-p.
type SamplerOptions struct {
	// Temperature divides the logits; 0 means greedy (argmax), and so does
	// any temperature below MinTemperature. The default is 0.
	Temperature float64
	// TopK keeps the k most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// sums to at least TopP; 0 or 1 keeps all.
	TopP float64
	// MinP drops tokens less likely than MinP times the most likely one; 0
	// keeps all.
	MinP float64
	// RepetitionPenalty divides positive logits (multiplies negative ones)
	// of tokens already in the sequence, as in CTRL; 0 or 1 is off.
	RepetitionPenalty float64
	// Seed makes sampling reproducible: the same seed, options and logits
	// give the same tokens.
	Seed uint64
}

// Validate reports every option that cannot be sampled with, all at once:
// NaN or ±Inf anywhere, negative temperatures, penalties or counts, and
// probabilities outside their range.
func (o SamplerOptions) Validate() error {
	var p []string
	check := func(name string, v float64, ok bool, want string) {
		if math.IsNaN(v) || math.IsInf(v, 0) || !ok {
			p = append(p, fmt.Sprintf("%s (%v) must be %s", name, v, want))
		}
	}
	check("Temperature", o.Temperature, o.Temperature >= 0, "a finite number >= 0")
	check("TopP", o.TopP, o.TopP >= 0 && o.TopP <= 1, "in [0, 1]")
	check("MinP", o.MinP, o.MinP >= 0 && o.MinP < 1, "in [0, 1)")
	check("RepetitionPenalty", o.RepetitionPenalty, o.RepetitionPenalty >= 0, "a finite number >= 0")
	if o.TopK < 0 {
		p = append(p, fmt.Sprintf("TopK (%d) must be >= 0", o.TopK))
	}
	if len(p) > 0 {
		return fmt.Errorf("%w: %s", ErrSamplerOptions, strings.Join(p, "; "))
	}
	return nil
}

// ErrSamplerOptions is wrapped by SamplerOptions.Validate's errors.
var ErrSamplerOptions = errors.New("model: invalid sampler options")

// Sampler draws tokens from logits. It keeps scratch buffers, so one
// Sampler allocates nothing per token after the first; it is not safe for
// concurrent use.
type Sampler struct {
	opts  SamplerOptions
	rng   *rand.Rand
	work  []float32
	idx   []int
	probs []float64
}

// NewSampler returns a sampler whose random stream is seeded by
// (opts.Seed, stream); give each sequence of a batch its own stream so that
// its tokens do not depend on the others.
func NewSampler(opts SamplerOptions, stream uint64) *Sampler {
	return &Sampler{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, stream))}
}

// Sample returns the next token for logits given the tokens of the sequence
// so far (used by the repetition penalty). logits is not modified.
func (s *Sampler) Sample(logits []float32, history []int) int {
	o := &s.opts
	w := append(s.work[:0], logits...)
	s.work = w
	if p := o.RepetitionPenalty; p > 0 && p != 1 {
		for _, t := range history {
			if t < 0 || t >= len(w) {
				continue
			}
			// Read from the unmodified logits, so a token seen twice is
			// penalised once, as transformers' gather/scatter does.
			v := logits[t]
			if v < 0 {
				w[t] = v * float32(p)
			} else {
				w[t] = v / float32(p)
			}
		}
	}
	if !(o.Temperature >= MinTemperature) {
		return argmax(w)
	}
	// The temperature is applied in float64 inside softmaxOf: dividing the
	// float32 logits here could overflow. Scaling by a positive factor
	// keeps their order.
	inv := 1 / o.Temperature
	// Candidates sorted by decreasing logit (stable: lower id first on ties).
	idx := s.idx[:0]
	for i := range w {
		idx = append(idx, i)
	}
	s.idx = idx
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return 0
	})
	if o.TopK > 0 && o.TopK < len(idx) {
		idx = idx[:o.TopK]
	}
	probs := softmaxOf(s.probs[:0], w, idx, inv)
	s.probs = probs
	if o.TopP > 0 && o.TopP < 1 {
		var cum float64
		for i, p := range probs {
			cum += p
			if cum >= o.TopP {
				idx, probs = idx[:i+1], probs[:i+1]
				break
			}
		}
		renormalize(probs)
	}
	if o.MinP > 0 {
		limit := o.MinP * probs[0]
		n := 1
		for n < len(probs) && probs[n] >= limit {
			n++
		}
		idx, probs = idx[:n], probs[:n]
		renormalize(probs)
	}
	r := s.rng.Float64()
	for i, p := range probs {
		if r < p {
			return idx[i]
		}
		r -= p
	}
	return idx[len(idx)-1]
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// softmaxOf writes the probabilities of the candidates idx (the largest
// logit first) at inverse temperature inv into dst. Differences of finite
// float32 logits and their multiples by inv <= 1/MinTemperature stay
// finite in float64.
func softmaxOf(dst []float64, w []float32, idx []int, inv float64) []float64 {
	mx := float64(w[idx[0]])
	var sum float64
	for _, i := range idx {
		e := math.Exp((float64(w[i]) - mx) * inv)
		dst = append(dst, e)
		sum += e
	}
	for i := range dst {
		dst[i] /= sum
	}
	return dst
}

func renormalize(p []float64) {
	var sum float64
	for _, v := range p {
		sum += v
	}
	for i := range p {
		p[i] /= sum
	}
}
