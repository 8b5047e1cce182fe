package model

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/safetensors"
)

// GGUF files are read through the same architecture table as Hugging Face
// checkpoints: each architecture that llama.cpp also runs has a ggufArch,
// which names it as llama.cpp does, turns its GGUF metadata into
// config.json keys (so that the architecture's config function reads
// them), and pairs its GGUF tensor names with the Hugging Face ones. A
// GGUF file then binds like a checkpoint (ggufSource presents its tensors
// under their Hugging Face names and layouts), and the same table writes
// GGUF (WriteGGUF).

// ggufArch is an architecture as GGUF files describe it.
type ggufArch struct {
	// name is general.architecture, as llama.cpp names it.
	name string
	// config returns the config.json keys that g's metadata says.
	config func(g ggufMeta) map[string]any
	// meta returns the GGUF metadata for c, without the general.* and
	// tokenizer keys.
	meta func(c *Config, k ggufKeys) ([]gguf.KV, error)
	// tensors pairs GGUF and Hugging Face tensor names.
	tensors func(c *Config) []ggufTensorName
}

// ggufTensorName pairs a GGUF tensor name with the Hugging Face name and
// says how the layouts differ.
type ggufTensorName struct {
	gguf, hf string
	layout   ggufLayout
}

// ggufLayout says how a GGUF tensor's rows are arranged relative to the
// Hugging Face tensor (as llama.cpp's convert_hf_to_gguf.py writes them).
type ggufLayout int

const (
	ggufSame ggufLayout = iota
	// ggufRope: Llama's q_proj/k_proj rows, permuted per head so that
	// rotary pairs are adjacent (llama.cpp rotates interleaved pairs).
	ggufRopeQ
	ggufRopeK
	// ggufNeoXQKV: GPT-NeoX's query_key_value, per head [q k v] in Hugging
	// Face, all queries then all keys then all values in GGUF.
	ggufNeoXQKV
	// ggufConv1D: GPT-2's Conv1D weight, [in, out] in Hugging Face and
	// [out, in] (torch.nn.Linear's layout) in GGUF.
	ggufConv1D
)

// ggufMeta reads an architecture's keys from a GGUF file.
type ggufMeta struct {
	f    *gguf.File
	arch string
}

func (g ggufMeta) value(key string) (gguf.Value, bool) {
	return g.f.Get(strings.ReplaceAll(key, "{arch}", g.arch))
}

// set copies key's value into m[hf] if the file has it.
func (g ggufMeta) set(m map[string]any, hf, key string) {
	v, ok := g.value(key)
	if !ok {
		return
	}
	if i, ok := v.Int(); ok {
		m[hf] = i
	} else if f, ok := v.Float(); ok {
		m[hf] = f
	} else if b, ok := v.Bool(); ok {
		m[hf] = b
	} else if s, ok := v.Str(); ok {
		m[hf] = s
	}
}

func (g ggufMeta) int(key string) (int, bool) {
	v, ok := g.value(key)
	if !ok {
		return 0, false
	}
	i, ok := v.Int()
	return int(i), ok
}

func (g ggufMeta) hasTensor(name string) bool {
	_, ok := g.f.Tensor(name)
	return ok
}

// vocab is the vocabulary size: the tokenizer's, else {arch}.vocab_size,
// else the embedding table's rows.
func (g ggufMeta) vocab() int {
	if v, ok := g.f.Get("tokenizer.ggml.tokens"); ok && v.Len() > 0 {
		return v.Len()
	}
	if n, ok := g.int("{arch}.vocab_size"); ok {
		return n
	}
	if t, ok := g.f.Tensor("token_embd.weight"); ok && len(t.Dims) == 2 {
		return int(t.Dims[1])
	}
	return 0
}

// ggufKeys builds metadata under an architecture's prefix.
type ggufKeys string

func (k ggufKeys) u32(key string, v int) gguf.KV {
	return gguf.KV{Key: string(k) + "." + key, Value: gguf.Uint32Value(uint32(v))}
}

func (k ggufKeys) f32(key string, v float64) gguf.KV {
	return gguf.KV{Key: string(k) + "." + key, Value: gguf.Float32Value(float32(v))}
}

func (k ggufKeys) bool(key string, v bool) gguf.KV {
	return gguf.KV{Key: string(k) + "." + key, Value: gguf.BoolValue(v)}
}

// ggufArchitectures lists the GGUF architecture names fmkit reads.
func ggufArchitectures() []string {
	var names []string
	for _, a := range architectures {
		if a.gguf != nil {
			names = append(names, a.gguf.name)
		}
	}
	slices.Sort(names)
	return names
}

// ggufModelType returns the model_type whose architecture GGUF names arch.
func ggufModelType(arch string) (string, bool) {
	for name, a := range architectures {
		if a.gguf != nil && a.gguf.name == arch {
			return name, true
		}
	}
	return "", false
}

// IsGGUF reports whether path is a GGUF file (by its first four bytes).
func IsGGUF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = f.Read(magic[:])
	return err == nil && string(magic[:]) == gguf.Magic
}

// ReadGGUFConfig reads the Config of a GGUF file's model from its metadata.
func ReadGGUFConfig(f *gguf.File) (*Config, error) {
	v, _ := f.Get("general.architecture")
	arch, ok := v.Str()
	if !ok {
		return nil, fmt.Errorf("model: GGUF file has no general.architecture string")
	}
	modelType, ok := ggufModelType(arch)
	if !ok {
		return nil, fmt.Errorf("%w: GGUF architecture %q; supported: %s", ErrUnsupportedModel, arch, strings.Join(ggufArchitectures(), ", "))
	}
	g := ggufMeta{f: f, arch: arch}
	keys := architectures[modelType].gguf.config(g)
	keys["model_type"] = modelType
	g.set(keys, "bos_token_id", "tokenizer.ggml.bos_token_id")
	g.set(keys, "eos_token_id", "tokenizer.ggml.eos_token_id")
	data, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("model: GGUF metadata: %v", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%w (from the GGUF metadata of architecture %s)", err, arch)
	}
	return cfg, nil
}

// ggufSource presents a GGUF file's tensors under their Hugging Face names
// and layouts. Tensors whose rows GGUF reorders are copied back into
// Hugging Face order (row by row, so quantized rows move whole); the
// others are views into the mapping.
type ggufSource struct {
	file    *gguf.File
	path    string
	size    int64
	modTime time.Time
	cfg     *Config
	byHF    map[string]ggufTensorName
	mu      sync.Mutex
	fixed   map[string][]byte // reordered copies, made once
}

func openGGUFSource(path string) (*ggufSource, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ReadGGUFConfig(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkLayerCount(cfg, len(f.Tensors)); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &ggufSource{file: f, path: path, size: st.Size(), modTime: st.ModTime(), cfg: cfg, byHF: map[string]ggufTensorName{}, fixed: map[string][]byte{}}
	var unsupported []string
	for _, n := range architectures[cfg.ModelType].gguf.tensors(cfg) {
		t, ok := f.Tensor(n.gguf)
		if !ok {
			continue
		}
		s.byHF[n.hf] = n
		if _, known := ggufDTypes[t.Type]; !known {
			unsupported = append(unsupported, fmt.Sprintf("%s (%s)", n.gguf, t.Type))
		}
	}
	if len(unsupported) > 0 {
		f.Close()
		shown := unsupported[:min(len(unsupported), 4)]
		more := ""
		if len(unsupported) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(unsupported)-len(shown))
		}
		return nil, fmt.Errorf("%s: model: tensors of types fmkit does not compute with: %s%s; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K", path, strings.Join(shown, ", "), more)
	}
	return s, nil
}

// ggufDTypes are the safetensors-style names under which ggufSource
// presents GGUF tensor types.
var ggufDTypes = map[gguf.TensorType]safetensors.DType{
	gguf.F32: safetensors.F32, gguf.F16: safetensors.F16, gguf.BF16: safetensors.BF16,
	gguf.Q8_0: "Q8_0", gguf.Q4_0: "Q4_0", gguf.Q4_K: "Q4_K", gguf.Q5_K: "Q5_K", gguf.Q6_K: "Q6_K",
}

func (s *ggufSource) Tensor(name string) (safetensors.Tensor, bool) {
	n, ok := s.byHF[name]
	if !ok {
		return safetensors.Tensor{}, false
	}
	t, _ := s.file.Tensor(n.gguf)
	dtype, ok := ggufDTypes[t.Type]
	if !ok {
		dtype = safetensors.DType(t.Type.String())
	}
	// GGUF lists dimensions fastest first; PyTorch slowest first.
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[len(shape)-1-i] = int(d)
	}
	data := t.Data
	if n.layout != ggufSame && n.layout != ggufConv1D && ok {
		data = s.reorder(name, n.layout, t, shape)
	}
	return safetensors.Tensor{TensorInfo: safetensors.TensorInfo{Name: name, DType: dtype, Shape: shape, End: int64(len(data))}, Data: data}, true
}

// reorder returns t's data with its rows in Hugging Face order.
func (s *ggufSource) reorder(name string, layout ggufLayout, t gguf.Tensor, shape []int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.fixed[name]; ok {
		return d
	}
	rows := shape[0]
	rowBytes := len(t.Data) / rows
	perm := ggufRowOrder(layout, s.cfg, rows)
	out := make([]byte, len(t.Data))
	for hf, g := range perm {
		copy(out[hf*rowBytes:(hf+1)*rowBytes], t.Data[g*rowBytes:(g+1)*rowBytes])
	}
	s.fixed[name] = out
	return out
}

// ggufRowOrder returns, for each Hugging Face row, the GGUF row it is
// stored in (the inverse of the permutation convert_hf_to_gguf.py applies).
func ggufRowOrder(layout ggufLayout, c *Config, rows int) []int {
	perm := make([]int, rows)
	switch layout {
	case ggufRopeQ, ggufRopeK:
		heads := c.Heads
		if layout == ggufRopeK {
			heads = c.KVHeads
		}
		d := rows / heads
		for h := range heads {
			for j := range 2 {
				for i := range d / 2 {
					perm[h*d+j*(d/2)+i] = h*d + 2*i + j
				}
			}
		}
	case ggufNeoXQKV:
		H := rows / 3
		d := H / c.Heads
		for h := range c.Heads {
			for part := range 3 {
				for i := range d {
					perm[(h*3+part)*d+i] = part*H + h*d + i
				}
			}
		}
	default:
		for i := range perm {
			perm[i] = i
		}
	}
	return perm
}

func (s *ggufSource) Names() []string {
	names := make([]string, 0, len(s.byHF))
	for n := range s.byHF {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Changed reports, wrapping safetensors.ErrChanged, whether the file on disk
// changed since it was mapped.
func (s *ggufSource) Changed() error {
	st, err := os.Stat(s.path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w: %v", s.path, safetensors.ErrChanged, err)
	case st.Size() != s.size:
		return fmt.Errorf("%s: %w: its size went from %d to %d bytes", s.path, safetensors.ErrChanged, s.size, st.Size())
	case !st.ModTime().Equal(s.modTime):
		return fmt.Errorf("%s: %w: modified at %s", s.path, safetensors.ErrChanged, st.ModTime().Format(time.RFC3339Nano))
	}
	return nil
}

func (s *ggufSource) Close() error { return s.file.Close() }

// unmatched lists the GGUF tensors that no Hugging Face name pairs with.
func (s *ggufSource) unmatched() []string {
	known := map[string]bool{}
	for _, n := range s.byHF {
		known[n.gguf] = true
	}
	var out []string
	for _, t := range s.file.Tensors {
		if !known[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// storedSize is a tensor's element count and stored bytes.
type storedSize struct{ elements, bytes int64 }

// storedSizes lists the sizes of a source's tensors without reading (or
// reordering) their data.
func storedSizes(src source) []storedSize {
	var out []storedSize
	if g, ok := src.(*ggufSource); ok {
		for _, info := range g.file.Tensors {
			out = append(out, storedSize{int64(info.Elements()), int64(info.Bytes())})
		}
		return out
	}
	for _, name := range src.Names() {
		t, _ := src.Tensor(name)
		out = append(out, storedSize{t.NumElements(), int64(len(t.Data))})
	}
	return out
}
