package model

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// Options configures Load. A nil *Options means the defaults.
type Options struct {
	// DType converts weight matrices to f32, bf16 or f16 at load time. The
	// default, Auto, keeps the checkpoint's dtype and reads the weights in
	// place from the mapped file.
	DType DType
	// MemoryLimit is the number of bytes the weights may take. The default,
	// 0, uses MemAvailable from /proc/meminfo where it exists, so that a model
	// larger than free memory fails with a clear error instead of swapping or
	// being killed.
	MemoryLimit int64
	// BF16Activations rounds the activations to bfloat16 in the products
	// of several rows (prefill, scoring) with bfloat16 weights, as
	// llama.cpp does, so that CPUs with AVX512_BF16 multiply them with
	// VDPBF16PS (tensor.GemmBF16Rounded): about 1.5 times the prefill
	// speed on Zen 4, at the cost of about 2⁻⁹ relative error in every
	// activation, which the default, float32 activations, does not have.
	BF16Activations bool
}

// ErrTooLarge is returned (wrapped, with the sizes) when a model's weights
// do not fit in the memory available.
var ErrTooLarge = errors.New("model: not enough memory")

// norm is a LayerNorm (weight and bias) or RMSNorm (weight only).
type norm struct {
	weight, bias []float32
}

// layer holds one decoder block's weights. qkv holds one fused projection
// (GPT-NeoX, GPT-2) or three (Llama's q, k, v), which write side by side into
// the step's qkv buffer. gate is bound when Config.GatedMLP is set.
type layer struct {
	attnNorm, mlpNorm norm
	qkv               []linear
	out               linear
	up, gate, down    linear
}

// Model is a loaded checkpoint. Its weights are immutable, so one Model may
// serve any number of goroutines, each running Forward on its own sequences.
type Model struct {
	Config Config
	// Dir is the directory the model was loaded from.
	Dir string

	ckpt  source
	embed matrix // [vocab, hidden]; unused when embedPacked is set
	// embedPacked is the packed tied output layer (op(B) = embedᵀ), read
	// for embedding lookups of tied float32 models.
	embedPacked *tensor.PackedB
	positions   matrix // learned positions [max, hidden], GPT-2 only
	layers      []layer
	finalNorm   norm
	head        linear
	layout      qkvLayout
	rope        *rope
	bytes       int64 // weight bytes held
	dtype       DType
	unused      []string // checkpoint tensors not bound (see UnusedTensors)
	notes       []string // conversions not done (see Notes)

	mu         sync.Mutex
	workspaces []*workspace
}

// Load reads a Hugging Face model directory: config.json and the
// safetensors weights (single file or sharded), or a GGUF file (v2 or v3,
// architectures llama, gptneox and gpt2, tensors in F32, F16, BF16, Q8_0,
// Q4_0 or Q4_K) given by its path or as the one .gguf file of a directory
// without config.json. Weights keep their stored dtype unless opts.DType
// says otherwise; those that need no conversion are not copied but read
// from the memory-mapped files.
func Load(path string, opts *Options) (*Model, error) {
	if opts == nil {
		opts = &Options{}
	}
	if opts.DType != Auto && !slices.Contains(DTypes(), opts.DType) {
		return nil, fmt.Errorf("model: dtype %q: expected f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k", opts.DType)
	}
	cfg, ckpt, err := openSource(path)
	if err != nil {
		return nil, err
	}
	if err := checkMemory(ckpt, opts); err != nil {
		ckpt.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := &Model{Config: *cfg, Dir: path, ckpt: ckpt}
	b := &binder{ckpt: ckpt, dtype: opts.DType, roundBF16: opts.BF16Activations, used: map[string]bool{}}
	if g, ok := ckpt.(*ggufSource); ok {
		b.conv1DRowsOut = true
		m.unused = g.unmatched()
	}
	architectures[cfg.ModelType].bind(m, b)
	m.unused = append(m.unused, b.checkUnused(cfg.Layers)...)
	if err := b.err(); err != nil {
		ckpt.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.notes = b.notes
	m.bytes = b.bytes
	m.dtype = m.head.w.dtype
	m.prepack()
	m.rope = newRope(cfg)
	return m, nil
}

// openSource opens a model directory or GGUF file and reads its Config.
func openSource(path string) (*Config, source, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: expected a model directory with config.json and safetensors weights, or a GGUF file", path)
	}
	if !info.IsDir() {
		if !IsGGUF(path) {
			return nil, nil, fmt.Errorf("model: %s: expected a model directory with config.json and safetensors weights, or a GGUF file", path)
		}
		return openGGUF(path)
	}
	if _, err := os.Stat(filepath.Join(path, "config.json")); err != nil {
		if files, _ := filepath.Glob(filepath.Join(path, "*.gguf")); len(files) == 1 {
			return openGGUF(files[0])
		}
	}
	cfg, err := ReadConfig(filepath.Join(path, "config.json"))
	if err != nil {
		return nil, nil, err
	}
	if architectures[cfg.ModelType].bind == nil {
		return nil, nil, fmt.Errorf("%s: %w %q: its configs are read, but the engine does not run it; %s", path, ErrUnsupportedModel, cfg.ModelType, supportedText())
	}
	ckpt, err := safetensors.OpenCheckpoint(path)
	if err != nil {
		if pickled, _ := filepath.Glob(filepath.Join(path, "pytorch_model*.bin")); len(pickled) > 0 {
			return nil, nil, fmt.Errorf("%w (the directory has PyTorch pickle weights, which fmkit does not read: convert them to safetensors, or use a revision of the model that has them)", err)
		}
		return nil, nil, err
	}
	if err := checkLayerCount(cfg, len(ckpt.Names())); err != nil {
		ckpt.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, ckpt, nil
}

// checkLayerCount refuses a config with more layers than the checkpoint
// has tensors (every layer has several) before anything is allocated per
// layer: a layer count of four billion in config.json or GGUF metadata
// otherwise runs the process out of memory.
func checkLayerCount(cfg *Config, tensors int) error {
	if cfg.Layers > tensors {
		return fmt.Errorf("model: the config has %d layers, but the checkpoint holds only %d tensors (missing tensors, or a wrong layer count)", cfg.Layers, tensors)
	}
	return nil
}

func openGGUF(path string) (*Config, source, error) {
	src, err := openGGUFSource(path)
	if err != nil {
		return nil, nil, err
	}
	return src.cfg, src, nil
}

// Notes lists what Load was asked to do and did not: a tensor left in its
// stored dtype because its rows are not whole blocks of the requested
// quantized format (llama-quantize leaves such tensors alike). Callers
// should tell the user.
func (m *Model) Notes() []string { return m.notes }

// Close releases the mapped weight files. The model must not be used after.
func (m *Model) Close() error { return m.ckpt.Close() }

// GGUFFile is the GGUF file the weights were read from: Dir itself, or the
// one .gguf file of a directory without config.json; "" for a safetensors
// checkpoint.
func (m *Model) GGUFFile() string {
	if g, ok := m.ckpt.(*ggufSource); ok {
		return g.path
	}
	return ""
}

// UnusedTensors lists the checkpoint's tensors the model does not use,
// other than the buffers Hugging Face checkpoints are known to carry
// (causal masks, rotary frequencies): a value head, an adapter, or a
// checkpoint of another architecture. Callers should tell the user.
func (m *Model) UnusedTensors() []string { return m.unused }

// WeightBytes returns the bytes of weights the model holds, mapped or
// allocated.
func (m *Model) WeightBytes() int64 { return m.bytes }

// DType returns the dtype the weight matrices are held in.
func (m *Model) DType() DType { return m.dtype }

// checkMemory compares the bytes the weights will take in the requested
// dtype with the memory available, before anything is read or allocated.
func checkMemory(src source, opts *Options) error {
	var need int64
	for _, t := range storedSizes(src) {
		switch qt, quantized := opts.DType.qtype(); {
		case opts.DType == Float32:
			need += 4 * t.elements
		case opts.DType == BF16 || opts.DType == F16:
			need += min(t.bytes, 2*t.elements)
		case quantized:
			need += t.elements * int64(qt.BlockBytes()) / int64(qt.BlockSize())
		default:
			need += t.bytes
		}
	}
	limit := opts.MemoryLimit
	if limit == 0 {
		avail, err := memAvailable()
		if err != nil {
			return nil // no way to know: let the OS decide
		}
		limit = avail
	}
	if need > limit {
		return fmt.Errorf("%w: the weights need %.2f GiB, only %.2f GiB of memory is available", ErrTooLarge, gib(need), gib(limit))
	}
	return nil
}

func gib(n int64) float64 { return float64(n) / (1 << 30) }

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no MemAvailable in /proc/meminfo")
}
