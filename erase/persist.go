package erase

import (
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/npy"
	"github.com/fmkit/fmkit/safetensors"
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
	t := []safetensors.Tensor{
		safetensors.FromFloat64("proj_left", []int{e.D, e.R}, e.Left),
		safetensors.FromFloat64("proj_right", []int{e.R, e.D}, e.Right),
	}
	if e.Bias != nil {
		t = append(t, safetensors.FromFloat64("bias", []int{e.D}, e.Bias))
	}
	return saveTensors(path, t, e.Metadata, formatLEACE)
}

// saveTensors writes float64 tensors and the metadata, marked with the
// eraser's format, atomically.
func saveTensors(path string, t []safetensors.Tensor, meta map[string]string, format string) error {
	m := maps.Clone(meta)
	if m == nil {
		m = map[string]string{}
	}
	m[formatKey] = format
	return safetensors.WriteFile(path, t, m)
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
	e := &Eraser{D: left.Shape[0], R: left.Shape[1], Left: left.Data, Right: right.Data, Metadata: meta}
	if right.Shape[0] != e.R || right.Shape[1] != e.D {
		return nil, fmt.Errorf("%s: proj_right has shape %v, expected [%d %d] to match proj_left %v", path, right.Shape, e.R, e.D, left.Shape)
	}
	if b, ok := t["bias"]; ok {
		if len(b.Shape) != 1 || b.Shape[0] != e.D {
			return nil, fmt.Errorf("%s: bias has shape %v, expected [%d]", path, b.Shape, e.D)
		}
		e.Bias = b.Data
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// array is a tensor of a saved eraser, read as float64.
type array struct {
	DType safetensors.DType
	Shape []int
	Data  []float64
}

// loadTensors reads every tensor of a safetensors file holding the given
// eraser format, and its metadata without the format key.
func loadTensors(path, format string) (map[string]array, map[string]string, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	meta := maps.Clone(f.Metadata())
	if got := meta[formatKey]; got != format {
		if got == "" {
			got = "no format metadata"
		}
		return nil, nil, fmt.Errorf("%s: expected a %s file, found %s", path, format, got)
	}
	delete(meta, formatKey)
	out := map[string]array{}
	for _, info := range f.Tensors() {
		t, _ := f.Tensor(info.Name)
		data, err := t.ToFloat64()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		out[info.Name] = array{DType: t.DType, Shape: t.Shape, Data: data}
	}
	return out, meta, nil
}

// need returns tensor name of the given rank, or an error naming the file.
func need(t map[string]array, path, name string, rank int) (array, error) {
	v, ok := t[name]
	if !ok {
		return array{}, fmt.Errorf("%s: missing tensor %q", path, name)
	}
	if len(v.Shape) != rank {
		return array{}, fmt.Errorf("%s: tensor %q has shape %v, expected %d dimensions", path, name, v.Shape, rank)
	}
	if v.DType != safetensors.F64 && v.DType != safetensors.F32 {
		return array{}, fmt.Errorf("%s: tensor %q has dtype %s, expected F64 or F32", path, name, v.DType)
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
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if name == "" {
		infos := f.Tensors()
		if len(infos) != 1 {
			names := make([]string, len(infos))
			for i, t := range infos {
				names[i] = t.Name
			}
			return nil, fmt.Errorf("%s: holds %d tensors %v; name the one to read", path, len(infos), names)
		}
		name = infos[0].Name
	}
	t, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("%s: no tensor named %q", path, name)
	}
	out := &Array{Shape: t.Shape}
	switch {
	case t.DType.IsInteger():
		out.Int, err = t.ToInt64()
	case t.DType == safetensors.F64:
		out.F64, err = t.ToFloat64()
	default:
		out.F32, err = t.ToFloat32()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
