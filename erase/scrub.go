package erase

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/model"
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

// ScrubProgress reports the stage of Scrub ("fit", "apply", "clean",
// "scrubbed", "random"), the site being fitted (for "apply", the
// resid_out site whose stream is being stored), and the tokens done out of
// the total for the current pass.
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
// Like the reference implementation, Scrub keeps the residual stream of
// every token (4·hidden bytes per token: 200 MB for 2^16 tokens of a model
// with hidden size 768) and carries it through the model one layer at a
// time with the engine's StartAfter: fitting and applying layer l runs only
// layer l (its attention twice for sequential models, once to fit the MLP
// input and once to carry the stream on), so the whole scrub costs about
// three forward passes plus the clean and random loss passes; the scrubbed
// loss needs only the output layer on the final stream.
func Scrub(ctx context.Context, m *model.Model, docs []ScrubDoc, opts *ScrubOptions, progress func(ScrubProgress)) (*ScrubResult, error) {
	o, err := scrubDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := checkDocs(m, docs, o.Classes); err != nil {
		return nil, err
	}
	s := newScrubber(m, docs, o, progress)
	defer s.release()
	res := &ScrubResult{Erasers: map[string]*Eraser{}}
	installed := map[string]model.Hook{}
	s.resid = make([]float32, s.total*m.Config.Hidden)
	L := m.Config.Layers
	for l := 0; l < L; l++ {
		attn, mlp := fmt.Sprintf("layers.%d.attn_in", l), fmt.Sprintf("layers.%d.mlp_in", l)
		groups := [][]string{{attn}, {mlp}}
		if m.Config.ParallelResidual {
			groups = [][]string{{attn, mlp}}
		}
		for _, sites := range groups {
			erasers, err := s.fit(ctx, l, installed, sites)
			if err != nil {
				return nil, err
			}
			for i, site := range sites {
				res.Sites = append(res.Sites, site)
				res.Erasers[site] = erasers[i]
				installed[site] = eraseHook(erasers[i])
			}
		}
		if err := s.apply(ctx, l, installed); err != nil {
			return nil, err
		}
	}
	if res.Clean, err = s.loss(ctx, "clean", -1, nil); err != nil {
		return nil, err
	}
	// The stream after the last layer already has every eraser applied.
	if res.Scrubbed, err = s.loss(ctx, "scrubbed", L-1, nil); err != nil {
		return nil, err
	}
	if !o.SkipRandom {
		rng := rand.New(rand.NewPCG(o.Seed, 0x5c4b))
		random := map[string]model.Hook{}
		for _, site := range res.Sites {
			random[site] = eraseHook(randomEraser(rng, m.Config.Hidden, res.Erasers[site].R))
		}
		if res.Random, err = s.loss(ctx, "random", -1, random); err != nil {
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
	start    []int             // the first row of each document in resid
	resid    []float32         // the residual stream after the layers applied so far
	free     []*model.Sequence // sequences to reuse: every pass runs the same batches
}

func newScrubber(m *model.Model, docs []ScrubDoc, o ScrubOptions, progress func(ScrubProgress)) *scrubber {
	if progress == nil {
		progress = func(ScrubProgress) {}
	}
	s := &scrubber{m: m, docs: docs, opts: o, progress: progress, batches: batchDocs(docs, o.BatchTokens)}
	for _, d := range docs {
		s.start = append(s.start, s.total)
		s.total += len(d.Tokens)
	}
	return s
}

// sequence returns an empty sequence with room for n tokens, the smallest
// free one that fits or a new one.
func (s *scrubber) sequence(n int) (*model.Sequence, error) {
	best := -1
	for i, q := range s.free {
		if q.Cap() >= n && (best < 0 || q.Cap() < s.free[best].Cap()) {
			best = i
		}
	}
	if best < 0 {
		return s.m.NewSequence(n)
	}
	q := s.free[best]
	s.free = append(s.free[:best], s.free[best+1:]...)
	return q, q.Reset()
}

// reuse returns the inputs' sequences to the free list.
func (s *scrubber) reuse(inputs []model.Input) {
	for _, in := range inputs {
		s.free = append(s.free, in.Seq)
	}
}

func (s *scrubber) release() {
	for _, q := range s.free {
		q.Release()
	}
	s.free = nil
}

// pass runs every batch through the model with the given options: from the
// tokens when after is -1, else from the stored residual stream after
// layer after. cur is set to the batch's document indices before each
// Forward, so that hooks can map an activation row (Input, Pos) to its
// document (and its row of the stream: s.start[cur[Input]] + Pos).
func (s *scrubber) pass(ctx context.Context, stage, site string, after int, opts *model.ForwardOptions, cur *[]int) error {
	H := s.m.Config.Hidden
	done := 0
	for _, b := range s.batches {
		inputs := make([]model.Input, 0, len(b))
		for _, di := range b {
			seq, err := s.sequence(len(s.docs[di].Tokens))
			if err != nil {
				s.reuse(inputs)
				return err
			}
			in := model.Input{Seq: seq, Tokens: s.docs[di].Tokens}
			if opts.Logits != nil {
				in.Logits = model.AllLogits
			}
			inputs = append(inputs, in)
			done += len(s.docs[di].Tokens)
		}
		if after >= 0 {
			lo := s.start[b[0]]
			opts.StartAfter = fmt.Sprintf("layers.%d.resid_out", after)
			opts.Residual = s.resid[lo*H : (lo+s.batchRows(b))*H]
		}
		*cur = b
		err := s.m.Forward(ctx, inputs, opts)
		s.reuse(inputs)
		if err != nil {
			return err
		}
		s.progress(ScrubProgress{Stage: stage, Site: site, Done: done, Total: s.total})
	}
	return nil
}

// batchRows is the number of tokens of a batch of consecutive documents.
func (s *scrubber) batchRows(b []int) int {
	last := b[len(b)-1]
	return s.start[last] + len(s.docs[last].Tokens) - s.start[b[0]]
}

// fit runs layer l of the documents from the stored stream up to the last
// of sites with the installed erasers, collects the labeled activations at
// each site, and returns one eraser per site.
func (s *scrubber) fit(ctx context.Context, l int, installed map[string]model.Hook, sites []string) ([]*Eraser, error) {
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
	if err := s.pass(ctx, "fit", last, l-1, &model.ForwardOptions{Hooks: hooks, StopAfter: last}, &cur); err != nil {
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

// apply runs layer l with its erasers installed and stores the residual
// stream after it.
func (s *scrubber) apply(ctx context.Context, l int, installed map[string]model.Hook) error {
	site := fmt.Sprintf("layers.%d.resid_out", l)
	hooks := make(map[string]model.Hook, len(installed)+1)
	for k, h := range installed {
		hooks[k] = h
	}
	var cur []int
	H := s.m.Config.Hidden
	hooks[site] = func(a *model.Activations) error {
		// The pass has already read its input stream, so the output may
		// overwrite it.
		copy(s.resid[s.start[cur[0]]*H:], a.Data)
		return nil
	}
	return s.pass(ctx, "apply", site, l-1, &model.ForwardOptions{Hooks: hooks, StopAfter: site}, &cur)
}

// loss runs the documents with the given hooks (from the tokens, or from
// the stored stream after layer after) and sums the next-token negative
// log-likelihood.
func (s *scrubber) loss(ctx context.Context, stage string, after int, hooks map[string]model.Hook) (ScrubLoss, error) {
	var cur []int
	var l ScrubLoss
	opts := &model.ForwardOptions{Hooks: hooks, LogProbs: true, Logits: func(r model.Row, logp []float32) error {
		doc := s.docs[cur[r.Input]].Tokens
		if r.Pos+1 >= len(doc) {
			return nil
		}
		l.NLL -= float64(logp[doc[r.Pos+1]])
		l.Tokens++
		return nil
	}}
	if err := s.pass(ctx, stage, "", after, opts, &cur); err != nil {
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
