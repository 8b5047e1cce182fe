package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
)

// ErrUnsupportedModel is returned (wrapped, naming the model_type and the
// supported ones) for a config.json of an architecture the engine lacks.
var ErrUnsupportedModel = errors.New("model: unsupported architecture")

// NormKind selects the normalisation of an architecture.
type NormKind int

const (
	LayerNorm NormKind = iota // torch.nn.LayerNorm with weight and bias
	RMSNorm                   // LlamaRMSNorm: weight · x / sqrt(mean(x²) + eps)
)

// Activation names an MLP activation function as Hugging Face's ACT2FN does.
type Activation string

var activations = map[Activation]bool{
	"gelu": true, "gelu_new": true, "gelu_pytorch_tanh": true, "gelu_fast": true,
	"quick_gelu": true, "silu": true, "swish": true, "relu": true,
}

// RopeScaling is the rope_scaling block of a config. Type is "" (none),
// "linear", "dynamic" or "llama3".
type RopeScaling struct {
	Type          string
	Factor        float64
	LowFreqFactor float64
	HighFreq      float64
	OriginalMax   int
}

// Config is an architecture's hyperparameters, read from a Hugging Face
// config.json and normalised across model types. What an architecture does
// differently is said by its fields (GatedMLP, ParallelResidual,
// LearnedPositions, the biases), never by ModelType, so that the forward
// pass and the tools built on Config work for any architecture that sets
// them.
type Config struct {
	// ModelType is the config's model_type, one of the architectures
	// registered in arch.go.
	ModelType    string
	Vocab        int
	Hidden       int
	Layers       int
	Heads        int
	KVHeads      int
	HeadDim      int
	Intermediate int
	// MaxPositions is max_position_embeddings (n_positions for GPT-2).
	MaxPositions int
	Norm         NormKind
	NormEps      float64
	Act          Activation
	// ParallelResidual is GPT-NeoX's use_parallel_residual:
	// x + attn(ln1(x)) + mlp(ln2(x)) instead of two sequential residuals.
	ParallelResidual bool
	// GatedMLP is a gated MLP (Llama's): down(act(gate(x)) · up(x)),
	// instead of down(act(up(x))).
	GatedMLP bool
	// LearnedPositions is a learned table of absolute position embeddings
	// (GPT-2's wpe), added to the token embeddings.
	LearnedPositions bool
	// RotaryDim is the number of rotated dimensions per head (0 for learned
	// absolute positions, as in GPT-2).
	RotaryDim   int
	RopeTheta   float64
	RopeScaling RopeScaling
	// AttnBias is the bias of the attention projections, MLPBias of the MLP.
	AttnBias bool
	MLPBias  bool
	// ScaleAttn divides attention scores by sqrt(HeadDim) (GPT-2's
	// scale_attn_weights; always on for the others); ScaleByLayer further
	// divides by the layer index plus one.
	ScaleAttn    bool
	ScaleByLayer bool
	TieEmbed     bool
	// BOS and EOS are the config's token ids, -1 when absent. EOS lists every
	// id when the config gives several.
	BOS int
	EOS []int
	// TorchDType is the config's torch_dtype, informational.
	TorchDType string
}

// PositionLimit is the longest sequence the model accepts: MaxPositions,
// extended by the factor for dynamic NTK scaling, which exists to run past
// the trained length.
func (c *Config) PositionLimit() int {
	if c.RopeScaling.Type == "dynamic" && c.RopeScaling.Factor > 1 {
		return int(float64(c.MaxPositions) * c.RopeScaling.Factor)
	}
	return c.MaxPositions
}

// ReadConfig reads and validates a Hugging Face config.json.
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the contents of a config.json.
func ParseConfig(data []byte) (*Config, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("model: config is not a JSON object: %v", err)
	}
	r := &reader{m: raw}
	c := &Config{ModelType: r.str("model_type", "")}
	arch, ok := architectures[c.ModelType]
	if !ok {
		return nil, fmt.Errorf("%w %q (model_type); %s", ErrUnsupportedModel, c.ModelType, supportedText())
	}
	arch.config(r, c)
	c.BOS = r.int("bos_token_id", -1)
	c.EOS = r.ints("eos_token_id")
	c.TorchDType = r.str("torch_dtype", "")
	if err := r.err(); err != nil {
		return nil, err
	}
	if err := c.validate(r.problems); err != nil {
		return nil, err
	}
	return c, nil
}

// validate checks what every architecture needs of a config, after the
// problems its own config function found.
func (c *Config) validate(problems []string) error {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, f := range []struct {
		name string
		v    int
	}{{"vocab size", c.Vocab}, {"hidden size", c.Hidden}, {"layer count", c.Layers}, {"head count", c.Heads},
		{"key/value head count", c.KVHeads}, {"head dim", c.HeadDim}, {"intermediate size", c.Intermediate},
		{"max positions", c.MaxPositions}} {
		if f.v <= 0 {
			bad("%s %d must be positive", f.name, f.v)
		}
	}
	if c.KVHeads > 0 && c.Heads%c.KVHeads != 0 {
		bad("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.RotaryDim%2 != 0 || c.RotaryDim > c.HeadDim || c.RotaryDim < 0 {
		bad("rotary dimension %d must be even and at most the head dim %d", c.RotaryDim, c.HeadDim)
	}
	if !activations[c.Act] {
		names := make([]string, 0, len(activations))
		for a := range activations {
			names = append(names, string(a))
		}
		sort.Strings(names)
		bad("unsupported activation %q (supported: %s)", c.Act, strings.Join(names, ", "))
	}
	if c.NormEps <= 0 || math.IsNaN(c.NormEps) {
		bad("normalisation eps %g must be positive", c.NormEps)
	}
	switch s := c.RopeScaling; s.Type {
	case "", "default":
	case "linear", "dynamic":
		if s.Factor <= 0 {
			bad("rope_scaling factor %g must be positive", s.Factor)
		}
	case "llama3":
		if s.Factor <= 0 || s.OriginalMax <= 0 || s.HighFreq <= s.LowFreqFactor {
			bad("llama3 rope_scaling needs factor > 0, original_max_position_embeddings > 0 and high_freq_factor > low_freq_factor")
		}
	default:
		bad("unsupported rope_scaling type %q (supported: linear, dynamic, llama3)", s.Type)
	}
	if len(problems) > 0 {
		return fmt.Errorf("model: %s config: %s", c.ModelType, strings.Join(problems, "; "))
	}
	return nil
}

// reader reads typed fields from a decoded config, remembering type errors
// (and an architecture's own problems with the values) so that parsing
// code stays linear.
type reader struct {
	m        map[string]any
	errs     []string // fields of the wrong type
	problems []string // values an architecture rejects, reported with validate's
}

// invalid records a problem with the values, reported with those validate
// finds.
func (r *reader) invalid(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// splitHeads sets HeadDim for an architecture whose heads split the hidden
// size (no head_dim key), noting a hidden size the heads do not divide.
func (r *reader) splitHeads(c *Config) {
	if c.Heads <= 0 {
		return
	}
	c.HeadDim = c.Hidden / c.Heads
	if c.Hidden%c.Heads != 0 {
		r.invalid("hidden size %d is not divisible by the head count %d", c.Hidden, c.Heads)
	}
}

func (r *reader) fail(key string, v any, want string) {
	shown, err := json.Marshal(v) // as the config spells it: "12" is a string
	if err != nil {
		shown = []byte(fmt.Sprint(v))
	}
	r.errs = append(r.errs, fmt.Sprintf("field %q is %s, expected %s", key, shown, want))
}

func (r *reader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("model: config: %s", strings.Join(r.errs, "; "))
}

func (r *reader) int(key string, def int) int {
	v, ok := r.m[key]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<40 {
		r.fail(key, v, "an integer")
		return def
	}
	return int(f)
}

func (r *reader) ints(key string) []int {
	v, ok := r.m[key]
	if !ok || v == nil {
		return nil
	}
	if f, ok := v.(float64); ok && f == math.Trunc(f) {
		return []int{int(f)}
	}
	list, ok := v.([]any)
	if !ok {
		r.fail(key, v, "an integer or a list of integers")
		return nil
	}
	var out []int
	for _, e := range list {
		f, ok := e.(float64)
		if !ok || f != math.Trunc(f) {
			r.fail(key, v, "a list of integers")
			return nil
		}
		out = append(out, int(f))
	}
	return out
}

func (r *reader) float(key string, def float64) float64 {
	v, ok := r.m[key]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok {
		r.fail(key, v, "a number")
		return def
	}
	return f
}

func (r *reader) bool(key string, def bool) bool {
	v, ok := r.m[key]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		r.fail(key, v, "true or false")
		return def
	}
	return b
}

func (r *reader) str(key, def string) string {
	v, ok := r.m[key]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		r.fail(key, v, "a string")
		return def
	}
	return s
}

func (r *reader) ropeScaling() RopeScaling {
	v, ok := r.m["rope_scaling"]
	if !ok || v == nil {
		return RopeScaling{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.fail("rope_scaling", v, "an object")
		return RopeScaling{}
	}
	sub := &reader{m: m}
	s := RopeScaling{
		Type:          sub.str("rope_type", sub.str("type", "")),
		Factor:        sub.float("factor", 1),
		LowFreqFactor: sub.float("low_freq_factor", 1),
		HighFreq:      sub.float("high_freq_factor", 4),
		OriginalMax:   sub.int("original_max_position_embeddings", 0),
	}
	for _, e := range sub.errs {
		r.errs = append(r.errs, "rope_scaling: "+e)
	}
	return s
}
