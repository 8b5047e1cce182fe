package model

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

	ckpt  *safetensors.Checkpoint
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

	mu         sync.Mutex
	workspaces []*workspace
}

// Load reads a Hugging Face model directory: config.json and the
// safetensors weights (single file or sharded). Weights keep their stored
// dtype unless opts.DType says otherwise; those that need no conversion are
// not copied but read from the memory-mapped files.
func Load(dir string, opts *Options) (*Model, error) {
	if opts == nil {
		opts = &Options{}
	}
	switch opts.DType {
	case Auto, Float32, BF16, F16:
	default:
		return nil, fmt.Errorf("model: dtype %q: expected f32, bf16 or f16", opts.DType)
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("model: %s: expected a model directory with config.json and safetensors weights", dir)
	}
	cfg, err := ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	if architectures[cfg.ModelType].bind == nil {
		return nil, fmt.Errorf("%s: %w %q: its configs are read, but the engine does not run it; %s", dir, ErrUnsupportedModel, cfg.ModelType, supportedText())
	}
	ckpt, err := safetensors.OpenCheckpoint(dir)
	if err != nil {
		if pickled, _ := filepath.Glob(filepath.Join(dir, "pytorch_model*.bin")); len(pickled) > 0 {
			return nil, fmt.Errorf("%w (the directory has PyTorch pickle weights, which fmkit does not read: convert them to safetensors, or use a revision of the model that has them)", err)
		}
		return nil, err
	}
	if err := checkMemory(ckpt, opts); err != nil {
		ckpt.Close()
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	m := &Model{Config: *cfg, Dir: dir, ckpt: ckpt}
	b := &binder{ckpt: ckpt, dtype: opts.DType, used: map[string]bool{}}
	architectures[cfg.ModelType].bind(m, b)
	m.unused = b.checkUnused(cfg.Layers)
	if err := b.err(); err != nil {
		ckpt.Close()
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	m.bytes = b.bytes
	m.dtype = m.head.w.dtype
	m.prepack()
	m.rope = newRope(cfg)
	return m, nil
}

// Close releases the mapped weight files. The model must not be used after.
func (m *Model) Close() error { return m.ckpt.Close() }

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
func checkMemory(ckpt *safetensors.Checkpoint, opts *Options) error {
	var need int64
	for _, name := range ckpt.Names() {
		t, _ := ckpt.Tensor(name)
		size := int64(t.DType.Size())
		switch opts.DType {
		case Float32:
			size = 4
		case BF16, F16:
			if size == 4 {
				size = 2
			}
		}
		need += t.NumElements() * size
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
