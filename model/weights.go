package model

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// DType is the element type weight matrices are kept in.
type DType string

// The weight element types the engine computes with. Activations are always
// float32; 16-bit weights are widened inside the GEMM and GEMV kernels.
const (
	Auto    DType = ""     // keep the checkpoint's dtype
	Float32 DType = "f32"  // float32
	BF16    DType = "bf16" // bfloat16
	F16     DType = "f16"  // IEEE half precision
	// llama.cpp's block-quantized formats (see tensor.QType): weights
	// multiply 8-bit quantized activations in integer dot products.
	Q8_0 DType = "q8_0"
	Q4_0 DType = "q4_0"
	Q4_K DType = "q4_k"
	Q5_K DType = "q5_k"
	Q6_K DType = "q6_k"
)

// DTypes lists the dtypes Options.DType accepts (Auto aside).
func DTypes() []DType { return []DType{Float32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K} }

// ParseDType returns the dtype named s ("f32", "bf16", "f16", "q8_0",
// "q4_0", "q4_k", "q5_k", "q6_k", any case; "" or "auto" for Auto), or an error naming the
// choices.
func ParseDType(s string) (DType, error) {
	if s == "" || strings.EqualFold(s, "auto") {
		return Auto, nil
	}
	for _, d := range DTypes() {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("model: dtype %q: expected auto, f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k", s)
}

// qtype returns the block format of a quantized dtype.
func (d DType) qtype() (tensor.QType, bool) {
	switch d {
	case Q8_0:
		return tensor.Q8_0, true
	case Q4_0:
		return tensor.Q4_0, true
	case Q4_K:
		return tensor.Q4_K, true
	case Q5_K:
		return tensor.Q5_K, true
	case Q6_K:
		return tensor.Q6_K, true
	}
	return 0, false
}

// Quantized reports whether d is one of the block-quantized formats.
func (d DType) Quantized() bool {
	_, ok := d.qtype()
	return ok
}

// matrix is a weight matrix in its stored dtype, exactly one of f32, bf16,
// f16 and q set. rows × cols is the stored shape; a quantized matrix holds
// rows of cols weights in blocks (tensor.QType) in q.
type matrix struct {
	dtype      DType
	f32        []float32
	bf16       []tensor.BF16
	f16        []tensor.F16
	q          []byte
	rows, cols int
	src        safetensors.Tensor // the checkpoint tensor, to release its pages once packed
	// halves is whether f16 holds only finite halves: 0 not yet known, then
	// halvesFinite or halvesNotFinite (set atomically on first use).
	halves int32
}

const (
	halvesFinite = 1 + iota
	halvesNotFinite
)

// finiteHalves reports whether the f16 weights hold no infinity or NaN,
// which lets the kernels skip looking for them on every product. It is
// checked on first use rather than at load, so that loading does not read
// every page of a mapped checkpoint; racing first uses both check.
func (m *matrix) finiteHalves() bool {
	h := atomic.LoadInt32(&m.halves)
	if h == 0 {
		h = halvesNotFinite
		if tensor.F16Finite(m.f16) {
			h = halvesFinite
		}
		atomic.StoreInt32(&m.halves, h)
	}
	return h == halvesFinite
}

func (m *matrix) bytes() int64 {
	n := int64(m.rows) * int64(m.cols)
	if qt, ok := m.dtype.qtype(); ok {
		return int64(m.rows) * int64(qt.RowBytes(m.cols))
	}
	if m.dtype == Float32 {
		return 4 * n
	}
	return 2 * n
}

// rowTo widens row r into dst (len cols), for embedding lookups.
func (m *matrix) rowTo(dst []float32, r int) {
	if qt, ok := m.dtype.qtype(); ok {
		rb := qt.RowBytes(m.cols)
		tensor.Dequantize(qt, dst, m.q[r*rb:(r+1)*rb])
		return
	}
	panic("model: rowTo on a " + string(m.dtype) + " matrix")
}

// linear is y = x·Wᵀ + b with W stored [out, in] (torch.nn.Linear), or
// y = x·W + b with W stored [in, out] when inOut is set (GPT-2's Conv1D).
// Float32 weights are packed once at load (packed set, w's data dropped);
// 16-bit weights stay as stored and are widened by the kernels.
type linear struct {
	w       matrix
	packed  *tensor.PackedB // op(W) = Wᵀ (or W) packed for GemmPacked
	bias    []float32
	in, out int
	inOut   bool
	// roundBF16: products of several rows with bfloat16 weights round
	// the activations (Options.BF16Activations).
	roundBF16 bool
}

// apply computes rows rows of y (row stride ldy) from x (row stride ldx).
// One row runs as a GEMV, which reads each weight once and is bound by
// memory bandwidth; more rows run as one GEMM.
func (l *linear) apply(y []float32, ldy int, x []float32, ldx int, rows int) {
	if rows == 0 {
		return
	}
	w := &l.w
	qt, quantized := w.dtype.qtype()
	switch {
	case l.packed != nil:
		tensor.GemmPacked(false, rows, 1, x, ldx, l.packed, 0, y, ldy)
	case quantized:
		// Quantized weights are stored [out, in] (a GGUF GPT-2 binds its
		// Conv1D weights so), so inOut is never set.
		tensor.GemmQ(qt, rows, l.out, l.in, x, ldx, w.q, y, ldy)
	case rows == 1 && w.dtype == BF16:
		tensor.GemvBF16(l.inOut, w.rows, w.cols, 1, w.bf16, w.cols, x[:l.in], 0, y[:l.out])
	case rows == 1 && w.dtype == F16 && w.finiteHalves():
		tensor.GemvF16Finite(l.inOut, w.rows, w.cols, 1, w.f16, w.cols, x[:l.in], 0, y[:l.out])
	case rows == 1 && w.dtype == F16:
		tensor.GemvF16(l.inOut, w.rows, w.cols, 1, w.f16, w.cols, x[:l.in], 0, y[:l.out])
	case w.dtype == BF16 && l.roundBF16 && !l.inOut:
		tensor.GemmBF16Rounded(rows, l.out, l.in, x, ldx, w.bf16, w.cols, y, ldy)
	case w.dtype == BF16:
		tensor.GemmBF16(false, !l.inOut, rows, l.out, l.in, 1, x, ldx, w.bf16, w.cols, 0, y, ldy)
	case w.dtype == F16 && w.finiteHalves():
		tensor.GemmF16Finite(false, !l.inOut, rows, l.out, l.in, 1, x, ldx, w.f16, w.cols, 0, y, ldy)
	case w.dtype == F16:
		tensor.GemmF16(false, !l.inOut, rows, l.out, l.in, 1, x, ldx, w.f16, w.cols, 0, y, ldy)
	default:
		panic("model: float32 weights are used packed")
	}
	if l.bias != nil {
		for r := 0; r < rows; r++ {
			tensor.Axpy(1, l.bias, y[r*ldy:r*ldy+l.out])
		}
	}
}

// pack packs a float32 weight for GemmPacked and lets the original go: the
// mapped pages are evicted (converted copies become garbage), so the weight
// is held once. It returns the change in bytes held. 16-bit weights are
// left as stored: packing widens to float32, which would double them.
func (l *linear) pack() int64 {
	if l.w.dtype != Float32 {
		return 0
	}
	before := l.w.bytes()
	l.packed = tensor.PackB(!l.inOut, l.in, l.out, l.w.f32, l.w.cols)
	l.w.src.Evict()
	l.w.f32 = nil
	return l.packed.Bytes() - before
}

// prepack packs every float32 weight matrix once at load, so that no GEMM
// packs weights again: packing a transposed weight matrix (the
// torch.nn.Linear layout) on every call cost about as much as a sixth of
// the multiplications. A tied output layer is packed from the embedding
// table, and embedding lookups then read that packed copy instead of
// keeping the table twice.
func (m *Model) prepack() {
	tied := m.embed.dtype == Float32 && m.head.w.dtype == Float32 && &m.embed.f32[0] == &m.head.w.f32[0]
	for i := range m.layers {
		L := &m.layers[i]
		for j := range L.qkv {
			m.bytes += L.qkv[j].pack()
		}
		m.bytes += L.out.pack() + L.up.pack() + L.gate.pack() + L.down.pack()
	}
	m.bytes += m.head.pack()
	if tied {
		m.embedPacked = m.head.packed
		m.embed.f32 = nil
	}
}

// source is where a checkpoint's tensors come from: safetensors files
// (*safetensors.Checkpoint) or a GGUF file (ggufSource), whose tensors it
// presents under Hugging Face names and layouts. Quantized tensors have the
// dtypes of quantizedDTypes.
type source interface {
	Tensor(name string) (safetensors.Tensor, bool)
	Names() []string
	Changed() error
	Close() error
}

// quantizedDTypes are the safetensors-style dtype names under which a
// source presents block-quantized tensors (Data holds the blocks).
var quantizedDTypes = map[safetensors.DType]DType{"Q8_0": Q8_0, "Q4_0": Q4_0, "Q4_K": Q4_K, "Q5_K": Q5_K, "Q6_K": Q6_K}

// storedDType is the engine dtype of a stored tensor, if it has one.
func storedDType(d safetensors.DType) (DType, bool) {
	switch d {
	case safetensors.F32:
		return Float32, true
	case safetensors.BF16:
		return BF16, true
	case safetensors.F16:
		return F16, true
	}
	q, ok := quantizedDTypes[d]
	return q, ok
}

// binder looks tensors up in a checkpoint, checks their shapes and converts
// them, collecting every problem so that one error lists all of them.
type binder struct {
	ckpt   source
	prefix string // the base-model prefix the checkpoint uses, e.g. "model."
	dtype  DType  // requested matrix dtype, Auto for the stored one
	// roundBF16 is Options.BF16Activations.
	roundBF16 bool
	missing   []string
	errs      []string
	used      map[string]bool
	bytes     int64 // bytes of weights held (mapped or allocated)
	alloc     int64 // bytes allocated on the heap by conversions
	// notes are conversions asked for and not done (Model.Notes).
	notes []string
	// conv1DRowsOut: the source stores GPT-2's Conv1D weights as [out, in]
	// (GGUF does), so linear binds them as torch.nn.Linear weights.
	conv1DRowsOut bool
}

func (b *binder) lookup(name string, shape ...int) (safetensors.Tensor, bool) {
	full := name
	t, ok := b.ckpt.Tensor(full)
	if !ok && b.prefix != "" && strings.HasPrefix(name, b.prefix) {
		// Base-model checkpoints (GPT2Model, LlamaModel) drop the prefix.
		full = strings.TrimPrefix(name, b.prefix)
		t, ok = b.ckpt.Tensor(full)
	}
	if !ok {
		b.missing = append(b.missing, name)
		return t, false
	}
	b.used[full] = true
	if !slices.Equal(t.Shape, shape) {
		b.errs = append(b.errs, fmt.Sprintf("tensor %q has shape %v, the config implies %v", full, t.Shape, shape))
		return t, false
	}
	return t, true
}

// vector returns a float32 copy of a 1-D tensor (norm weights and biases are
// small, so widening them costs nothing).
func (b *binder) vector(name string, n int) []float32 {
	t, ok := b.lookup(name, n)
	if !ok {
		return nil
	}
	v, err := t.ToFloat32()
	if err != nil || !isFloat(t.DType) {
		b.errs = append(b.errs, fmt.Sprintf("tensor %q has dtype %s; supported: F32, BF16, F16", name, t.DType))
		return nil
	}
	b.bytes += int64(4 * n)
	b.alloc += int64(4 * n)
	return v
}

func isFloat(d safetensors.DType) bool {
	return d == safetensors.F32 || d == safetensors.BF16 || d == safetensors.F16
}

// matrix returns a rows×cols tensor in the requested dtype, aliasing the
// mapped file when no conversion is needed.
func (b *binder) matrix(name string, rows, cols int) matrix {
	t, ok := b.lookup(name, rows, cols)
	if !ok {
		return matrix{}
	}
	m := matrix{rows: rows, cols: cols}
	stored, ok := storedDType(t.DType)
	if !ok {
		b.errs = append(b.errs, fmt.Sprintf("tensor %q has dtype %s; supported: F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K", name, t.DType))
		return m
	}
	want := b.dtype
	if want == Auto {
		want = stored
	}
	if qt, ok := want.qtype(); ok && cols%qt.BlockSize() != 0 {
		// As llama-quantize does: the tensor stays as it is, and says so.
		b.notes = append(b.notes, fmt.Sprintf("tensor %q: rows of %d are not a whole number of %s blocks of %d; kept in %s", name, cols, want, qt.BlockSize(), stored))
		want = stored
	}
	m.dtype = want
	if want == stored {
		m.src = t
		switch stored {
		case Float32:
			m.f32, _ = t.Float32()
		case BF16:
			m.bf16, _ = t.BF16()
		case F16:
			m.f16, _ = t.F16()
		default:
			m.q = t.Data
		}
		b.bytes += m.bytes()
		return m
	}
	wide := widen(t, stored, rows, cols)
	if qt, ok := want.qtype(); ok {
		m.q = quantizeRows(qt, wide, rows, cols)
		b.bytes += m.bytes()
		b.alloc += m.bytes()
		return m
	}
	switch want {
	case Float32:
		m.f32 = wide
	case BF16:
		m.bf16 = make([]tensor.BF16, len(wide))
		tensor.Float32ToBF16(m.bf16, wide)
	case F16:
		m.f16 = make([]tensor.F16, len(wide))
		tensor.Float32ToF16(m.f16, wide)
	}
	b.bytes += m.bytes()
	b.alloc += m.bytes()
	return m
}

// transposedMatrix returns the stored rows×cols matrix transposed to
// cols×rows in the requested (quantized) dtype, or float32 where its new
// rows are not whole blocks.
func (b *binder) transposedMatrix(name string, rows, cols int) matrix {
	t, ok := b.lookup(name, rows, cols)
	if !ok {
		return matrix{}
	}
	stored, ok := storedDType(t.DType)
	if !ok {
		b.errs = append(b.errs, fmt.Sprintf("tensor %q has dtype %s; supported: F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K", name, t.DType))
		return matrix{}
	}
	wide := widen(t, stored, rows, cols)
	tr := make([]float32, len(wide))
	for i := range rows {
		for j := range cols {
			tr[j*rows+i] = wide[i*cols+j]
		}
	}
	m := matrix{rows: cols, cols: rows, dtype: Float32, f32: tr}
	if qt, _ := b.dtype.qtype(); rows%qt.BlockSize() == 0 {
		m.dtype, m.f32, m.q = b.dtype, nil, quantizeRows(qt, tr, cols, rows)
	} else {
		b.notes = append(b.notes, fmt.Sprintf("tensor %q: rows of %d are not a whole number of %s blocks of %d; kept in f32", name, rows, b.dtype, qt.BlockSize()))
	}
	b.bytes += m.bytes()
	b.alloc += m.bytes()
	return m
}

// widen returns a stored matrix as float32 (dequantized if quantized).
func widen(t safetensors.Tensor, stored DType, rows, cols int) []float32 {
	qt, ok := stored.qtype()
	if !ok {
		wide, _ := t.ToFloat32()
		return wide
	}
	wide := make([]float32, rows*cols)
	rb := qt.RowBytes(cols)
	parallelFor(rows, 64, func(_, r int) {
		tensor.Dequantize(qt, wide[r*cols:(r+1)*cols], t.Data[r*rb:(r+1)*rb])
	})
	return wide
}

// quantizeRows quantizes a rows×cols float32 matrix row by row, on all
// cores (Q4_K's search for scales is slow enough to matter at load).
func quantizeRows(qt tensor.QType, wide []float32, rows, cols int) []byte {
	rb := qt.RowBytes(cols)
	q := make([]byte, rows*rb)
	parallelFor(rows, 16, func(_, r int) {
		tensor.Quantize(qt, q[r*rb:(r+1)*rb], wide[r*cols:(r+1)*cols])
	})
	return q
}

func (b *binder) linear(name string, in, out int, bias, inOut bool) linear {
	if inOut && b.conv1DRowsOut {
		inOut = false
	}
	if inOut && b.dtype.Quantized() {
		// Quantized blocks run along a row's inputs, so a Conv1D weight
		// ([in, out]) is transposed before it is quantized.
		l := linear{in: in, out: out, w: b.transposedMatrix(name+".weight", in, out)}
		if bias {
			l.bias = b.vector(name+".bias", out)
		}
		return l
	}
	l := linear{in: in, out: out, inOut: inOut, roundBF16: b.roundBF16}
	if inOut {
		l.w = b.matrix(name+".weight", in, out)
	} else {
		l.w = b.matrix(name+".weight", out, in)
	}
	if bias {
		l.bias = b.vector(name+".bias", out)
	}
	return l
}

// layerIndexRe finds the layer number in a tensor name of any supported
// architecture: model.layers.3., gpt_neox.layers.3., transformer.h.3.
var layerIndexRe = regexp.MustCompile(`(?:^|\.)(?:layers|h)\.(\d+)\.`)

// bufferRe matches the non-parameter buffers some checkpoints save, which
// the engine recomputes.
var bufferRe = regexp.MustCompile(`(?:\.attn\.(?:bias|masked_bias)|\.attention\.(?:bias|masked_bias)|rotary_emb\.inv_freq)$`)

// checkUnused looks at the tensors nothing bound: one that belongs to a
// layer at or beyond the config's layer count means config and checkpoint
// disagree (running the first layers only would give wrong outputs), so it
// is an error; the others are returned for the caller to report.
func (b *binder) checkUnused(layers int) []string {
	var unused, extraLayers []string
	for _, name := range b.ckpt.Names() {
		if b.used[name] || bufferRe.MatchString(name) {
			continue
		}
		if m := layerIndexRe.FindStringSubmatch(name); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i >= layers {
				extraLayers = append(extraLayers, name)
				continue
			}
		}
		unused = append(unused, name)
	}
	sort.Strings(extraLayers)
	if n := len(extraLayers); n > 0 {
		b.errs = append(b.errs, fmt.Sprintf("the config has %d layers, but the checkpoint holds %d tensors of further layers (such as %s)", layers, n, extraLayers[0]))
	}
	sort.Strings(unused)
	return unused
}

func (b *binder) err() error {
	var parts []string
	if n := len(b.missing); n > 0 {
		shown := b.missing[:min(n, 8)]
		s := fmt.Sprintf("missing %d tensors: %s", n, strings.Join(shown, ", "))
		if n > len(shown) {
			s += fmt.Sprintf(", … (%d more)", n-len(shown))
		}
		parts = append(parts, s)
	}
	parts = append(parts, b.errs...)
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("model: checkpoint does not match its config: %s", strings.Join(parts, "; "))
}
