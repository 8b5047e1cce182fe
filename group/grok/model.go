package grok

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// The parameter names of sn-grok's PyTorch SnMLP (its state_dict keys).
const (
	NameLeftEmbed   = "lembed.weight"
	NameRightEmbed  = "rembed.weight"
	NameLinear      = "linear.weight"
	NameUnembed     = "unembed.weight"
	NameUnembedBias = "unembed.bias"
)

// Model holds the parameters of the paper's SnMLP, row-major float32 in
// PyTorch's layouts:
//
//	logits = Unembed · ReLU(Linear · [LeftEmbed[l]; RightEmbed[r]]) + UnembedBias
//
// Because the first layer is linear, neuron j's pre-activation is
// L_j(l) + R_j(r): a left function plus a right function on S_n (see
// NeuronFunctions), the objects the analysis transforms.
type Model struct {
	// Order is the vocabulary size |G| = n!, EmbedDim is E, HiddenDim is H.
	Order, EmbedDim, HiddenDim int
	// LeftEmbed and RightEmbed are [Order, E] (nn.Embedding weights).
	LeftEmbed, RightEmbed []float32
	// Linear is [H, 2E] (nn.Linear weight, no bias): columns 0..E−1 read
	// the left embedding, E..2E−1 the right one.
	Linear []float32
	// Unembed is [Order, H] and UnembedBias [Order] (nn.Linear with bias).
	Unembed, UnembedBias []float32
}

// N returns the degree n with n! = Order, or 0 if Order is no factorial.
func (m *Model) N() int {
	for n, f := 1, 1; f <= m.Order; n++ {
		f *= n
		if f == m.Order {
			return n
		}
	}
	return 0
}

// NewModel returns a model initialised as PyTorch initialises SnMLP:
// embeddings N(0, 1); Linear and the unembedding's weight and bias
// uniform on ±1/√fan_in (Kaiming-uniform with a = √5). The draws come from
// rng, so they match PyTorch in distribution, not bit for bit.
func NewModel(order, embed, hidden int, rng *rand.Rand) *Model {
	m := &Model{
		Order: order, EmbedDim: embed, HiddenDim: hidden,
		LeftEmbed: make([]float32, order*embed), RightEmbed: make([]float32, order*embed),
		Linear:  make([]float32, hidden*2*embed),
		Unembed: make([]float32, order*hidden), UnembedBias: make([]float32, order),
	}
	for _, w := range [][]float32{m.LeftEmbed, m.RightEmbed} {
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
	}
	uniform := func(w []float32, fanIn int) {
		b := 1 / math.Sqrt(float64(fanIn))
		for i := range w {
			w[i] = float32((2*rng.Float64() - 1) * b)
		}
	}
	uniform(m.Linear, 2*embed)
	uniform(m.Unembed, hidden)
	uniform(m.UnembedBias, hidden)
	return m
}

// Tensors returns the parameters as safetensors tensors named as in
// sn-grok's state_dict.
func (m *Model) Tensors() []safetensors.Tensor {
	return []safetensors.Tensor{
		safetensors.FromFloat32(NameLeftEmbed, []int{m.Order, m.EmbedDim}, m.LeftEmbed),
		safetensors.FromFloat32(NameRightEmbed, []int{m.Order, m.EmbedDim}, m.RightEmbed),
		safetensors.FromFloat32(NameLinear, []int{m.HiddenDim, 2 * m.EmbedDim}, m.Linear),
		safetensors.FromFloat32(NameUnembed, []int{m.Order, m.HiddenDim}, m.Unembed),
		safetensors.FromFloat32(NameUnembedBias, []int{m.Order}, m.UnembedBias),
	}
}

// Save writes the parameters to path as safetensors (durably, replacing
// any file there), with the optional metadata.
func (m *Model) Save(path string, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return safetensors.Write(w, m.Tensors(), metadata)
	})
}

// ErrCheckpoint marks a weights file that is not an SnMLP checkpoint.
var ErrCheckpoint = errors.New("grok: not an SnMLP checkpoint")

// LoadModel reads an SnMLP checkpoint written by Save or converted from
// sn-grok's PyTorch state_dict (same names; F32, F16, BF16 or F64). The
// shapes must agree with each other and the vocabulary must be n! for
// 2 ≤ n ≤ MaxN. It also returns the file's metadata.
func LoadModel(path string) (*Model, map[string]string, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("grok: %w", err)
	}
	defer f.Close()
	get := func(name string, rank int) ([]float32, []int, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: no tensor %q", ErrCheckpoint, path, name)
		}
		if len(t.Shape) != rank {
			return nil, nil, fmt.Errorf("%w: %s: %s has shape %v, expected %d dimensions", ErrCheckpoint, path, name, t.Shape, rank)
		}
		v, err := t.ToFloat32()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %s: %v", ErrCheckpoint, path, name, err)
		}
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, nil, fmt.Errorf("%w: %s: %s holds %v at flat index %d", ErrCheckpoint, path, name, x, i)
			}
		}
		return append([]float32(nil), v...), t.Shape, nil
	}
	m := &Model{}
	var shapes [5][]int
	if m.LeftEmbed, shapes[0], err = get(NameLeftEmbed, 2); err != nil {
		return nil, nil, err
	}
	if m.RightEmbed, shapes[1], err = get(NameRightEmbed, 2); err != nil {
		return nil, nil, err
	}
	if m.Linear, shapes[2], err = get(NameLinear, 2); err != nil {
		return nil, nil, err
	}
	if m.Unembed, shapes[3], err = get(NameUnembed, 2); err != nil {
		return nil, nil, err
	}
	if m.UnembedBias, shapes[4], err = get(NameUnembedBias, 1); err != nil {
		return nil, nil, err
	}
	m.Order, m.EmbedDim, m.HiddenDim = shapes[0][0], shapes[0][1], shapes[2][0]
	want := [5][]int{{m.Order, m.EmbedDim}, {m.Order, m.EmbedDim}, {m.HiddenDim, 2 * m.EmbedDim}, {m.Order, m.HiddenDim}, {m.Order}}
	names := [5]string{NameLeftEmbed, NameRightEmbed, NameLinear, NameUnembed, NameUnembedBias}
	for i := range want {
		if fmt.Sprint(shapes[i]) != fmt.Sprint(want[i]) {
			return nil, nil, fmt.Errorf("%w: %s: %s has shape %v, expected %v", ErrCheckpoint, path, names[i], shapes[i], want[i])
		}
	}
	if n := m.N(); n < 2 || n > MaxN {
		return nil, nil, fmt.Errorf("%w: %s: vocabulary %d is not n! for 2 ≤ n ≤ %d", ErrCheckpoint, path, m.Order, MaxN)
	}
	return m, f.Metadata(), nil
}

// NeuronFunctions returns each neuron's left and right function on S_n,
// per token: left[j·Order+t] = Σ_e LeftEmbed[t,e]·Linear[j,e], and right
// likewise with RightEmbed and Linear[j, E+e]. Both are [H, Order].
func (m *Model) NeuronFunctions() (left, right []float32) {
	e, h := m.EmbedDim, m.HiddenDim
	left, right = make([]float32, h*m.Order), make([]float32, h*m.Order)
	tensor.Gemm(false, true, h, m.Order, e, 1, m.Linear, 2*e, m.LeftEmbed, e, 0, left, m.Order)
	tensor.Gemm(false, true, h, m.Order, e, 1, m.Linear[e:], 2*e, m.RightEmbed, e, 0, right, m.Order)
	return left, right
}

// Ablation names hidden neurons whose activations are set to zero.
type Ablation []bool

// Forward computes the logits of the given pairs of tokens into dst
// ([len(left), Order]), with the neurons marked in ablate (nil: none)
// zeroed after the ReLU. It panics if the lengths disagree or a token is
// out of range.
func (m *Model) Forward(dst []float32, left, right []int32, ablate Ablation) {
	lf, rf := m.NeuronFunctions()
	m.forward(dst, transpose(lf, m.HiddenDim, m.Order), transpose(rf, m.HiddenDim, m.Order), left, right, ablate)
}

func transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, len(a))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = a[i*cols+j]
		}
	}
	return t
}

// forward is Forward with the neuron functions given per token ([Order, H]).
func (m *Model) forward(dst, lt, rt []float32, left, right []int32, ablate Ablation) {
	b, h := len(left), m.HiddenDim
	if len(right) != b || len(dst) != b*m.Order || (ablate != nil && len(ablate) != h) {
		panic("grok: forward: lengths disagree")
	}
	hidden := make([]float32, b*h)
	for i := range b {
		hl, hr, out := lt[int(left[i])*h:][:h], rt[int(right[i])*h:][:h], hidden[i*h:][:h]
		for j := range out {
			v := hl[j] + hr[j]
			if v < 0 || (ablate != nil && ablate[j]) {
				v = 0
			}
			out[j] = v
		}
	}
	tensor.Gemm(false, true, b, m.Order, h, 1, hidden, h, m.Unembed, h, 0, dst, m.Order)
	for i := range b {
		row := dst[i*m.Order:][:m.Order]
		for j, bias := range m.UnembedBias {
			row[j] += bias
		}
	}
}

// Metrics are the mean cross-entropy loss and the accuracy on a set of
// pairs.
type Metrics struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
}

// evalChunk bounds the logits held at once (S_6: 1024·720 floats).
const evalChunk = 1024

// Evaluate returns the mean loss and accuracy of the model on the given
// pairs of d, with the neurons in ablate (nil: none) zeroed. As in
// sn-grok, the float32 logits are cast to float64 before the log-softmax.
// It panics if d's vocabulary differs from the model's.
func (m *Model) Evaluate(d *Dataset, pairs []int32, ablate Ablation) Metrics {
	if d.Order() != m.Order {
		panic("grok: evaluate: dataset and model vocabularies differ")
	}
	if len(pairs) == 0 {
		return Metrics{Loss: math.NaN(), Accuracy: math.NaN()}
	}
	lf, rf := m.NeuronFunctions()
	lt, rt := transpose(lf, m.HiddenDim, m.Order), transpose(rf, m.HiddenDim, m.Order)
	left, right := make([]int32, evalChunk), make([]int32, evalChunk)
	logits := make([]float32, evalChunk*m.Order)
	var loss float64
	correct := 0
	for lo := 0; lo < len(pairs); lo += evalChunk {
		chunk := pairs[lo:min(lo+evalChunk, len(pairs))]
		for i, p := range chunk {
			l, r := d.Pair(int(p))
			left[i], right[i] = int32(l), int32(r)
		}
		b := len(chunk)
		m.forward(logits[:b*m.Order], lt, rt, left[:b], right[:b], ablate)
		for i, p := range chunk {
			row := logits[i*m.Order:][:m.Order]
			target := int(d.Target[p])
			loss += crossEntropy(row, target)
			if argmax(row) == target {
				correct++
			}
		}
	}
	return Metrics{Loss: loss / float64(len(pairs)), Accuracy: float64(correct) / float64(len(pairs))}
}

func crossEntropy(logits []float32, target int) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	s := 0.0
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s) - float64(logits[target])
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

// epochMetadata is the safetensors metadata of a checkpoint.
func epochMetadata(epoch int) map[string]string {
	return map[string]string{"epoch": strconv.Itoa(epoch), "format": "sn-grok SnMLP"}
}
