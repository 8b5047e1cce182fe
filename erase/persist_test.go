package erase

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/npy"
	"github.com/fmkit/fmkit/safetensors"
)

func TestEraserSaveLoad(t *testing.T) {
	x, y := classification(4, 300, 8, 3, 3)
	for _, opts := range []*Options{nil, {NoAffine: true}} {
		_, e := fit(t, x, Labels(y), 8, 3, opts)
		path := filepath.Join(t.TempDir(), "e.safetensors")
		e.Metadata["note"] = "hello"
		if err := e.Save(path); err != nil {
			t.Fatal(err)
		}
		got, err := LoadEraser(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.D != e.D || got.R != e.R || maxAbsDiff(got.Left, e.Left) != 0 || maxAbsDiff(got.Right, e.Right) != 0 {
			t.Fatal("factors changed in the round trip")
		}
		if (got.Bias == nil) != (e.Bias == nil) || maxAbsDiff(got.Bias, e.Bias) != 0 {
			t.Fatal("bias changed in the round trip")
		}
		if got.Metadata["note"] != "hello" || got.Metadata["method"] != "leace" {
			t.Errorf("metadata %v", got.Metadata)
		}
	}
}

func TestOracleAndQuadraticSaveLoad(t *testing.T) {
	x, y := classification(5, 300, 4, 3, 3)
	dir := t.TempDir()
	of, _ := NewOracleFitter(4, 3, nil)
	if err := of.Update(x, Labels(y)); err != nil {
		t.Fatal(err)
	}
	oe, _ := of.Eraser()
	if err := oe.Save(filepath.Join(dir, "o.safetensors")); err != nil {
		t.Fatal(err)
	}
	o2, err := LoadOracleEraser(filepath.Join(dir, "o.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if maxAbsDiff(o2.Coef, oe.Coef) != 0 || maxAbsDiff(o2.MeanZ, oe.MeanZ) != 0 {
		t.Error("oracle eraser changed in the round trip")
	}
	qf, _ := NewQuadraticFitter(4, 3, nil)
	if err := qf.Update(x, y); err != nil {
		t.Fatal(err)
	}
	qe, err := qf.Eraser()
	if err != nil {
		t.Fatal(err)
	}
	if err := qe.Save(filepath.Join(dir, "q.safetensors")); err != nil {
		t.Fatal(err)
	}
	q2, err := LoadQuadraticEraser(filepath.Join(dir, "q.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if maxAbsDiff(q2.Maps, qe.Maps) != 0 || maxAbsDiff(q2.ClassMeans, qe.ClassMeans) != 0 {
		t.Error("quadratic eraser changed in the round trip")
	}
	// Loading one kind as another names both.
	if _, err := LoadEraser(filepath.Join(dir, "q.safetensors")); err == nil || !strings.Contains(err.Error(), formatQuad) {
		t.Errorf("loading a quadratic eraser as LEACE: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hdr := func(json string) []byte {
		b := make([]byte, 8, 8+len(json))
		binary.LittleEndian.PutUint64(b, uint64(len(json)))
		return append(b, json...)
	}
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"short", "too short", []byte{1, 2}},
		{"huge header", "header length", hdr("")[:8]},
		{"not json", "does not start with", hdr("[1,2]")},
		{"no format", "no format metadata", hdr(`{"__metadata__":{}}`)},
		{"missing tensor", `missing tensor "proj_left"`, hdr(`{"__metadata__":{"format":"fmkit/leace-eraser"}}`)},
		{"bad offsets", "data_offsets", hdr(`{"proj_left":{"dtype":"F64","shape":[2,1],"data_offsets":[0,16]}}`)},
		{"bad dtype", "unknown dtype", hdr(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`)},
	}
	tests[1].data = binary.LittleEndian.AppendUint64(nil, 1<<40)
	for _, tc := range tests {
		p := write(tc.name, tc.data)
		_, err := LoadEraser(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v does not name the file", tc.name, err)
		}
	}
	if _, err := LoadEraser(filepath.Join(dir, "absent.safetensors")); err == nil {
		t.Error("absent file: no error")
	}
}

func TestReadArray(t *testing.T) {
	dir := t.TempDir()
	np := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(np, []int{2, 2}, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	a, err := ReadArray(np, "")
	if err != nil || a.F32 == nil || a.Shape[1] != 2 {
		t.Fatalf("ReadArray npy: %+v %v", a, err)
	}
	st := filepath.Join(dir, "a.safetensors")
	err = safetensors.WriteFile(st, []safetensors.Tensor{
		safetensors.FromFloat64("x", []int{3}, []float64{1, 2, 3}),
		{TensorInfo: safetensors.TensorInfo{Name: "y", DType: safetensors.I32, Shape: []int{2}}, Data: []byte{1, 0, 0, 0, 255, 255, 255, 255}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadArray(st, ""); err == nil || !strings.Contains(err.Error(), "name the one") {
		t.Errorf("two tensors, no name: %v", err)
	}
	y, err := ReadArray(st, "y")
	if err != nil || len(y.Int) != 2 || y.Int[0] != 1 || y.Int[1] != -1 {
		t.Errorf("ReadArray y = %+v, %v", y, err)
	}
	x, err := ReadArray(st, "x")
	if err != nil || maxAbsDiff(x.F64, []float64{1, 2, 3}) != 0 {
		t.Errorf("ReadArray x = %+v, %v", x, err)
	}
	if _, err := ReadArray(filepath.Join(dir, "x.csv"), ""); err == nil {
		t.Error("csv: no error")
	}
}

// TestLoadPythonWrittenEraser loads an eraser file encoded by the engine's
// independent Python safetensors writer (testdata/gen/erase/gen_st_eraser.py)
// and checks every value against that script's formulas.
func TestLoadPythonWrittenEraser(t *testing.T) {
	e, err := LoadEraser(filepath.Join("testdata", "python_eraser.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	const D, R = 3, 2
	if e.D != D || e.R != R || e.Metadata["method"] != "leace" || e.Metadata["note"] != "written by st.py" {
		t.Fatalf("D=%d R=%d metadata %v", e.D, e.R, e.Metadata)
	}
	for d := 0; d < D; d++ {
		for r := 0; r < R; r++ {
			if got, want := e.Left[d*R+r], 0.5*float64(d*R+r)-1; got != want {
				t.Errorf("proj_left[%d][%d] = %g, want %g", d, r, got, want)
			}
			if got, want := e.Right[r*D+d], float64(r*D+d)/3; got != want {
				t.Errorf("proj_right[%d][%d] = %g, want %g", r, d, got, want)
			}
		}
	}
	if want := []float64{0.1, -0.2, 1e-17}; maxAbsDiff(e.Bias, want) != 0 {
		t.Errorf("bias %v, want %v", e.Bias, want)
	}
}
