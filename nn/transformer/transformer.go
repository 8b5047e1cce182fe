// Package transformer builds the decoders fmkit's engine runs — GPT-NeoX
// (Pythia), Llama and GPT-2 — as trainable networks of package nn, from the
// same Hugging Face config.json and safetensors checkpoints, and writes them
// back in the same layout, so that a model trained here runs unchanged under
// `fmkit generate` and `fmkit eval`.
//
// # Parameters
//
// Projections that the forward pass multiplies by the same input are kept
// fused, as one GEMM each: Llama's q_proj, k_proj and v_proj are one
// [(heads + 2·kv_heads)·head_dim, hidden] matrix and its gate_proj and
// up_proj one [2·intermediate, hidden] matrix; GPT-2's Conv1D weights
// ([in, out]) are transposed to the torch.nn.Linear layout on load and back
// on save. Model.Bindings says which rows of which parameter hold each
// checkpoint tensor.
//
// # Weight decay
//
// Biases and normalisation weights carry NoDecay, as Hugging Face's Trainer
// leaves them out of weight decay; everything else, embeddings and the LM
// head included, decays.
package transformer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn"
)

// Dropout holds the dropout probabilities of a model's sites. Hugging Face
// configs name them per architecture (GPT-2's embd_pdrop, resid_pdrop,
// attn_pdrop; GPT-NeoX's hidden_dropout and attention_dropout; Llama's
// attention_dropout); missing ones are 0.
type Dropout struct {
	Embed, Residual, Attention float64
}

// Model is a decoder whose parameters are nn tensors of element type T.
type Model[T nn.Float] struct {
	Config  *model.Config
	Dropout Dropout

	Embed     *nn.Embedding[T]
	Positions *nn.Embedding[T] // GPT-2's learned positions; nil otherwise
	Layers    []*Layer[T]
	FinalNorm norm[T]
	// Head is the LM head; with tied embeddings it is Embed's table.
	Head *nn.Param[T]

	scaledInit func(name string) bool
	params     []*nn.Param[T]
	bindings   []Binding[T]
}

// Layer is one decoder block.
type Layer[T nn.Float] struct {
	AttnNorm, MLPNorm norm[T]
	Attn              *nn.SelfAttention[T]
	MLP               *nn.MLP[T]
}

// norm is LayerNorm or RMSNorm, whichever the architecture uses.
type norm[T nn.Float] struct {
	ln  *nn.LayerNorm[T]
	rms *nn.RMSNorm[T]
}

func (n norm[T]) forward(g *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	if n.rms != nil {
		return n.rms.Forward(g, x)
	}
	return n.ln.Forward(g, x)
}

func (n norm[T]) params() []*nn.Param[T] {
	if n.rms != nil {
		return n.rms.Params()
	}
	return n.ln.Params()
}

// Binding places one checkpoint tensor in a parameter: rows [Row,
// Row+Rows) of Param hold it, transposed when Transposed is set (GPT-2's
// Conv1D stores [in, out]).
type Binding[T nn.Float] struct {
	Name       string
	Param      *nn.Param[T]
	Row, Rows  int
	Transposed bool
}

// New returns a model of the given architecture initialised as Hugging
// Face's _init_weights does (with fmkit's random numbers): linear and
// embedding weights from N(0, 0.02²), GPT-2's residual output projections
// from N(0, (0.02/√(2·layers))²), biases zero, norms one. initStd ≤ 0
// means 0.02 (the configs' initializer_range default).
func New[T nn.Float](cfg *model.Config, initStd float64, seed uint64) (*Model[T], error) {
	if initStd <= 0 {
		initStd = 0.02
	}
	m, err := build[T](cfg)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6e))
	for _, p := range m.params {
		switch {
		case p.NoDecay && isNormWeight(p.Name):
			nn.Fill(p, 1)
		case p.NoDecay:
			nn.Fill(p, 0)
		case m.scaledInit(p.Name):
			nn.FillNormal(p, initStd/math.Sqrt(2*float64(cfg.Layers)), rng)
		default:
			nn.FillNormal(p, initStd, rng)
		}
	}
	return m, nil
}

// Params returns every parameter once, in a fixed order.
func (m *Model[T]) Params() []*nn.Param[T] { return m.params }

// Bindings returns where each checkpoint tensor lives.
func (m *Model[T]) Bindings() []Binding[T] { return m.bindings }

// NumParams returns the number of trainable values.
func (m *Model[T]) NumParams() int {
	n := 0
	for _, p := range m.params {
		n += p.Len()
	}
	return n
}

// architecture is what nn/transformer knows of one model_type: how to
// build its blocks, the name of its untied LM head, and which weights
// Hugging Face initialises scaled down by 1/√(2·layers).
type architecture[T nn.Float] struct {
	build      func(*Model[T]) error
	head       string
	scaledInit func(name string) bool
}

// architectures is the one table of trainable model types. Adding one
// means a file with its build function and a line here.
func architectures[T nn.Float]() map[string]architecture[T] {
	none := func(string) bool { return false }
	return map[string]architecture[T]{
		"gpt_neox": {build: buildNeoX[T], head: "embed_out.weight", scaledInit: none},
		"llama":    {build: buildLlama[T], head: "lm_head.weight", scaledInit: none},
		"gpt2":     {build: buildGPT2[T], head: "lm_head.weight", scaledInit: isResidualOut},
	}
}

// build makes the model's structure with zero parameters.
func build[T nn.Float](cfg *model.Config) (*Model[T], error) {
	table := architectures[T]()
	arch, ok := table[cfg.ModelType]
	if !ok {
		names := make([]string, 0, len(table))
		for n := range table {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("transformer: cannot build model_type %q (supported: %s): %w", cfg.ModelType, strings.Join(names, ", "), model.ErrUnsupportedModel)
	}
	m := &Model[T]{Config: cfg, scaledInit: arch.scaledInit}
	if err := arch.build(m); err != nil {
		return nil, err
	}
	if cfg.TieEmbed {
		m.Head = m.Embed.Weight
	} else {
		m.Head = param[T](arch.head, cfg.Vocab, cfg.Hidden)
		m.bind(arch.head, m.Head, false)
	}
	m.collect()
	return m, nil
}

// collect lists the parameters in order, each once.
func (m *Model[T]) collect() {
	seen := map[*nn.Param[T]]bool{}
	add := func(ps ...*nn.Param[T]) {
		for _, p := range ps {
			if p != nil && !seen[p] {
				seen[p] = true
				m.params = append(m.params, p)
			}
		}
	}
	add(m.Embed.Params()...)
	if m.Positions != nil {
		add(m.Positions.Params()...)
	}
	for _, l := range m.Layers {
		add(l.AttnNorm.params()...)
		add(l.Attn.Params()...)
		add(l.MLPNorm.params()...)
		add(l.MLP.Params()...)
	}
	add(m.FinalNorm.params()...)
	add(m.Head)
}

func param[T nn.Float](name string, shape ...int) *nn.Param[T] {
	return &nn.Param[T]{Name: name, Tensor: nn.New[T](shape...).SetRequiresGrad(true)}
}

// linear returns a Linear layer without initialisation; bias params are
// NoDecay.
func linear[T nn.Float](name string, in, out int, bias bool) *nn.Linear[T] {
	l := &nn.Linear[T]{Weight: param[T](name+".weight", out, in)}
	if bias {
		l.Bias = param[T](name+".bias", out)
		l.Bias.NoDecay = true
	}
	return l
}

// bind records that checkpoint tensor name is all of p.
func (m *Model[T]) bind(name string, p *nn.Param[T], transposed bool) {
	m.bindings = append(m.bindings, Binding[T]{Name: name, Param: p, Row: 0, Rows: p.Dim(0), Transposed: transposed})
}

// bindRows records that checkpoint tensor name is rows [row, row+rows) of p.
func (m *Model[T]) bindRows(name string, p *nn.Param[T], row, rows int) {
	m.bindings = append(m.bindings, Binding[T]{Name: name, Param: p, Row: row, Rows: rows})
}

// bindLinear binds a Linear layer stored as prefix.weight (and .bias).
func (m *Model[T]) bindLinear(prefix string, l *nn.Linear[T], transposed bool) {
	m.bind(prefix+".weight", l.Weight, transposed)
	if l.Bias != nil {
		m.bind(prefix+".bias", l.Bias, false)
	}
}

func (m *Model[T]) newNorm(prefix string) norm[T] {
	c := m.Config
	if c.Norm == model.RMSNorm {
		n := &nn.RMSNorm[T]{Weight: param[T](prefix+".weight", c.Hidden), Eps: c.NormEps}
		n.Weight.NoDecay = true
		m.bind(prefix+".weight", n.Weight, false)
		return norm[T]{rms: n}
	}
	n := &nn.LayerNorm[T]{Weight: param[T](prefix+".weight", c.Hidden), Bias: param[T](prefix+".bias", c.Hidden), Eps: c.NormEps}
	n.Weight.NoDecay, n.Bias.NoDecay = true, true
	m.bind(prefix+".weight", n.Weight, false)
	m.bind(prefix+".bias", n.Bias, false)
	return norm[T]{ln: n}
}

func isNormWeight(name string) bool {
	for _, s := range []string{"layernorm.weight", "layer_norm.weight", "norm.weight", "ln_1.weight", "ln_2.weight", "ln_f.weight"} {
		if len(name) >= len(s) && name[len(name)-len(s):] == s {
			return true
		}
	}
	return false
}

func isResidualOut(name string) bool {
	for _, s := range []string{"attn.c_proj.weight", "mlp.c_proj.weight"} {
		if len(name) >= len(s) && name[len(name)-len(s):] == s {
			return true
		}
	}
	return false
}

// attention returns the attention block's spec from the config.
func attentionSpec(c *model.Config, layer int) nn.Attention {
	a := nn.Attention{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim, Scale: 1 / math.Sqrt(float64(c.HeadDim))}
	if !c.ScaleAttn {
		a.Scale = 1
	}
	if c.ScaleByLayer {
		a.Scale /= float64(layer + 1)
	}
	if c.RotaryDim > 0 {
		a.RoPE = &nn.RoPE{Dim: c.RotaryDim, InvFreq: c.RopeInvFreq()}
	}
	return a
}

func activation(c *model.Config) (nn.Activation, error) {
	a, err := nn.ActivationByName(string(c.Act))
	if err != nil {
		return 0, fmt.Errorf("transformer: %s config: %w", c.ModelType, err)
	}
	return a, nil
}

// shareRoPE makes every layer use one RoPE value, so its cos/sin table is
// computed once.
func (m *Model[T]) shareRoPE() {
	if len(m.Layers) == 0 || m.Layers[0].Attn.Spec.RoPE == nil {
		return
	}
	r := m.Layers[0].Attn.Spec.RoPE
	for _, l := range m.Layers {
		l.Attn.Spec.RoPE = r
	}
}
