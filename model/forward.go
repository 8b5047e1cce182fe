package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"

	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// AllLogits asks for next-token logits after every token of an Input.
const AllLogits = -1

// Input is one entry of a Forward batch: new tokens to append to a sequence.
type Input struct {
	Seq    *Sequence
	Tokens []int
	// Logits is the number of trailing tokens whose next-token logits are
	// computed and passed to ForwardOptions.Logits: 0 for none (prefill of a
	// context), 1 for the last (decoding), AllLogits for every token (scoring).
	Logits int
}

// ForwardOptions configures one Forward call. A nil *ForwardOptions runs the
// plain forward pass with no logits.
type ForwardOptions struct {
	// Hooks maps site names (layers.N.attn_in, layers.N.mlp_in,
	// layers.N.resid_out, final_norm_out) to hooks called with that site's
	// activations for the whole batch.
	Hooks map[string]Hook
	// StopAfter names a site after which the pass stops, once the site's
	// hook has run. The sequences are then not advanced: their caches hold
	// the new tokens only for the layers that ran, so the same tokens can be
	// run again (with other hooks) from the same state.
	StopAfter string
	// StartAfter names a layers.N.resid_out site at which the pass starts
	// from Residual, the residual stream after layer N for every row of the
	// batch ([rows, Hidden] in batch and position order, read before any
	// hook runs), instead of from the token embeddings: layers 0..N are
	// skipped, and their hooks and caches are not touched. The sequences are
	// not advanced, since their caches then miss the skipped layers; the
	// new tokens may attend only to cached positions whose later layers are
	// cached (for example a fresh sequence). With a hook capturing
	// layers.M.resid_out and StopAfter there, a caller can carry a residual
	// stream through a model a few layers at a time.
	StartAfter string
	Residual   []float32
	// Logits receives the next-token logits (len Vocab) of every row asked
	// for by an Input's Logits field, in batch order and position order. The
	// slice is scratch space, valid only during the call, and may be
	// modified (for example turned into log-probabilities in place with
	// tensor.LogSoftmaxTo). An error stops the pass.
	Logits func(row Row, logits []float32) error
	// LogProbs passes log-probabilities (the log-softmax of the logits) to
	// Logits instead of logits. The engine computes them on all cores, where
	// a callback would run them one row at a time.
	LogProbs bool
}

// errStopped ends a pass at ForwardOptions.StopAfter.
var errStopped = errors.New("stopped")

// ErrNonFinite is returned by Forward (and everything built on it) when
// the logits it computes hold NaN or ±Inf: broken weights would otherwise
// give NaN scores and empty generations without an error.
var ErrNonFinite = errors.New("model: logits are not finite")

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 { // NaN for NaN and ±Inf, 0 for every finite v
			return i
		}
	}
	return -1
}

// qkvLayout says where each head's query, key and value sit in a row of the
// fused projection output.
type qkvLayout struct {
	width                                          int
	qBase, qStride, kBase, kStride, vBase, vStride int
}

// logitsRows is the number of rows whose logits are materialised at once,
// bounding scratch memory to that many × Vocab floats however many rows are
// scored: 48 (a whole number of the GEMM micro-kernels' row tiles of 4, 6
// and 12 rows) when the output layer is packed, 192 when it is 16-bit,
// since each GEMM call then repacks the whole output matrix (50304×768
// takes about as long as multiplying 48 rows by it).
func (m *Model) logitsRows() int {
	if m.head.packed != nil {
		return 48
	}
	return 192
}

// Forward runs one forward pass over a batch: every Input's tokens are
// appended to its sequence, attending causally to that sequence's cached
// tokens and to the earlier new tokens of the same Input, and to nothing of
// any other sequence. Inputs may have different lengths and sequences
// different cached lengths; the batch is packed without padding.
//
// On success every sequence has advanced by its Input's tokens. On error
// (bad input, a hook's or callback's error, cancellation of ctx between
// layers) no sequence has advanced. A sequence may appear only once per
// batch.
//
// Weights read from memory-mapped files are checked first (CheckWeights):
// a file truncated or rewritten since Load is an error wrapping
// safetensors.ErrChanged. A file truncated during the pass makes reading
// the mapping fault; that too is returned as such an error instead of
// killing the process with SIGBUS, and the sequences of the batch must then
// be released, since their caches may be partly written.
func (m *Model) Forward(ctx context.Context, batch []Input, opts *ForwardOptions) error {
	if err := m.CheckWeights(); err != nil {
		return err
	}
	return m.forwardGuarded(ctx, batch, opts)
}

// CheckWeights reports, with an error wrapping safetensors.ErrChanged,
// whether a weight file changed on disk since Load (one stat per file).
func (m *Model) CheckWeights() error {
	if err := m.ckpt.Changed(); err != nil {
		return fmt.Errorf("model: %w; reload the model", err)
	}
	return nil
}

// forwardGuarded is Forward without the file check, turning a memory
// fault on the mapped weights into an error.
func (m *Model) forwardGuarded(ctx context.Context, batch []Input, opts *ForwardOptions) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !tensor.IsMemoryFault(r) {
				panic(r)
			}
			err = fmt.Errorf("model: %v while reading the memory-mapped weights of %s: %w", r, m.Dir, safetensors.ErrChanged)
		}
	}()
	return m.forward(ctx, batch, opts)
}

func (m *Model) forward(ctx context.Context, batch []Input, opts *ForwardOptions) error {
	if opts == nil {
		opts = &ForwardOptions{}
	}
	hooks, err := m.hookTable(opts)
	if err != nil {
		return err
	}
	total, err := m.checkBatch(batch)
	if err != nil {
		return err
	}
	if hooks.start >= 0 && len(opts.Residual) != total*m.Config.Hidden {
		return fmt.Errorf("model: StartAfter %s: Residual has %d values, the batch needs %d rows × %d", opts.StartAfter, len(opts.Residual), total, m.Config.Hidden)
	}
	for _, in := range batch {
		in.Seq.inStep = true
	}
	defer func() {
		for _, in := range batch {
			in.Seq.inStep = false
		}
	}()
	if total == 0 {
		return nil
	}
	ws := m.getWorkspace(total, batch)
	defer m.putWorkspace(ws)

	err = m.run(ctx, ws, batch, hooks, opts)
	if errors.Is(err, errStopped) || err == nil && hooks.start >= 0 {
		return nil
	}
	if err != nil {
		return err
	}
	for _, in := range batch {
		in.Seq.n += len(in.Tokens)
	}
	return nil
}

func (m *Model) checkBatch(batch []Input) (int, error) {
	total := 0
	for i, in := range batch {
		s := in.Seq
		switch {
		case s == nil:
			return 0, fmt.Errorf("model: batch entry %d has no sequence", i)
		case s.model != m:
			return 0, fmt.Errorf("model: batch entry %d: sequence belongs to another model", i)
		case s.released:
			return 0, fmt.Errorf("model: batch entry %d: sequence was released", i)
		case s.inStep:
			return 0, fmt.Errorf("model: batch entry %d: sequence appears twice in the batch or in a running Forward", i)
		}
		n := len(in.Tokens)
		if lim := m.Config.PositionLimit(); s.n+n > lim {
			return 0, fmt.Errorf("model: batch entry %d: %d cached + %d new tokens exceed max_position_embeddings %d", i, s.n, n, lim)
		}
		if s.n+n > s.Cap() {
			return 0, fmt.Errorf("model: batch entry %d: %d cached + %d new tokens exceed the sequence capacity %d", i, s.n, n, s.Cap())
		}
		if in.Logits > n || in.Logits < AllLogits {
			return 0, fmt.Errorf("model: batch entry %d: Logits %d for %d tokens", i, in.Logits, n)
		}
		for j, id := range in.Tokens {
			if id < 0 || id >= m.Config.Vocab {
				return 0, fmt.Errorf("model: batch entry %d: token %d at index %d is outside the vocabulary [0, %d)", i, id, j, m.Config.Vocab)
			}
		}
		total += n
	}
	for i := range batch {
		for j := range i {
			if batch[i].Seq == batch[j].Seq {
				return 0, fmt.Errorf("model: batch entries %d and %d share a sequence", j, i)
			}
		}
	}
	return total, nil
}

// run is the forward pass proper over the packed rows of ws.
func (m *Model) run(ctx context.Context, ws *workspace, batch []Input, hooks *hookTable, opts *ForwardOptions) error {
	c := &m.Config
	T, H := len(ws.rows), c.Hidden
	if hooks.start >= 0 {
		copy(ws.x[:T*H], opts.Residual)
	} else {
		m.embedRows(ws)
	}
	m.ropeRows(ws, batch)
	for l := hooks.start + 1; l < len(m.layers); l++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.layer(ws, batch, l, hooks); err != nil {
			return err
		}
	}
	x, h := ws.x[:T*H], ws.h[:T*H]
	m.normRows(h, x, T, &m.finalNorm)
	site := Site{Kind: FinalNormOut}
	if err := callHook(hooks.final, site, ws, h); err != nil {
		return err
	}
	if hooks.stopsAt(site) {
		return errStopped
	}
	if opts.Logits == nil {
		return nil
	}
	return m.logits(ctx, ws, batch, h, opts)
}

func callHook(h Hook, s Site, ws *workspace, data []float32) error {
	if h == nil {
		return nil
	}
	if err := h(&Activations{Site: s, Hidden: len(data) / len(ws.rows), Data: data, Rows: ws.rows}); err != nil {
		return fmt.Errorf("model: hook at %s: %w", s, err)
	}
	return nil
}

func (m *Model) embedRows(ws *workspace) {
	H := m.Config.Hidden
	ids := ws.ids
	x := ws.x[:len(ids)*H]
	switch {
	case m.embedPacked != nil:
		for i, id := range ids {
			m.embedPacked.ColTo(x[i*H:(i+1)*H], id)
		}
	case m.embed.dtype == Float32:
		tensor.Gather(x, m.embed.f32, H, ids)
	case m.embed.dtype == BF16:
		tensor.GatherBF16(x, m.embed.bf16, H, ids)
	case m.embed.dtype.Quantized():
		for i, id := range ids {
			m.embed.rowTo(x[i*H:(i+1)*H], id)
		}
	default:
		tensor.GatherF16(x, m.embed.f16, H, ids)
	}
	if m.positions.rows == 0 {
		return
	}
	pos := ws.pos
	p := ws.proj[:len(ids)*H]
	switch m.positions.dtype {
	case Float32:
		tensor.Gather(p, m.positions.f32, H, pos)
	case BF16:
		tensor.GatherBF16(p, m.positions.bf16, H, pos)
	case F16:
		tensor.GatherF16(p, m.positions.f16, H, pos)
	default:
		for i, at := range pos {
			m.positions.rowTo(p[i*H:(i+1)*H], at)
		}
	}
	axpyRows(x, p)
}

// ropeRows fills the per-row cos/sin tables for the step.
func (m *Model) ropeRows(ws *workspace, batch []Input) {
	r := m.rope
	if r == nil {
		return
	}
	half := r.dim / 2
	maxPos := 0
	for _, p := range ws.pos {
		maxPos = max(maxPos, p)
	}
	table := r.tableFor(maxPos + 1)
	row := 0
	for _, in := range batch {
		n := len(in.Tokens)
		seqLen := in.Seq.n + n
		var inv []float32
		if r.dynamic && seqLen > r.maxPos {
			// Dynamic NTK rescales the frequencies for the whole sequence
			// length seen so far, as transformers does per forward call.
			inv = r.dynamicInvFreq(ws.invFreq[:0], seqLen)
			ws.invFreq = inv
		}
		for j := 0; j < n; j++ {
			p := in.Seq.n + j
			cos, sin := ws.cos[row*half:(row+1)*half], ws.sin[row*half:(row+1)*half]
			if inv != nil {
				fillCosSin(cos, sin, p, inv)
			} else {
				copy(cos, table.cos[p*half:(p+1)*half])
				copy(sin, table.sin[p*half:(p+1)*half])
			}
			row++
		}
	}
}

// layer runs decoder block l over all rows. Buffers are reused as soon as
// their contents are dead, to keep a step's memory small next to the
// weights and the KV cache: the heads' outputs overwrite the attention
// input, and for sequential-residual models the MLP input overwrites the
// attention output once it is added to the residual stream. For
// parallel-residual models both norms (and their hooks) come before the
// attention, which their inputs do not depend on, so that a pass stopped
// after mlp_in skips the attention.
func (m *Model) layer(ws *workspace, batch []Input, l int, hooks *hookTable) error {
	c := &m.Config
	L := &m.layers[l]
	T, H, AW := len(ws.rows), c.Hidden, c.Heads*c.HeadDim
	x, h := ws.x[:T*H], ws.h[:T*H]

	m.normRows(h, x, T, &L.attnNorm)
	if err := m.site(ws, hooks, Site{AttnIn, l}, h); err != nil {
		return err
	}
	var mlpIn []float32
	if c.ParallelResidual {
		mlpIn = ws.h2[:T*H]
		m.normRows(mlpIn, x, T, &L.mlpNorm)
		if err := m.site(ws, hooks, Site{MLPIn, l}, mlpIn); err != nil {
			return err
		}
	}
	att := ws.h[:T*AW]
	m.attention(ws, batch, l, h, att)
	attnOut := ws.proj[:T*H]
	L.out.apply(attnOut, H, att, AW, T)

	if !c.ParallelResidual {
		axpyRows(x, attnOut)
		mlpIn = attnOut
		m.normRows(mlpIn, x, T, &L.mlpNorm)
		if err := m.site(ws, hooks, Site{MLPIn, l}, mlpIn); err != nil {
			return err
		}
	}
	mlpOut := ws.h[:T*H]
	m.mlp(ws, L, mlpIn, mlpOut, T)
	if c.ParallelResidual {
		// x + attn + mlp, summed as transformers does: (mlp + attn) + x.
		axpyRows(mlpOut, attnOut)
	}
	axpyRows(x, mlpOut)
	return m.site(ws, hooks, Site{ResidOut, l}, x)
}

func (m *Model) site(ws *workspace, hooks *hookTable, s Site, data []float32) error {
	if err := callHook(hooks.at(s.Layer, s.Kind), s, ws, data); err != nil {
		return err
	}
	if hooks.stopsAt(s) {
		return errStopped
	}
	return nil
}

func (m *Model) normRows(dst, x []float32, rows int, n *norm) {
	H := m.Config.Hidden
	eps := float32(m.Config.NormEps)
	parallelFor(rows, 64, func(_, r int) {
		d, s := dst[r*H:(r+1)*H], x[r*H:(r+1)*H]
		if m.Config.Norm == RMSNorm {
			tensor.RMSNormTo(d, s, n.weight, eps)
		} else {
			tensor.LayerNormTo(d, s, n.weight, n.bias, eps)
		}
	})
}

// mlpRows is the number of rows the MLP runs at once: its hidden
// activations (rows × intermediate, twice with a gate) are the largest
// buffers of a step, and blocks of this many rows still keep the GEMMs at
// full speed. (A variable so that tests can cut steps into many blocks.)
var mlpRows = 1024

func (m *Model) mlp(ws *workspace, L *layer, in, out []float32, T int) {
	c := &m.Config
	H, I := c.Hidden, c.Intermediate
	for r0 := 0; r0 < T; r0 += mlpRows {
		n := min(mlpRows, T-r0)
		up := ws.up[:n*I]
		if c.GatedMLP && n == 1 {
			gate := ws.gate[:I]
			ws.lins = append(ws.lins[:0], &L.up, &L.gate)
			ws.outs = append(ws.outs[:0], up, gate)
			ws.ops = applyRow(ws.lins, ws.outs, in[r0*H:r0*H+H], ws.ops)
		} else {
			L.up.apply(up, I, in[r0*H:], H, n)
		}
		if c.GatedMLP {
			gate := ws.gate[:n*I]
			if n > 1 {
				L.gate.apply(gate, I, in[r0*H:], H, n)
			}
			activate(c.Act, gate)
			for i := range up {
				up[i] *= gate[i]
			}
		} else {
			activate(c.Act, up)
		}
		L.down.apply(out[r0*H:], H, up, I, n)
	}
}

// activate applies the activation in place, in parallel chunks.
func activate(a Activation, x []float32) {
	const chunk = 1 << 14
	parallelFor((len(x)+chunk-1)/chunk, 1, func(_, i int) {
		s := x[i*chunk : min(len(x), (i+1)*chunk)]
		switch a {
		case "gelu":
			tensor.GELUTo(s, s)
		case "gelu_new", "gelu_pytorch_tanh":
			tensor.GELUTanhTo(s, s)
		case "silu", "swish":
			tensor.SiLUTo(s, s)
		case "gelu_fast":
			for j, v := range s {
				f := float64(v)
				s[j] = float32(0.5 * f * (1 + math.Tanh(f*0.7978845608*(1+0.044715*f*f))))
			}
		case "quick_gelu":
			for j, v := range s {
				s[j] = float32(float64(v) / (1 + math.Exp(-1.702*float64(v))))
			}
		case "relu":
			for j, v := range s {
				s[j] = max(v, 0)
			}
		}
	})
}

// axpyRows adds x to dst (vectorised; y + 1·x rounds exactly as y + x).
func axpyRows(dst, x []float32) {
	const chunk = 1 << 14
	parallelFor((len(x)+chunk-1)/chunk, 4, func(_, i int) {
		lo, hi := i*chunk, min(len(x), (i+1)*chunk)
		tensor.Axpy(1, x[lo:hi], dst[lo:hi])
	})
}

// logits computes the requested rows' logits (or log-probabilities) chunk by
// chunk and passes them to opts.Logits in row order.
func (m *Model) logits(ctx context.Context, ws *workspace, batch []Input, h []float32, opts *ForwardOptions) error {
	H, V := m.Config.Hidden, m.Config.Vocab
	sel := ws.sel[:0]
	row := 0
	for _, in := range batch {
		n := len(in.Tokens)
		want := in.Logits
		if want == AllLogits {
			want = n
		}
		for j := n - want; j < n; j++ {
			sel = append(sel, row+j)
		}
		row += n
	}
	ws.sel = sel
	chunk := m.logitsRows()
	for c0 := 0; c0 < len(sel); c0 += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := sel[c0:min(len(sel), c0+chunk)]
		in := ws.selHidden[:len(rows)*H]
		for i, r := range rows {
			copy(in[i*H:(i+1)*H], h[r*H:(r+1)*H])
		}
		out := ws.logits[:len(rows)*V]
		m.head.apply(out, V, in, H, len(rows))
		for i, r := range rows {
			if j := firstNonFinite(out[i*V : (i+1)*V]); j >= 0 {
				row := ws.rows[r]
				return fmt.Errorf("%w: batch entry %d, position %d: logit of token %d is %v (the weights or activations hold NaN or Inf)",
					ErrNonFinite, row.Input, row.Pos, j, out[i*V+j])
			}
		}
		if opts.LogProbs {
			parallelFor(len(rows), 1, func(_, i int) {
				tensor.LogSoftmaxTo(out[i*V:(i+1)*V], out[i*V:(i+1)*V])
			})
		}
		for i, r := range rows {
			if err := opts.Logits(ws.rows[r], out[i*V:(i+1)*V]); err != nil {
				return err
			}
		}
	}
	return nil
}
