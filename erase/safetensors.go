package erase

// A minimal safetensors codec, enough to save and load erasers and to read
// X and Z from .safetensors files. The format: an 8-byte little-endian
// header length N, N bytes of JSON mapping tensor names to {"dtype",
// "shape", "data_offsets": [begin, end]} (offsets into the data that
// follows the header) plus an optional "__metadata__" map of strings, then
// the tensor data, little-endian and row-major.
//
// TODO(lead): replace with package safetensors once it lands on main.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/fmkit/fmkit/tensor"
)

// stTensor is one tensor of a safetensors file: its dtype name ("F64",
// "F32", "I64", ...), shape and raw little-endian bytes.
type stTensor struct {
	DType string
	Shape []int
	Data  []byte
}

type stEntry struct {
	DType   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

// maxHeader bounds the JSON header, as the reference implementation does,
// so that a corrupt length cannot make us allocate gigabytes.
const maxHeader = 100 << 20

var dtypeSize = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
}

// decodeSafetensors parses a whole safetensors file held in b.
func decodeSafetensors(b []byte) (map[string]stTensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("safetensors: file of %d bytes is shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the file (%d bytes) or the 100 MiB limit", n, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header is not a JSON object: %w", err)
	}
	data := b[8+n:]
	var meta map[string]string
	tensors := make(map[string]stTensor, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__: expected a map of strings: %w", err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		size, ok := dtypeSize[e.DType]
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: unsupported dtype %q", name, e.DType)
		}
		count := 1
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt/size/d) {
				return nil, nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
			}
			count *= d
		}
		begin, end := e.Offsets[0], e.Offsets[1]
		if begin < 0 || end < begin || end > len(data) || end-begin != count*size {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] do not hold %v %s within %d data bytes", name, begin, end, e.Shape, e.DType, len(data))
		}
		tensors[name] = stTensor{DType: e.DType, Shape: e.Shape, Data: data[begin:end]}
	}
	return tensors, meta, nil
}

func readSafetensors(path string) (map[string]stTensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	t, m, err := decodeSafetensors(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, m, nil
}

// encodeSafetensors lays out tensors in name order, the header padded with
// spaces to a multiple of 8 bytes so that the data is aligned.
func encodeSafetensors(tensors map[string]stTensor, meta map[string]string) ([]byte, error) {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if name == "__metadata__" {
			return nil, fmt.Errorf("safetensors: %q is reserved", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	header := make(map[string]any, len(names)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	off := 0
	for _, name := range names {
		t := tensors[name]
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[name] = stEntry{DType: t.DType, Shape: shape, Offsets: [2]int{off, off + len(t.Data)}}
		off += len(t.Data)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	if pad := len(h) % 8; pad != 0 {
		h = append(h, bytes.Repeat([]byte(" "), 8-pad)...)
	}
	out := make([]byte, 8, 8+len(h)+off)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, name := range names {
		out = append(out, tensors[name].Data...)
	}
	return out, nil
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so that the file appears whole or not at all.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

func f64Tensor(shape []int, v []float64) stTensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return stTensor{DType: "F64", Shape: shape, Data: b}
}

// numel returns the element count of t.
func (t stTensor) numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// float64s converts any supported dtype to float64.
func (t stTensor) float64s() []float64 {
	n := t.numel()
	out := make([]float64, n)
	b := t.Data
	le := binary.LittleEndian
	for i := range out {
		switch t.DType {
		case "F64":
			out[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		case "F32":
			out[i] = float64(math.Float32frombits(le.Uint32(b[4*i:])))
		case "F16":
			out[i] = float64(tensor.F16(le.Uint16(b[2*i:])).Float32())
		case "BF16":
			out[i] = float64(tensor.BF16(le.Uint16(b[2*i:])).Float32())
		case "I64":
			out[i] = float64(int64(le.Uint64(b[8*i:])))
		case "I32":
			out[i] = float64(int32(le.Uint32(b[4*i:])))
		case "I16":
			out[i] = float64(int16(le.Uint16(b[2*i:])))
		case "I8":
			out[i] = float64(int8(b[i]))
		case "U8", "BOOL":
			out[i] = float64(b[i])
		}
	}
	return out
}

// isInteger reports whether t holds integers (or booleans).
func (t stTensor) isInteger() bool {
	switch t.DType {
	case "F64", "F32", "F16", "BF16":
		return false
	}
	return true
}
