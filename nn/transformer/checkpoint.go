package transformer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/safetensors"
)

// ErrMissingTensor is returned (wrapped, with the tensor's name) when a
// checkpoint lacks a tensor the architecture needs.
var ErrMissingTensor = errors.New("transformer: checkpoint lacks a tensor")

// ConfigFile and WeightsFile are the names Save writes, as Hugging Face's
// save_pretrained does.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// ReadConfig reads a config.json and returns both the parsed config and its
// raw bytes (kept so that Save writes back every field, including those
// fmkit does not read).
func ReadConfig(path string) (*model.Config, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: %w", err)
	}
	cfg, err := model.ParseConfig(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: %s: %w", path, err)
	}
	return cfg, raw, nil
}

// Load reads a model directory (config.json and model.safetensors, or a
// sharded checkpoint) into a trainable model. Tensors of any float dtype
// are converted to T. It also returns the names of checkpoint tensors the
// model does not use (buffers such as GPT-2's attn.bias, or a stored copy of
// a tied head), for the caller to report.
func Load[T nn.Float](dir string) (m *Model[T], unused []string, err error) {
	cfg, _, err := ReadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, nil, err
	}
	m, err = build[T](cfg)
	if err != nil {
		return nil, nil, err
	}
	ckpt, err := safetensors.OpenCheckpoint(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: %w", err)
	}
	defer ckpt.Close()
	unused, err = m.LoadWeights(ckpt)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: %s: %w", dir, err)
	}
	return m, unused, nil
}

// LoadWeights copies every bound tensor from ckpt into the parameters and
// returns the names of the checkpoint's other tensors. GPT-2 tensors may
// be named with or without the "transformer." prefix.
func (m *Model[T]) LoadWeights(ckpt *safetensors.Checkpoint) (unused []string, err error) {
	used := map[string]bool{}
	for _, b := range m.bindings {
		name := b.Name
		t, ok := ckpt.Tensor(name)
		if !ok && strings.HasPrefix(name, "transformer.") {
			name = strings.TrimPrefix(name, "transformer.")
			t, ok = ckpt.Tensor(name)
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s (needed by a %s model)", ErrMissingTensor, b.Name, m.Config.ModelType)
		}
		used[name] = true
		if err := b.load(t); err != nil {
			return nil, err
		}
	}
	for _, n := range ckpt.Names() {
		if !used[n] {
			unused = append(unused, n)
		}
	}
	return unused, nil
}

// shape is the checkpoint's shape of the bound tensor.
func (b Binding[T]) shape() []int {
	cols := 1
	if b.Param.Dims() == 2 {
		cols = b.Param.Dim(1)
	}
	switch {
	case b.Param.Dims() == 1:
		return []int{b.Rows}
	case b.Transposed:
		return []int{cols, b.Rows}
	}
	return []int{b.Rows, cols}
}

func (b Binding[T]) load(t safetensors.Tensor) error {
	want := b.shape()
	if !slices.Equal(t.Shape, want) {
		return fmt.Errorf("tensor %s has shape %v, expected %v for this config", b.Name, t.Shape, want)
	}
	var src []float64
	var err error
	src, err = t.ToFloat64()
	if err != nil {
		return fmt.Errorf("tensor %s: %w", b.Name, err)
	}
	cols := 1
	if b.Param.Dims() == 2 {
		cols = b.Param.Dim(1)
	}
	dst := b.Param.Data()[b.Row*cols : (b.Row+b.Rows)*cols]
	if !b.Transposed {
		for i, v := range src {
			dst[i] = T(v)
		}
		return nil
	}
	// stored [cols, rows] ([in, out]); ours [rows, cols]
	for i := range cols {
		for j := range b.Rows {
			dst[j*cols+i] = T(src[i*b.Rows+j])
		}
	}
	return nil
}

// extract returns the bound tensor in the checkpoint's layout.
func (b Binding[T]) extract() []T {
	cols := 1
	if b.Param.Dims() == 2 {
		cols = b.Param.Dim(1)
	}
	src := b.Param.Data()[b.Row*cols : (b.Row+b.Rows)*cols]
	if !b.Transposed {
		return slices.Clone(src)
	}
	out := make([]T, len(src))
	for i := range cols {
		for j := range b.Rows {
			out[i*b.Rows+j] = src[j*cols+i]
		}
	}
	return out
}

// Tensors returns the model's weights under their checkpoint names, in the
// order of Bindings, as float32 (float64 for a float64 model).
func (m *Model[T]) Tensors() []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, b := range m.bindings {
		switch v := any(b.extract()).(type) {
		case []float32:
			out = append(out, safetensors.FromFloat32(b.Name, b.shape(), v))
		case []float64:
			out = append(out, safetensors.FromFloat64(b.Name, b.shape(), v))
		}
	}
	return out
}

// Save writes config.json and model.safetensors into dir (created if
// missing), each replaced atomically. configJSON is the config to write
// (ReadConfig's raw bytes, say); its torch_dtype is set to the weights'
// dtype. Other files in dir are left alone.
func (m *Model[T]) Save(dir string, configJSON []byte) error {
	cfg, err := withDType[T](configJSON)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), cfg); err != nil {
		return fmt.Errorf("transformer: save %s: %w", dir, err)
	}
	err = atomicfile.Write(filepath.Join(dir, WeightsFile), func(w io.Writer) error {
		return safetensors.Write(w, m.Tensors(), map[string]string{"format": "pt"})
	})
	if err != nil {
		return fmt.Errorf("transformer: save %s: %w", dir, err)
	}
	return nil
}

// withDType returns the config JSON with torch_dtype set to T's name,
// indented as save_pretrained writes it.
func withDType[T nn.Float](raw []byte) ([]byte, error) {
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("transformer: config to save is not a JSON object: %w", err)
	}
	fields["torch_dtype"] = "float32"
	if _, ok := any(T(0)).(float64); ok {
		fields["torch_dtype"] = "float64"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
