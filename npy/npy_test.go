package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fmkit/fmkit/internal/memtest"
)

// The fixtures were written by NumPy (testdata/gen/npy/gen.py).

func TestReadNumPyFixtures(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		file  string
		shape []int
		want  []float64
	}{
		{"f4_2x3.npy", []int{2, 3}, []float64{1.5, -2.25, float64(float32(3e-8)), inf, -inf, 65504}},
		{"f8_be.npy", []int{3, 2}, []float64{0, 1.0 / 7, 2.0 / 7, 3.0 / 7, 4.0 / 7, 5.0 / 7}},
		{"f2_4.npy", []int{4}, []float64{0.0999755859375, -2, 1023.0 / (1 << 24), 65504}},
		{"i8_labels.npy", []int{4}, []float64{0, 3, -1, 1 << 40}},
		{"u1.npy", []int{3}, []float64{0, 255, 7}},
		{"bool.npy", []int{3}, []float64{1, 0, 1}},
		{"scalar.npy", []int{}, []float64{4}},
		{"empty.npy", []int{0, 5}, []float64{}},
		{"v2.npy", []int{3}, []float64{0, 1, 2}},
	}
	for _, tt := range tests {
		a, err := ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !cmp.Equal(a.Shape, tt.shape) {
			t.Errorf("%s: shape %v, want %v", tt.file, a.Shape, tt.shape)
		}
		got, err := a.Float64()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.file, got, tt.want)
		}
	}
}

func TestReadFortranOrder(t *testing.T) {
	a, err := ReadFile("testdata/i2_fortran.npy")
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Int64()
	if err != nil {
		t.Fatal(err)
	}
	// np.arange(24).reshape(2,3,4) in C order is 0..23 whatever the storage.
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("element %d = %d, want %d (all: %v)", i, v, i, got)
		}
	}
}

// Go's writer must produce the same bytes NumPy does for the same array.
func TestWriteMatchesNumPyBytes(t *testing.T) {
	check := func(file string, write func(*bytes.Buffer) error) {
		t.Helper()
		want, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: Go wrote\n%q\nNumPy wrote\n%q", file, buf.Bytes(), want)
		}
	}
	inf := float32(math.Inf(1))
	check("f4_2x3.npy", func(b *bytes.Buffer) error {
		return Write(b, []int{2, 3}, []float32{1.5, -2.25, 3e-8, inf, -inf, 65504})
	})
	check("i8_labels.npy", func(b *bytes.Buffer) error {
		return Write(b, []int{4}, []int64{0, 3, -1, 1 << 40})
	})
	check("u1.npy", func(b *bytes.Buffer) error { return Write(b, []int{3}, []uint8{0, 255, 7}) })
	check("bool.npy", func(b *bytes.Buffer) error { return Write(b, []int{3}, []bool{true, false, true}) })
	check("scalar.npy", func(b *bytes.Buffer) error { return Write(b, []int{}, []float32{4}) })
}

func TestWriteFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.npy")
	data := []float64{1, 2, 3, 4, 5, 6}
	if err := WriteFile(path, []int{2, 3}, data); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := a.Float64()
	if !cmp.Equal(got, data) || !cmp.Equal(a.Shape, []int{2, 3}) {
		t.Errorf("round trip: %v %v", a.Shape, got)
	}
	if err := WriteFile(path, []int{4}, data); err == nil {
		t.Error("shape mismatch: no error")
	}
}

func TestReadErrors(t *testing.T) {
	valid, err := os.ReadFile("testdata/f4_2x3.npy")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "reading magic"},
		{"bad magic", []byte("PK\x03\x04zzzzzzzzzzz"), "bad magic"},
		{"version 9", append([]byte("\x93NUMPY\x09\x00"), 0, 0), "version 9.0"},
		{"truncated data", valid[:len(valid)-3], "expected 24 bytes"},
		{"object dtype", header1("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), "not supported"},
		{"missing shape", header1("{'descr': '<f4', 'fortran_order': False, }"), `missing "shape"`},
		{"bad shape", header1("{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }"), "bad dimension"},
	}
	for _, tt := range tests {
		_, err := Read(bytes.NewReader(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestInt64RejectsFloats(t *testing.T) {
	a, err := ReadFile("testdata/f4_2x3.npy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Int64(); err == nil {
		t.Error("Int64 of a float array: no error")
	}
}

func header1(dict string) []byte {
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), 0)
	return append(b, dict...)
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"f4_2x3.npy", "i2_fortran.npy", "v2.npy", "scalar.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a *Array
		var err error
		// A header may claim any shape; what is allocated must follow the
		// bytes actually there.
		if n := memtest.AllocatedBytes(func() { a, err = Read(bytes.NewReader(data)) }); n > uint64(64*len(data)+1<<20) {
			t.Fatalf("reading %d bytes allocated %d", len(data), n)
		}
		if err != nil {
			return
		}
		if _, err := a.Float64(); err != nil {
			t.Fatalf("decoded header but cannot convert: %v", err)
		}
	})
}
