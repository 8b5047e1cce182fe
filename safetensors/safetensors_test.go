package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/tensor"
)

// fileWith builds a safetensors file from a raw header and data section.
func fileWith(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func writeTemp(t *testing.T, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	f32 := []float32{1, -2.5, 3e-8, 7}
	bf := []tensor.BF16{tensor.BF16FromFloat32(1.5), tensor.BF16FromFloat32(-3)}
	h := []tensor.F16{tensor.F16FromFloat32(0.25), tensor.F16FromFloat32(65504), tensor.F16FromFloat32(-1)}
	ts := []Tensor{
		FromFloat32("a.weight", []int{2, 2}, f32),
		FromBF16("b", []int{2}, bf),
		FromF16("c", []int{3, 1}, h),
		FromFloat32("empty", []int{0, 4}, nil),
	}
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(p, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff(map[string]string{"format": "pt"}, f.Metadata()); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	a, _ := f.Tensor("a.weight")
	got, err := a.Float32()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f32, got); diff != "" {
		t.Errorf("a.weight (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 2}, a.Shape); diff != "" {
		t.Errorf("shape: %s", diff)
	}
	b, _ := f.Tensor("b")
	gotBF, err := b.BF16()
	if err != nil || !cmp.Equal(bf, gotBF) {
		t.Errorf("b = %v, %v; want %v", gotBF, err, bf)
	}
	c, _ := f.Tensor("c")
	gotH, err := c.F16()
	if err != nil || !cmp.Equal(h, gotH) {
		t.Errorf("c = %v, %v; want %v", gotH, err, h)
	}
	wide, err := c.ToFloat32()
	if err != nil || !cmp.Equal([]float32{0.25, 65504, -1}, wide) {
		t.Errorf("c widened = %v, %v", wide, err)
	}
	if _, err := c.Float32(); err == nil {
		t.Error("Float32 on an F16 tensor: want an error")
	}
	e, ok := f.Tensor("empty")
	if !ok || e.NumElements() != 0 {
		t.Errorf("empty tensor: %v %v", e, ok)
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("missing tensor found")
	}
}

// The data of a file written by Write must start 8-byte aligned, so views
// alias the mapping instead of copying.
func TestWriteAligns(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{FromFloat32("odd_name_x", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(buf.Bytes())
	if (8+n)%8 != 0 {
		t.Errorf("data starts at %d, not a multiple of 8", 8+n)
	}
}

func TestPythonWrittenFile(t *testing.T) {
	// testdata/python.safetensors was written by testdata/gen/engine/make_fixtures.py
	// (its own encoder of the format, independent of this package).
	f, err := Open("testdata/python.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, ok := f.Tensor("x")
	if !ok {
		t.Fatal("no tensor x")
	}
	got, err := x.Float32()
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 1, 2, 3, 4, 5}
	if !cmp.Equal(want, got) || !cmp.Equal([]int{2, 3}, x.Shape) {
		t.Errorf("x = %v %v, want %v [2 3]", got, x.Shape, want)
	}
	y, _ := f.Tensor("y")
	gy, err := y.BF16()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []float32{1, -2, 0.5} {
		if gy[i].Float32() != v {
			t.Errorf("y[%d] = %v, want %v", i, gy[i].Float32(), v)
		}
	}
	z, _ := f.Tensor("z")
	gz, err := z.ToFloat32()
	if err != nil || !cmp.Equal([]float32{-7, 9}, gz) {
		t.Errorf("z (I64) = %v, %v", gz, err)
	}
}

func TestBadFiles(t *testing.T) {
	data8 := make([]byte, 8)
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"too short", []byte{1, 2, 3}, "too short"},
		{"header past end", fileWith(`{}`, nil)[:9], "file truncated"},
		{"huge header length", func() []byte {
			b := make([]byte, 16)
			binary.LittleEndian.PutUint64(b, 1<<40)
			return b
		}(), "exceeds the limit"},
		{"not json", fileWith(`{nope`, nil), "not a JSON object"},
		{"not an object", fileWith(`[1,2]`, nil), "does not start with '{'"},
		{"unknown dtype", fileWith(`{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}`, data8), `"a": unknown dtype "Q4"`},
		{"missing dtype", fileWith(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, data8), `"a": missing dtype`},
		{"size mismatch", fileWith(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, data8), "needs 12 bytes"},
		{"negative dim", fileWith(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, data8), "non-negative"},
		{"out of bounds", fileWith(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, data8), "run past the end"},
		{"overlap", fileWith(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "overlap"},
		{"hole", fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "hole"},
		{"trailing bytes", fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, data8), "tensors cover 4"},
		{"end before begin", fileWith(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, data8), "end before"},
		{"bad metadata", fileWith(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"overflowing shape", fileWith(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, data8), "too many elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, tt.content)
			f, err := Open(p)
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q is not ErrFormat", err)
			}
		})
	}
}

func TestCheckpointSharded(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), []Tensor{FromFloat32("a", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), []Tensor{FromFloat32("b", []int{1}, []float32{2})}, nil); err != nil {
		t.Fatal(err)
	}
	index := `{"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`
	if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if diff := cmp.Diff([]string{"a", "b"}, c.Names()); diff != "" {
		t.Errorf("names: %s", diff)
	}
	b, ok := c.Tensor("b")
	if v, err := b.Float32(); !ok || err != nil || v[0] != 2 {
		t.Errorf("b = %v %v %v", v, ok, err)
	}

	bad := `{"weight_map":{"a":"model-00002-of-00002.safetensors"}}`
	os.WriteFile(filepath.Join(dir, IndexFile), []byte(bad), 0o644)
	if _, err := OpenCheckpoint(dir); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("index naming the wrong shard: err = %v", err)
	}
	escape := `{"weight_map":{"a":"../x.safetensors"}}`
	os.WriteFile(filepath.Join(dir, IndexFile), []byte(escape), 0o644)
	if _, err := OpenCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "not a file name") {
		t.Errorf("index escaping the directory: err = %v", err)
	}
	if _, err := OpenCheckpoint(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("empty dir: err = %v", err)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`), int64(8))
	f.Add([]byte(`{"__metadata__":{"k":"v"},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}  `), int64(4))
	f.Add([]byte(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[0],"data_offsets":[4,4]}}`), int64(4))
	f.Fuzz(func(t *testing.T, header []byte, dataLen int64) {
		var h *Header
		var err error
		if n := memtest.AllocatedBytes(func() { h, err = ParseHeader(header, dataLen) }); n > uint64(64*len(header)+1<<16) {
			t.Fatalf("a %d-byte header allocated %d bytes", len(header), n)
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		// A header that parses must describe a valid tiling.
		var pos int64
		for _, ti := range h.Tensors {
			if ti.Begin != pos || ti.End < ti.Begin || ti.End-ti.Begin != ti.NumElements()*int64(ti.DType.Size()) {
				t.Fatalf("accepted bad entry %+v at %d", ti, pos)
			}
			pos = ti.End
		}
		if pos != dataLen {
			t.Fatalf("accepted header covering %d of %d bytes", pos, dataLen)
		}
	})
}

// TestPythonDTypes reads testdata/dtypes.safetensors, written by
// testdata/gen/engine/st_dtypes.py with an encoder independent of this
// package, through every typed accessor; the values are the ones that
// script lists.
func TestPythonDTypes(t *testing.T) {
	f, err := Open("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Metadata(); got["format"] != "pt" || got["note"] != "one tensor per dtype" {
		t.Errorf("metadata %v", got)
	}
	get := func(name string) Tensor {
		x, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("no tensor %q", name)
		}
		return x
	}
	f64 := get("f64")
	view, err := f64.Float64()
	want64 := []float64{0.1, -2.5, 1e-300, 3, math.Copysign(0, -1), math.MaxFloat64}
	if err != nil || !cmp.Equal(view, want64) || !math.Signbit(view[4]) || !cmp.Equal(f64.Shape, []int{2, 3}) {
		t.Errorf("f64 = %v %v, %v", view, f64.Shape, err)
	}
	floats := map[string][]float64{
		"f64": want64, "f32": {1.5, -0.25}, "f16": {0.5, -3}, "bf16": {2, -0.125},
		"i64": {-9007199254740992, 5}, // -2^53-1 rounds to even
		"i32": {-2147483648, 7}, "i16": {-32768, 12}, "i8": {-128, 3}, "u8": {255, 0}, "bool": {1, 0},
	}
	for name, want := range floats {
		got, err := get(name).ToFloat64()
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("%s ToFloat64 = %v, %v; want %v", name, got, err, want)
		}
	}
	ints := map[string][]int64{
		"i64": {-9007199254740993, 5}, "i32": {-2147483648, 7}, "i16": {-32768, 12},
		"i8": {-128, 3}, "u8": {255, 0}, "bool": {1, 0},
	}
	for name, want := range ints {
		x := get(name)
		got, err := x.ToInt64()
		if err != nil || !cmp.Equal(got, want) || !x.DType.IsInteger() {
			t.Errorf("%s ToInt64 = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"f64", "f32", "f16", "bf16"} {
		if x := get(name); x.DType.IsInteger() {
			t.Errorf("%s counts as an integer dtype", name)
		} else if _, err := x.ToInt64(); !errors.Is(err, ErrUnsupportedDType) {
			t.Errorf("%s ToInt64: %v, want ErrUnsupportedDType", name, err)
		}
	}
	if _, err := get("f32").Float64(); err == nil {
		t.Error("Float64 of an F32 tensor: no error")
	}
}

// FromFloat64 round-trips through Write and Open.
func TestFloat64RoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.safetensors")
	want := []float64{1e-310, -1, math.Pi, math.Inf(1)}
	if err := WriteFile(path, []Tensor{FromFloat64("w", []int{2, 2}, want)}, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, _ := f.Tensor("w")
	got, err := w.Float64()
	if err != nil || !cmp.Equal(got, want) || f.Metadata()["k"] != "v" {
		t.Errorf("read back %v %v %v", got, err, f.Metadata())
	}
}
