package erase

import (
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/npy"
)

// formatKey and the format names mark what kind of eraser a safetensors
// file holds, so that loading the wrong kind fails with a clear message.
const (
	formatKey    = "format"
	formatLEACE  = "fmkit/leace-eraser"
	formatOracle = "fmkit/oracle-eraser"
	formatQuad   = "fmkit/quadratic-eraser"
)

// Save writes the eraser to path as safetensors: float64 tensors
// "proj_left" [D, R], "proj_right" [R, D] and, when affine, "bias" [D],
// with Metadata (plus "format") in the header. The names and layout match
// the reference implementation's LeaceEraser fields. The file is written
// atomically.
func (e *Eraser) Save(path string) error {
	if err := e.check(); err != nil {
		return err
	}
	t := map[string]stTensor{
		"proj_left":  f64Tensor([]int{e.D, e.R}, e.Left),
		"proj_right": f64Tensor([]int{e.R, e.D}, e.Right),
	}
	if e.Bias != nil {
		t["bias"] = f64Tensor([]int{e.D}, e.Bias)
	}
	return saveTensors(path, t, e.Metadata, formatLEACE)
}

func saveTensors(path string, t map[string]stTensor, meta map[string]string, format string) error {
	m := maps.Clone(meta)
	if m == nil {
		m = map[string]string{}
	}
	m[formatKey] = format
	b, err := encodeSafetensors(t, m)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// LoadEraser reads an eraser written by Eraser.Save.
func LoadEraser(path string) (*Eraser, error) {
	t, meta, err := loadTensors(path, formatLEACE)
	if err != nil {
		return nil, err
	}
	left, err := need(t, path, "proj_left", 2)
	if err != nil {
		return nil, err
	}
	right, err := need(t, path, "proj_right", 2)
	if err != nil {
		return nil, err
	}
	e := &Eraser{D: left.Shape[0], R: left.Shape[1], Left: left.float64s(), Right: right.float64s(), Metadata: meta}
	if right.Shape[0] != e.R || right.Shape[1] != e.D {
		return nil, fmt.Errorf("%s: proj_right has shape %v, expected [%d %d] to match proj_left %v", path, right.Shape, e.R, e.D, left.Shape)
	}
	if b, ok := t["bias"]; ok {
		if len(b.Shape) != 1 || b.Shape[0] != e.D {
			return nil, fmt.Errorf("%s: bias has shape %v, expected [%d]", path, b.Shape, e.D)
		}
		e.Bias = b.float64s()
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

func loadTensors(path, format string) (map[string]stTensor, map[string]string, error) {
	t, meta, err := readSafetensors(path)
	if err != nil {
		return nil, nil, err
	}
	if got := meta[formatKey]; got != format {
		if got == "" {
			got = "no format metadata"
		}
		return nil, nil, fmt.Errorf("%s: expected a %s file, found %s", path, format, got)
	}
	delete(meta, formatKey)
	return t, meta, nil
}

// need returns tensor name of the given rank, or an error naming the file.
func need(t map[string]stTensor, path, name string, rank int) (stTensor, error) {
	v, ok := t[name]
	if !ok {
		return stTensor{}, fmt.Errorf("%s: missing tensor %q", path, name)
	}
	if len(v.Shape) != rank {
		return stTensor{}, fmt.Errorf("%s: tensor %q has shape %v, expected %d dimensions", path, name, v.Shape, rank)
	}
	if v.DType != "F64" && v.DType != "F32" {
		return stTensor{}, fmt.Errorf("%s: tensor %q has dtype %s, expected F64 or F32", path, name, v.DType)
	}
	return v, nil
}

// Array is a numeric array read from a .npy or .safetensors file. Exactly
// one of F64, F32 and Int is set, depending on the stored dtype: float64
// data stays float64, narrower floats become float32, integers and
// booleans become int64.
type Array struct {
	Shape []int
	F64   []float64
	F32   []float32
	Int   []int64
}

// ReadArray reads the array in a .npy file, or tensor name of a
// .safetensors file (name may be empty when the file holds one tensor).
func ReadArray(path, name string) (*Array, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return readNpy(path)
	case ".safetensors":
		return readSafetensorsArray(path, name)
	}
	return nil, fmt.Errorf("%s: expected a .npy or .safetensors file", path)
}

func readNpy(path string) (*Array, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := &Array{Shape: a.Shape}
	switch a.DType[1:] {
	case "f8":
		out.F64, err = a.Float64()
	case "f4", "f2":
		out.F32, err = a.Float32()
	default:
		out.Int, err = a.Int64()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func readSafetensorsArray(path, name string) (*Array, error) {
	t, _, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	if name == "" {
		if len(t) != 1 {
			names := make([]string, 0, len(t))
			for k := range t {
				names = append(names, k)
			}
			return nil, fmt.Errorf("%s: holds %d tensors %v; name the one to read", path, len(t), names)
		}
		for k := range t {
			name = k
		}
	}
	v, ok := t[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor named %q", path, name)
	}
	out := &Array{Shape: v.Shape}
	vals := v.float64s()
	switch {
	case v.isInteger():
		out.Int = make([]int64, len(vals))
		for i, f := range vals {
			out.Int[i] = int64(f)
		}
	case v.DType == "F64":
		out.F64 = vals
	default:
		out.F32 = toFloat32(vals)
	}
	return out, nil
}
