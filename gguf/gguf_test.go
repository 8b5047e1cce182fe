package gguf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/tensor"
)

// small.gguf was written by llama.cpp's gguf-py and small.json is what
// gguf-py's GGUFReader reads from it (testdata/gen/gguf).
type fixture struct {
	Version   int `json:"version"`
	Alignment int `json:"alignment"`
	Meta      map[string]struct {
		Type  ValueType `json:"type"`
		Value any       `json:"value"`
	} `json:"meta"`
	Tensors []struct {
		Name   string   `json:"name"`
		Dims   []uint64 `json:"dims"`
		Type   uint32   `json:"type"`
		Offset int      `json:"offset"`
		Bytes  uint64   `json:"bytes"`
		Sum    *float64 `json:"sum"`
	} `json:"tensors"`
}

func loadFixture(t *testing.T) ([]byte, fixture) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "small.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join("testdata", "small.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(js, &fx); err != nil {
		t.Fatal(err)
	}
	return raw, fx
}

func TestReadMatchesGGUFPy(t *testing.T) {
	raw, fx := loadFixture(t)
	f, err := Open(filepath.Join("testdata", "small.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version != fx.Version || f.Alignment != fx.Alignment {
		t.Errorf("version %d alignment %d, gguf-py %d %d", f.Version, f.Alignment, fx.Version, fx.Alignment)
	}
	if len(f.KV) != len(fx.Meta) {
		t.Errorf("%d keys, gguf-py %d", len(f.KV), len(fx.Meta))
	}
	for key, want := range fx.Meta {
		v, ok := f.Get(key)
		if !ok {
			t.Errorf("key %s missing", key)
			continue
		}
		if v.Type != want.Type {
			t.Errorf("%s: type %s, gguf-py %s", key, v.Type, want.Type)
		}
		checkValue(t, key, v, want.Value)
	}
	dataStart := len(raw) - len(f.data)
	if len(f.Tensors) != len(fx.Tensors) {
		t.Fatalf("%d tensors, gguf-py %d", len(f.Tensors), len(fx.Tensors))
	}
	for i, want := range fx.Tensors {
		got, ok := f.Tensor(want.Name)
		if !ok || f.Tensors[i].Name != want.Name {
			t.Fatalf("tensor %d: %s not found in order", i, want.Name)
		}
		dims := got.Dims // GGUFReader's shape is ggml's ne, as Dims
		if !equalDims(dims, want.Dims) || uint32(got.Type) != want.Type || dataStart+int(got.Offset) != want.Offset || uint64(len(got.Data)) != want.Bytes {
			t.Errorf("%s: dims %v type %d at %d, %d bytes; gguf-py %v %d at %d, %d bytes", want.Name, dims, got.Type, dataStart+int(got.Offset), len(got.Data), want.Dims, want.Type, want.Offset, want.Bytes)
		}
		if want.Sum != nil {
			var s float64
			for j := 0; j < len(got.Data); j += got.Type.BlockBytes() {
				if got.Type == F32 {
					s += float64(math.Float32frombits(binary.LittleEndian.Uint32(got.Data[j:])))
				} else {
					s += float64(tensor.F16(binary.LittleEndian.Uint16(got.Data[j:])).Float32())
				}
			}
			if math.Abs(s-*want.Sum) > 1e-9 {
				t.Errorf("%s: sum %v, gguf-py %v", want.Name, s, *want.Sum)
			}
		}
	}
}

func equalDims(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkValue(t *testing.T, key string, v Value, want any) {
	t.Helper()
	switch w := want.(type) {
	case string:
		if w == "nested" {
			if v.Len() != 2 || v.arr[0].Len() != 2 || v.arr[1].Len() != 1 {
				t.Errorf("%s: nested array %v", key, v)
			}
			return
		}
		if s, ok := v.Str(); !ok || s != w {
			t.Errorf("%s = %v, gguf-py %q", key, v, w)
		}
	case bool:
		if b, ok := v.Bool(); !ok || b != w {
			t.Errorf("%s = %v, gguf-py %v", key, v, w)
		}
	case float64:
		if v.Type == Uint64 { // beyond float64's integers in JSON
			if v.bits != 1<<63+5 {
				t.Errorf("%s = %d", key, v.bits)
			}
			return
		}
		if f, ok := v.Float(); ok {
			if f != w {
				t.Errorf("%s = %v, gguf-py %v", key, f, w)
			}
		} else if i, ok := v.Int(); !ok || float64(i) != w {
			t.Errorf("%s = %v, gguf-py %v", key, v, w)
		}
	case []any:
		if len(w) != v.Len() {
			t.Fatalf("%s: %d elements, gguf-py %d", key, v.Len(), len(w))
		}
		if ss, ok := v.Strings(); ok {
			for i := range ss {
				if ss[i] != w[i] {
					t.Errorf("%s[%d] = %q, gguf-py %q", key, i, ss[i], w[i])
				}
			}
		} else if fs, ok := v.Floats(); ok {
			for i := range fs {
				if float64(fs[i]) != w[i] {
					t.Errorf("%s[%d] = %v, gguf-py %v", key, i, fs[i], w[i])
				}
			}
		} else if is, ok := v.Ints(); ok {
			for i := range is {
				if float64(is[i]) != w[i] {
					t.Errorf("%s[%d] = %v, gguf-py %v", key, i, is[i], w[i])
				}
			}
		} else {
			t.Errorf("%s: array of %s not readable", key, v.Elem)
		}
	default:
		t.Errorf("%s: unexpected fixture value %T", key, want)
	}
}

// TestWriteMatchesGGUFPy writes what was read and expects gguf-py's bytes.
func TestWriteMatchesGGUFPy(t *testing.T) {
	raw, _ := loadFixture(t)
	f, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var tensors []TensorData
	for _, info := range f.Tensors {
		tt, _ := f.Tensor(info.Name)
		tensors = append(tensors, TensorData{Name: info.Name, Dims: info.Dims, Type: info.Type, Data: tt.Data})
	}
	var buf bytes.Buffer
	if err := Write(&buf, f.KV, tensors); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		n := 0
		for n < min(buf.Len(), len(raw)) && buf.Bytes()[n] == raw[n] {
			n++
		}
		t.Fatalf("written %d bytes differ from gguf-py's %d at byte %d", buf.Len(), len(raw), n)
	}
}

// TestTruncated parses every prefix of the fixture: each must fail with
// ErrFormat, never panic.
func TestTruncated(t *testing.T) {
	raw, _ := loadFixture(t)
	for n := 0; n < len(raw); n++ {
		if n > 1200 && n%97 != 0 {
			continue // inside tensor data every prefix fails alike
		}
		if _, err := Parse(raw[:n:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("prefix of %d bytes: error %v, want ErrFormat", n, err)
		}
	}
}

func TestBadHeaders(t *testing.T) {
	raw, _ := loadFixture(t)
	patch := func(off int, b ...byte) []byte {
		c := bytes.Clone(raw)
		copy(c[off:], b)
		return c
	}
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	keyOff := 24 + 8 + len("general.architecture") // the first value's type
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"magic", patch(0, 'G', 'G', 'M', 'L')},
		{"version 4", patch(4, u32(4)...)},
		{"version 1", patch(4, u32(1)...)},
		{"huge tensor count", patch(8, u64(1<<60)...)},
		{"huge kv count", patch(16, u64(1<<40)...)},
		{"huge key length", patch(24, u64(1<<62)...)},
		{"unknown value type", patch(keyOff, u32(13)...)},
		{"huge string", patch(keyOff+4, u64(1<<50)...)},
	} {
		_, err := Parse(tc.data)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", tc.name, err)
		}
	}
}

func TestBadTensors(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    TensorData
		bad  func(*TensorInfo)
	}{
		{"unknown type", TensorData{Name: "a", Dims: []uint64{32}, Type: F32, Data: make([]byte, 128)}, func(i *TensorInfo) { i.Type = 99 }},
		{"partial block", TensorData{Name: "a", Dims: []uint64{32}, Type: F32, Data: make([]byte, 128)}, func(i *TensorInfo) { i.Type = Q8_0; i.Dims[0] = 31 }},
		{"past end", TensorData{Name: "a", Dims: []uint64{32}, Type: F32, Data: make([]byte, 128)}, func(i *TensorInfo) { i.Dims[0] = 64 }},
		{"misaligned", TensorData{Name: "a", Dims: []uint64{32}, Type: F32, Data: make([]byte, 128)}, func(i *TensorInfo) { i.Offset = 4 }},
		{"overflow", TensorData{Name: "a", Dims: []uint64{32, 1}, Type: F32, Data: make([]byte, 128)}, func(i *TensorInfo) { i.Dims[1] = 1 << 62 }},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, nil, []TensorData{tc.t}); err != nil {
			t.Fatal(err)
		}
		raw := buf.Bytes()
		// Rewrite the one tensor record in place.
		f, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		info := f.Tensors[0]
		tc.bad(&info)
		rec := 24 + 8 + len(info.Name) + 4
		for i, d := range info.Dims {
			binary.LittleEndian.PutUint64(raw[rec+8*i:], d)
		}
		binary.LittleEndian.PutUint32(raw[rec+8*len(info.Dims):], uint32(info.Type))
		binary.LittleEndian.PutUint64(raw[rec+8*len(info.Dims)+4:], info.Offset)
		if _, err := Parse(raw); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", tc.name, err)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta []KV
		t    []TensorData
	}{
		{"duplicate key", []KV{{"a", BoolValue(true)}, {"a", BoolValue(false)}}, nil},
		{"bad alignment", []KV{{"general.alignment", Uint32Value(24)}}, nil},
		{"wrong size", nil, []TensorData{{Name: "x", Dims: []uint64{32}, Type: Q8_0, Data: make([]byte, 33)}}},
		{"partial block", nil, []TensorData{{Name: "x", Dims: []uint64{16}, Type: Q4_0, Data: make([]byte, 9)}}},
		{"no dims", nil, []TensorData{{Name: "x", Type: F32}}},
	} {
		if err := Write(&bytes.Buffer{}, tc.meta, tc.t); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func FuzzParse(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "small.gguf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:1000])
	f.Add([]byte("GGUF\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var g *File
		var err error
		n := memtest.AllocatedBytes(func() { g, err = Parse(b) })
		if limit := uint64(64*len(b) + 1<<20); n > limit {
			t.Fatalf("parsing %d bytes allocated %d (limit %d)", len(b), n, limit)
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		for _, info := range g.Tensors {
			tt, ok := g.Tensor(info.Name)
			if !ok || uint64(len(tt.Data)) != info.Bytes() {
				t.Fatalf("tensor %s unreadable", info.Name)
			}
		}
	})
}
