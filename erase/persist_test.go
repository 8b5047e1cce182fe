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
		{"short", "shorter than", []byte{1, 2}},
		{"huge header", "header length", hdr("")[:8]},
		{"not json", "not a JSON object", hdr("[1,2]")},
		{"no format", "no format metadata", hdr(`{"__metadata__":{}}`)},
		{"missing tensor", `missing tensor "proj_left"`, hdr(`{"__metadata__":{"format":"fmkit/leace-eraser"}}`)},
		{"bad offsets", "data_offsets", hdr(`{"proj_left":{"dtype":"F64","shape":[2,1],"data_offsets":[0,16]}}`)},
		{"bad dtype", "unsupported dtype", hdr(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`)},
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
	b, err := encodeSafetensors(map[string]stTensor{
		"x": f64Tensor([]int{3}, []float64{1, 2, 3}),
		"y": {DType: "I32", Shape: []int{2}, Data: []byte{1, 0, 0, 0, 255, 255, 255, 255}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "a.safetensors")
	if err := os.WriteFile(st, b, 0o644); err != nil {
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

func FuzzDecodeSafetensors(f *testing.F) {
	good, _ := encodeSafetensors(map[string]stTensor{"a": f64Tensor([]int{2}, []float64{1, 2})}, map[string]string{"k": "v"})
	f.Add(good)
	f.Add([]byte{})
	f.Add(good[:12])
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := decodeSafetensors(b)
		if err != nil {
			return
		}
		for _, v := range ts {
			if len(v.Data) != v.numel()*dtypeSize[v.DType] {
				t.Fatalf("tensor of %d bytes for shape %v %s", len(v.Data), v.Shape, v.DType)
			}
			_ = v.float64s()
		}
	})
}

// TestSafetensorsAgainstOtherCodecs reads a checkpoint written by the
// engine's Python fixture writer (testdata/gen/engine/st.py) and compares
// every F32 tensor with what package safetensors reads, and checks that
// package safetensors reads a saved eraser's header and tensors back.
func TestSafetensorsAgainstOtherCodecs(t *testing.T) {
	path := filepath.Join("..", "model", "testdata", "neox_parallel", "model.safetensors")
	mine, _, err := readSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Tensors()) != len(mine) {
		t.Fatalf("%d tensors, package safetensors sees %d", len(mine), len(f.Tensors()))
	}
	for name, m := range mine {
		o, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("package safetensors has no %q", name)
		}
		want, err := o.ToFloat32()
		if err != nil {
			t.Fatal(err)
		}
		got := m.float64s()
		for i := range want {
			if float64(want[i]) != got[i] {
				t.Fatalf("%s[%d] = %g, package safetensors %g", name, i, got[i], want[i])
			}
		}
	}

	x, y := classification(6, 200, 5, 2, 2)
	_, e := fit(t, x, Labels(y), 5, 2, nil)
	ep := filepath.Join(t.TempDir(), "e.safetensors")
	if err := e.Save(ep); err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Open(ep)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Metadata()["format"] != formatLEACE || g.Metadata()["method"] != "leace" {
		t.Errorf("metadata seen by package safetensors: %v", g.Metadata())
	}
	left, ok := g.Tensor("proj_left")
	if !ok || len(left.Shape) != 2 || left.Shape[0] != 5 || left.Shape[1] != e.R || string(left.DType) != "F64" {
		t.Errorf("proj_left seen by package safetensors: %+v", left)
	}
}
