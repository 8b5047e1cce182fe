package guided

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// Uncond selects the unconditional branch c̄.
type Uncond string

const (
	// LastToken conditions the unconditional branch on the last token of
	// the prompt only: the paper's setting for zero-shot benchmarks, and
	// what transformers uses when no negative prompt is given.
	LastToken Uncond = "last-token"
	// Empty conditions it on the empty prompt: the prefix token alone
	// (BOS, else EOS, as lm-evaluation-harness conditions empty contexts).
	Empty Uncond = "empty"
	// Negative conditions it on a negative prompt, to steer away from it.
	Negative Uncond = "negative"
)

// ParseUncond parses a flag value: last-token or empty.
func ParseUncond(s string) (Uncond, error) {
	switch u := Uncond(s); u {
	case LastToken, Empty:
		return u, nil
	}
	return "", fmt.Errorf("guided: unconditional branch %q: expected last-token or empty (or give a negative prompt)", s)
}

// Options configures guidance. A nil *Options means the defaults.
type Options struct {
	// Uncond selects the unconditional branch. The default is LastToken, or
	// Negative when a negative prompt is given.
	Uncond Uncond
	// NegativePrompt is the text the Negative branch is conditioned on,
	// tokenised as prompts are.
	NegativePrompt string
	// NegativeTokens gives the negative prompt as tokens instead.
	NegativeTokens []int
	// BatchTokens bounds the tokens of one scoring step, both branches
	// counted. The default is 4096.
	BatchTokens int
	// GenerateBatch is the number of prompts GenerateUntil decodes
	// together. The default is 16.
	GenerateBatch int
}

// Model answers lm requests with classifier-free guidance over the native
// engine. It is safe for concurrent use.
type Model struct {
	n       *native.Model // unguided answers, tokenisation and limits
	m       *model.Model  // its engine, whose sequences are the branches
	scale   float64
	opts    Options
	lim     limits
	neg     []int     // the Negative branch's tokens
	scratch sync.Pool // *stepScratch
}

// limits are the lengths and special tokens of the backend, read once.
type limits struct {
	// Vocab is the length of a logits row.
	Vocab int
	// MaxLength is the longest token sequence scored or generated from, as
	// the harness's max_length.
	MaxLength int
	// PositionLimit is the most tokens a sequence can hold.
	PositionLimit int
	// MaxGenTokens is the generation cap when a request gives none.
	MaxGenTokens int
	// PrefixToken conditions texts that have no context: the empty prompt
	// of the unconditional branch.
	PrefixToken int
	// StopTokens end generation (the end-of-sequence ids).
	StopTokens []int
}

var _ lm.Model = (*Model)(nil)

// New returns a guided view of the native backend n with guidance scale
// γ = scale. Scale 1 is ordinary decoding (requests pass through to n
// unchanged), 0 is the unconditional branch alone; the paper uses 1.5 for
// benchmarks and about 3 for steering with a negative prompt. n built
// without a tokenizer answers token-level requests only.
func New(n *native.Model, scale float64, opts *Options) (*Model, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.BatchTokens == 0 {
		o.BatchTokens = 4096
	}
	if o.GenerateBatch == 0 {
		o.GenerateBatch = 16
	}
	hasNeg := o.NegativePrompt != "" || len(o.NegativeTokens) > 0
	if o.Uncond == "" {
		o.Uncond = LastToken
		if hasNeg {
			o.Uncond = Negative
		}
	}
	m := n.Engine()
	lim := limits{
		Vocab:         m.Config.Vocab,
		MaxLength:     n.MaxLength(),
		PositionLimit: m.Config.PositionLimit(),
		MaxGenTokens:  n.MaxGenTokens(),
		PrefixToken:   n.PrefixToken(),
		StopTokens:    n.StopTokens(),
	}
	var errs []string
	if math.IsNaN(scale) || math.IsInf(scale, 0) {
		errs = append(errs, fmt.Sprintf("scale %g is not a finite number", scale))
	}
	switch o.Uncond {
	case LastToken, Empty:
		if hasNeg {
			errs = append(errs, fmt.Sprintf("a negative prompt is given but the unconditional branch is %s; a negative prompt is its own branch", o.Uncond))
		}
	case Negative:
		if !hasNeg {
			errs = append(errs, "unconditional branch negative needs a NegativePrompt or NegativeTokens")
		}
		if o.NegativePrompt != "" && len(o.NegativeTokens) > 0 {
			errs = append(errs, "both NegativePrompt and NegativeTokens are set; give one")
		}
	default:
		errs = append(errs, fmt.Sprintf("unconditional branch %q: expected last-token, empty or negative", o.Uncond))
	}
	if o.BatchTokens < 0 {
		errs = append(errs, fmt.Sprintf("BatchTokens %d: expected a positive count", o.BatchTokens))
	}
	if o.GenerateBatch < 0 {
		errs = append(errs, fmt.Sprintf("GenerateBatch %d: expected a positive count", o.GenerateBatch))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("guided: %s", strings.Join(errs, "; "))
	}
	g := &Model{n: n, m: m, scale: scale, opts: o, lim: lim}
	if o.Uncond == Negative {
		g.neg = append([]int(nil), o.NegativeTokens...)
		if o.NegativePrompt != "" {
			ids, err := n.Encode(o.NegativePrompt)
			if err != nil {
				return nil, fmt.Errorf("guided: negative prompt: %w", err)
			}
			g.neg = ids
		}
		if len(g.neg) == 0 {
			g.neg = []int{lim.PrefixToken}
		}
		for _, id := range g.neg {
			if id < 0 || id >= lim.Vocab {
				return nil, fmt.Errorf("guided: negative prompt token %d is outside the vocabulary [0, %d)", id, lim.Vocab)
			}
		}
		if len(g.neg) >= lim.MaxLength {
			return nil, fmt.Errorf("guided: the negative prompt has %d tokens; the max length is %d", len(g.neg), lim.MaxLength)
		}
	}
	return g, nil
}

// Scale returns γ.
func (g *Model) Scale() float64 { return g.scale }

// Uncond returns the unconditional branch in use.
func (g *Model) Uncond() Uncond { return g.opts.Uncond }

// Name identifies the backend and the guidance settings, for results and
// caches; a negative prompt is named by a hash of its tokens.
func (g *Model) Name() string {
	u := string(g.opts.Uncond)
	if g.opts.Uncond == Negative {
		h := sha256.New()
		for _, id := range g.neg {
			fmt.Fprintf(h, "%d,", id)
		}
		u += ":" + hex.EncodeToString(h.Sum(nil))[:12]
	}
	return fmt.Sprintf("%s+cfg(scale=%g,uncond=%s)", g.n.Name(), g.scale, u)
}

// unguided reports whether requests pass through to the backend.
func (g *Model) unguided() bool { return g.scale == 1 }

// Capabilities are the backend's, except that rolling loglikelihood is
// available only unguided.
func (g *Model) Capabilities() lm.Capabilities {
	c := g.n.Capabilities()
	c.Rolling = c.Rolling && g.unguided()
	return c
}

// ApplyChatTemplate renders messages with the backend's chat template.
func (g *Model) ApplyChatTemplate(messages []lm.Message, addGenerationPrompt bool) (string, error) {
	return g.n.ApplyChatTemplate(messages, addGenerationPrompt)
}

// ErrRolling is returned (wrapping lm.ErrUnsupported) for rolling
// loglikelihood under guidance: a whole text scored from its start has no
// prompt whose influence guidance could amplify.
var ErrRolling = fmt.Errorf("guided: loglikelihood_rolling has no prompt to guide by; run it at scale 1: %w", lm.ErrUnsupported)

// LoglikelihoodRolling passes through to the backend at scale 1 and is
// unsupported otherwise (ErrRolling).
func (g *Model) LoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, progress lm.Progress) ([]float64, error) {
	if !g.unguided() {
		return nil, ErrRolling
	}
	return g.n.LoglikelihoodRolling(ctx, reqs, progress)
}

// Loglikelihood answers each request with the sum over the continuation's
// tokens of their guided log-probabilities, and whether greedy guided
// decoding would produce exactly those tokens. Tokenisation and truncation
// are the backend's. At scale 1 the requests pass through to the backend.
func (g *Model) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	if g.unguided() {
		return g.n.Loglikelihood(ctx, reqs, progress)
	}
	treqs := make([]TokenRequest, len(reqs))
	for i, r := range reqs {
		c, k := g.n.EncodePair(r.Context, r.Continuation)
		if len(k) == 0 {
			return nil, fmt.Errorf("guided: request %d: continuation %q has no tokens of its own", i, r.Continuation)
		}
		treqs[i] = TokenRequest{Context: c, Continuation: k}
	}
	return g.LoglikelihoodTokens(ctx, treqs, progress)
}

// uncondPrompt returns the unconditional branch's tokens for a prompt.
func (g *Model) uncondPrompt(prompt []int) []int {
	switch g.opts.Uncond {
	case LastToken:
		return prompt[len(prompt)-1:]
	case Empty:
		return []int{g.lim.PrefixToken}
	}
	return g.neg
}
