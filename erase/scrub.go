package erase

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

// ScrubDoc is one document for concept scrubbing: its token ids, one class
// label per token (−1 leaves a token out of the fit but not out of the
// model), and the number of UTF-8 bytes of text the tokens cover, for bits
// per byte (0 when unknown).
type ScrubDoc struct {
	Tokens []int
	Labels []int
	Bytes  int
}

// ScrubOptions configures Scrub. Classes is required.
type ScrubOptions struct {
	// Classes is the number of label classes; labels are one-hot encoded.
	Classes int
	// Fitter configures every eraser. The default (nil) is the reference
	// implementation's LeaceFitter defaults: LEACE with shrinkage and the
	// trace constraint, which keeps repeated erasure inside a model stable.
	Fitter *Options
	// BatchTokens is the number of tokens per forward pass. The default
	// value is 4096.
	BatchTokens int
	// Seed seeds the random erasure of the control run. The default is 0.
	Seed uint64
	// SkipRandom skips the random-erasure control, saving one pass.
	SkipRandom bool
}

// ScrubLoss is the next-token loss of a model over the documents.
type ScrubLoss struct {
	// NLL is the summed negative log-likelihood in nats of every token
	// after the first of each document; Tokens counts them.
	NLL    float64 `json:"nll"`
	Tokens int     `json:"tokens"`
	// Bytes is the summed ScrubDoc.Bytes (0 when any document lacks it).
	Bytes        int     `json:"bytes"`
	BitsPerToken float64 `json:"bits_per_token"`
	// BitsPerByte is NLL/ln 2/Bytes, or NaN without byte counts.
	BitsPerByte float64 `json:"bits_per_byte"`
}

// ScrubResult holds the fitted erasers and the losses with and without them.
type ScrubResult struct {
	// Sites lists the hook sites in the order their erasers were fitted.
	Sites   []string
	Erasers map[string]*Eraser
	// Clean is the unmodified model's loss, Scrubbed the loss with every
	// eraser installed, Random the loss with a random orthogonal
	// projection of the same rank at every site (the control).
	Clean, Scrubbed, Random ScrubLoss
}

// ScrubProgress reports the stage of Scrub ("fit", "clean", "scrubbed",
// "random"), the site being fitted, and the tokens done out of the total
// for the current pass.
type ScrubProgress struct {
	Stage       string
	Site        string
	Done, Total int
}

// Scrub erases a concept from every layer of a language model, LLaMA
// style: for each layer in turn it fits a LEACE eraser on the attention
// input over all documents (with the erasers of earlier sites installed),
// installs it, then fits and installs the eraser of the MLP input. For
// parallel-residual models (GPT-NeoX) both erasers of a layer are fitted
// from the same pass, since both inputs are norms of the layer input. It
// then measures the next-token loss without erasure, with all erasers,
// and with random erasers of the same ranks.
//
// Each fit runs the documents up to the site being fitted (the engine's
// StopAfter), so fitting costs about as much as one forward pass per layer.
func Scrub(ctx context.Context, m *model.Model, docs []ScrubDoc, opts *ScrubOptions, progress func(ScrubProgress)) (*ScrubResult, error) {
	o, err := scrubDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := checkDocs(m, docs, o.Classes); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(ScrubProgress) {}
	}
	s := &scrubber{m: m, docs: docs, opts: o, progress: progress}
	s.batches = batchDocs(docs, o.BatchTokens)
	for _, d := range docs {
		s.total += len(d.Tokens)
	}
	res := &ScrubResult{Erasers: map[string]*Eraser{}}
	installed := map[string]model.Hook{}
	for l := 0; l < m.Config.Layers; l++ {
		attn, mlp := fmt.Sprintf("layers.%d.attn_in", l), fmt.Sprintf("layers.%d.mlp_in", l)
		groups := [][]string{{attn}, {mlp}}
		if m.Config.ParallelResidual {
			groups = [][]string{{attn, mlp}}
		}
		for _, sites := range groups {
			erasers, err := s.fit(ctx, installed, sites)
			if err != nil {
				return nil, err
			}
			for i, site := range sites {
				res.Sites = append(res.Sites, site)
				res.Erasers[site] = erasers[i]
				installed[site] = eraseHook(erasers[i])
			}
		}
	}
	if res.Clean, err = s.loss(ctx, "clean", nil); err != nil {
		return nil, err
	}
	if res.Scrubbed, err = s.loss(ctx, "scrubbed", installed); err != nil {
		return nil, err
	}
	if !o.SkipRandom {
		rng := rand.New(rand.NewPCG(o.Seed, 0x5c4b))
		random := map[string]model.Hook{}
		for _, site := range res.Sites {
			random[site] = eraseHook(randomEraser(rng, m.Config.Hidden, res.Erasers[site].R))
		}
		if res.Random, err = s.loss(ctx, "random", random); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func scrubDefaults(opts *ScrubOptions) (ScrubOptions, error) {
	var o ScrubOptions
	if opts != nil {
		o = *opts
	}
	if o.Classes < 2 {
		return o, fmt.Errorf("erase: scrub needs at least 2 label classes, have %d", o.Classes)
	}
	if o.Fitter == nil {
		o.Fitter = &Options{Shrinkage: true, ConstrainTrace: true}
	}
	if err := o.Fitter.EnsureDefaults().Validate(); err != nil {
		return o, err
	}
	if o.BatchTokens == 0 {
		o.BatchTokens = 4096
	}
	if o.BatchTokens < 0 {
		return o, fmt.Errorf("erase: BatchTokens (%d) must be positive", o.BatchTokens)
	}
	return o, nil
}

func checkDocs(m *model.Model, docs []ScrubDoc, classes int) error {
	if len(docs) == 0 {
		return errors.New("erase: scrub needs at least one document")
	}
	labeled := 0
	for i, d := range docs {
		if len(d.Tokens) == 0 {
			return fmt.Errorf("erase: document %d has no tokens", i)
		}
		if len(d.Labels) != len(d.Tokens) {
			return fmt.Errorf("erase: document %d has %d tokens but %d labels", i, len(d.Tokens), len(d.Labels))
		}
		if lim := m.Config.PositionLimit(); len(d.Tokens) > lim {
			return fmt.Errorf("erase: document %d has %d tokens, more than the model's %d positions", i, len(d.Tokens), lim)
		}
		for j, t := range d.Tokens {
			if t < 0 || t >= m.Config.Vocab {
				return fmt.Errorf("erase: document %d token %d: id %d outside the vocabulary [0, %d)", i, j, t, m.Config.Vocab)
			}
		}
		for j, c := range d.Labels {
			if c < -1 || c >= classes {
				return fmt.Errorf("erase: document %d token %d: label %d, expected -1 or a class in [0, %d)", i, j, c, classes)
			}
			if c >= 0 {
				labeled++
			}
		}
	}
	if labeled < 2 {
		return fmt.Errorf("erase: scrub needs at least 2 labeled tokens, have %d", labeled)
	}
	return nil
}

// batchDocs groups consecutive documents into batches of about maxTokens.
func batchDocs(docs []ScrubDoc, maxTokens int) [][]int {
	var out [][]int
	var cur []int
	n := 0
	for i, d := range docs {
		if len(cur) > 0 && n+len(d.Tokens) > maxTokens {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, i)
		n += len(d.Tokens)
	}
	return append(out, cur)
}

type scrubber struct {
	m        *model.Model
	docs     []ScrubDoc
	opts     ScrubOptions
	progress func(ScrubProgress)
	batches  [][]int
	total    int
}

// pass runs every batch through the model with the given hooks. cur is set
// to the batch's document indices before each Forward, so that hooks can
// map an activation row (Input, Pos) to its document.
func (s *scrubber) pass(ctx context.Context, stage, site string, opts *model.ForwardOptions, cur *[]int) error {
	done := 0
	for _, b := range s.batches {
		inputs := make([]model.Input, len(b))
		for i, di := range b {
			seq, err := s.m.NewSequence(len(s.docs[di].Tokens))
			if err != nil {
				return err
			}
			inputs[i] = model.Input{Seq: seq, Tokens: s.docs[di].Tokens}
			if opts.Logits != nil {
				inputs[i].Logits = model.AllLogits
			}
		}
		*cur = b
		err := s.m.Forward(ctx, inputs, opts)
		for _, in := range inputs {
			in.Seq.Release()
		}
		if err != nil {
			return err
		}
		for _, di := range b {
			done += len(s.docs[di].Tokens)
		}
		s.progress(ScrubProgress{Stage: stage, Site: site, Done: done, Total: s.total})
	}
	return nil
}

// fit runs the documents up to the last of sites with the installed
// erasers, collects the labeled activations at each site, and returns one
// eraser per site.
func (s *scrubber) fit(ctx context.Context, installed map[string]model.Hook, sites []string) ([]*Eraser, error) {
	d, k := s.m.Config.Hidden, s.opts.Classes
	hooks := make(map[string]model.Hook, len(installed)+len(sites))
	for site, h := range installed {
		hooks[site] = h
	}
	var cur []int
	fitters := make([]*Fitter, len(sites))
	var rows []float32
	var labels []int
	for i, site := range sites {
		f, err := NewFitter(d, k, s.opts.Fitter)
		if err != nil {
			return nil, err
		}
		fitters[i] = f
		hooks[site] = func(a *model.Activations) error {
			rows, labels = rows[:0], labels[:0]
			for r, row := range a.Rows {
				c := s.docs[cur[row.Input]].Labels[row.Pos]
				if c < 0 {
					continue
				}
				rows = append(rows, a.Row(r)...)
				labels = append(labels, c)
			}
			return f.UpdateFloat32(rows, Labels(labels))
		}
	}
	last := sites[len(sites)-1]
	if err := s.pass(ctx, "fit", last, &model.ForwardOptions{Hooks: hooks, StopAfter: last}, &cur); err != nil {
		return nil, err
	}
	out := make([]*Eraser, len(sites))
	for i, f := range fitters {
		e, err := f.Eraser()
		if err != nil {
			return nil, fmt.Errorf("erase: eraser for %s: %w", sites[i], err)
		}
		e.Metadata["site"] = sites[i]
		out[i] = e
	}
	return out, nil
}

// loss runs the documents with the given hooks and sums the next-token
// negative log-likelihood.
func (s *scrubber) loss(ctx context.Context, stage string, hooks map[string]model.Hook) (ScrubLoss, error) {
	var cur []int
	var l ScrubLoss
	logp := make([]float32, s.m.Config.Vocab)
	opts := &model.ForwardOptions{Hooks: hooks, Logits: func(r model.Row, logits []float32) error {
		doc := s.docs[cur[r.Input]].Tokens
		if r.Pos+1 >= len(doc) {
			return nil
		}
		tensor.LogSoftmaxTo(logp, logits)
		l.NLL -= float64(logp[doc[r.Pos+1]])
		l.Tokens++
		return nil
	}}
	if err := s.pass(ctx, stage, "", opts, &cur); err != nil {
		return l, err
	}
	for _, d := range s.docs {
		if d.Bytes <= 0 {
			l.Bytes = 0
			break
		}
		l.Bytes += d.Bytes
	}
	l.BitsPerToken = l.NLL / math.Ln2 / float64(l.Tokens)
	l.BitsPerByte = math.NaN()
	if l.Bytes > 0 {
		l.BitsPerByte = l.NLL / math.Ln2 / float64(l.Bytes)
	}
	return l, nil
}

func eraseHook(e *Eraser) model.Hook {
	return func(a *model.Activations) error {
		if len(a.Data) > 0 {
			e.ApplyFloat32(a.Data, a.Data)
		}
		return nil
	}
}

// randomEraser returns the orthogonal projection x ↦ x − U·Uᵀ·x onto the
// complement of a random r-dimensional subspace.
func randomEraser(rng *rand.Rand, d, r int) *Eraser {
	e := &Eraser{D: d, R: r, Metadata: map[string]string{"method": "random"}}
	if r == 0 {
		return e
	}
	g := mat.NewDense(d, r, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < r; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	u := mat.DenseCopyOf(q.Slice(0, d, 0, r))
	e.Left = rowMajor(u)
	e.Right = rowMajor(mat.DenseCopyOf(u.T()))
	return e
}
