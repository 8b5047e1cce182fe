package model

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tensor"
)

// GGUFOptions configures WriteGGUF. A nil *GGUFOptions means the defaults.
type GGUFOptions struct {
	// DType is the type weight matrices are written in: f32, bf16, f16,
	// q8_0, q4_0, q4_k, q5_k or q6_k. The default, Auto, keeps each tensor's stored
	// dtype (converting from a quantized checkpoint to f32). Norm weights
	// and biases are always written as F32, as llama.cpp's converter writes
	// them; a matrix whose rows are not whole blocks of a quantized format
	// is written in F16 and reported in the returned notes.
	DType DType
	// Progress, if set, is called after each tensor is written.
	Progress func(done, total int)
	// Tokenizer is the tokenizer metadata to write (tokenizer.* keys, as
	// tokenizer.GGUFMetadata makes them). When it is nil, a GGUF source's
	// tokenizer keys are copied; otherwise the file gets
	// tokenizer.ggml.model "no_vocab" and {arch}.vocab_size, which
	// llama.cpp runs from token ids.
	Tokenizer []gguf.KV
}

// WriteGGUF writes the model at path (a Hugging Face directory or a GGUF
// file, as Load reads) to w as a GGUF file that llama.cpp loads: metadata
// as llama.cpp's convert_hf_to_gguf.py writes it for the architecture
// (llama, gptneox or gpt2), tensors under llama.cpp's names and layouts,
// and the tokenizer opts.Tokenizer gives. Tensors are converted one at a
// time. It returns notes on what was not written as asked.
func WriteGGUF(ctx context.Context, w io.Writer, path string, opts *GGUFOptions) (notes []string, err error) {
	if opts == nil {
		opts = &GGUFOptions{}
	}
	if opts.DType != Auto && !contains(DTypes(), opts.DType) {
		return nil, fmt.Errorf("model: dtype %q: expected f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k", opts.DType)
	}
	cfg, src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	arch := architectures[cfg.ModelType].gguf
	if arch == nil {
		return nil, fmt.Errorf("%s: %w: %q has no GGUF form; supported: %s", path, ErrUnsupportedModel, cfg.ModelType, strings.Join(ggufArchitectures(), ", "))
	}
	archMeta, err := arch.meta(cfg, ggufKeys(arch.name))
	if err != nil {
		return nil, fmt.Errorf("%s: model: %v", path, err)
	}
	meta := []gguf.KV{
		{Key: "general.architecture", Value: gguf.StringValue(arch.name)},
		{Key: "general.name", Value: gguf.StringValue(filepath.Base(path))},
	}
	meta = append(meta, archMeta...)
	tok := opts.Tokenizer
	if tok == nil {
		if tok, err = ggufTokenizer(path, cfg, arch.name); err != nil {
			return nil, err
		}
	}
	meta = append(meta, tok...)

	var tensors []gguf.TensorData
	for _, n := range arch.tensors(cfg) {
		t, ok := src.Tensor(n.hf)
		if _, base, cut := strings.Cut(n.hf, "."); !ok && cut {
			// Base-model checkpoints (GPT2Model, LlamaModel) drop the
			// first component, as the binder allows.
			t, ok = src.Tensor(base)
		}
		if !ok {
			continue
		}
		td, note, err := ggufTensor(n, t, cfg, opts.DType)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if note != "" {
			notes = append(notes, note)
		}
		done := len(tensors) + 1
		source := td.Source
		td.Source = func() ([]byte, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			data, err := source()
			if err == nil && opts.Progress != nil {
				opts.Progress(done, len(tensors))
			}
			return data, err
		}
		tensors = append(tensors, td)
	}
	return notes, gguf.Write(w, meta, tensors)
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// ggufTensor plans one tensor: its GGUF name, shape and type, and a Source
// that converts it when the writer gets to it.
func ggufTensor(n ggufTensorName, t safetensors.Tensor, cfg *Config, want DType) (gguf.TensorData, string, error) {
	stored, ok := storedDType(t.DType)
	if !ok {
		return gguf.TensorData{}, "", fmt.Errorf("model: tensor %q has dtype %s; supported: F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K", n.hf, t.DType)
	}
	shape := t.Shape
	if len(shape) == 1 {
		return gguf.TensorData{Name: n.gguf, Dims: []uint64{uint64(shape[0])}, Type: gguf.F32, Source: func() ([]byte, error) {
			return encodeF32(ggufRows(n.layout, cfg, widen(t, stored, 1, shape[0]), shape[0], 1)), nil
		}}, "", nil
	}
	if len(shape) != 2 {
		return gguf.TensorData{}, "", fmt.Errorf("model: tensor %q has shape %v; expected a vector or a matrix", n.hf, shape)
	}
	rows, cols := shape[0], shape[1]
	if n.layout == ggufConv1D {
		rows, cols = cols, rows
	}
	if want == Auto {
		want = stored
		if stored.Quantized() {
			want = Float32
		}
	}
	var note string
	if qt, ok := want.qtype(); ok && cols%qt.BlockSize() != 0 {
		note = fmt.Sprintf("tensor %q: rows of %d are not a whole number of %s blocks of %d; written as F16", n.gguf, cols, want, qt.BlockSize())
		want = F16
	}
	gtype := map[DType]gguf.TensorType{Float32: gguf.F32, BF16: gguf.BF16, F16: gguf.F16, Q8_0: gguf.Q8_0, Q4_0: gguf.Q4_0, Q4_K: gguf.Q4_K, Q5_K: gguf.Q5_K, Q6_K: gguf.Q6_K}[want]
	convert := func() ([]byte, error) {
		wide := widen(t, stored, shape[0], shape[1])
		wide = ggufRows(n.layout, cfg, wide, shape[0], shape[1])
		return encodeMatrix(want, wide, rows, cols), nil
	}
	return gguf.TensorData{Name: n.gguf, Dims: []uint64{uint64(cols), uint64(rows)}, Type: gtype, Source: convert}, note, nil
}

// ggufRows rearranges a Hugging Face matrix (rows × cols as stored) into
// GGUF's layout: Conv1D transposed, permuted rows moved.
func ggufRows(layout ggufLayout, cfg *Config, w []float32, rows, cols int) []float32 {
	switch layout {
	case ggufSame:
		return w
	case ggufConv1D:
		out := make([]float32, len(w))
		for i := range rows {
			for j := range cols {
				out[j*rows+i] = w[i*cols+j]
			}
		}
		return out
	}
	perm := ggufRowOrder(layout, cfg, rows)
	out := make([]float32, len(w))
	for hf, g := range perm {
		copy(out[g*cols:(g+1)*cols], w[hf*cols:(hf+1)*cols])
	}
	return out
}

func encodeF32(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out
}

func encodeMatrix(d DType, w []float32, rows, cols int) []byte {
	if qt, ok := d.qtype(); ok {
		return quantizeRows(qt, w, rows, cols)
	}
	switch d {
	case BF16:
		h := make([]tensor.BF16, len(w))
		tensor.Float32ToBF16(h, w)
		return encodeHalves(h)
	case F16:
		h := make([]tensor.F16, len(w))
		tensor.Float32ToF16(h, w)
		return encodeHalves(h)
	}
	return encodeF32(w)
}

func encodeHalves[T ~uint16](h []T) []byte {
	out := make([]byte, 2*len(h))
	for i, v := range h {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out
}

// ggufTokenizer returns the tokenizer keys of a GGUF source, or
// "no_vocab" with the vocabulary size and config.json's bos and eos.
func ggufTokenizer(path string, cfg *Config, arch string) ([]gguf.KV, error) {
	if IsGGUF(path) {
		f, err := gguf.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var kv []gguf.KV
		for _, e := range f.KV {
			if strings.HasPrefix(e.Key, "tokenizer.") {
				kv = append(kv, e)
			}
		}
		if len(kv) > 0 {
			return kv, nil
		}
	}
	kv := []gguf.KV{
		{Key: "tokenizer.ggml.model", Value: gguf.StringValue("no_vocab")},
		{Key: arch + ".vocab_size", Value: gguf.Uint32Value(uint32(cfg.Vocab))},
	}
	if cfg.BOS >= 0 && cfg.BOS < cfg.Vocab {
		kv = append(kv, gguf.KV{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Uint32Value(uint32(cfg.BOS))})
	}
	if len(cfg.EOS) > 0 && cfg.EOS[0] >= 0 && cfg.EOS[0] < cfg.Vocab {
		kv = append(kv, gguf.KV{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Uint32Value(uint32(cfg.EOS[0]))})
	}
	return kv, nil
}
