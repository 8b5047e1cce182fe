package safetensors

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
)

// TestHeaderLimits is the table of hostile headers: each fails with
// ErrFormat and a message naming the problem, within a bounded amount of
// memory.
func TestHeaderLimits(t *testing.T) {
	cases := []struct {
		name, header string
		dataLen      int64
		want         string
	}{
		{"duplicate name", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8,
			`tensor "a": the name appears twice in the header`},
		{"huge shape", `{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4, "has too many elements"},
		{"offsets past the data", `{"a":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`, 4, "run past the end of the data"},
		{"not an object", `{"a":[1,2}`, 0, "header is not a JSON object"},
		{"deep nesting", `{"__metadata__":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, 0, "exceeded max depth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := memtest.AllocatedBytes(func() { _, err = ParseHeader([]byte(c.header), c.dataLen) })
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrFormat with %q", err, c.want)
			}
			if limit := uint64(64*len(c.header) + 1<<16); n > limit {
				t.Errorf("allocated %d bytes for a %d-byte header (limit %d)", n, len(c.header), limit)
			}
		})
	}
}

// TestChanged checks that a truncated or rewritten file is noticed before
// its mapping is read.
func TestChanged(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, SingleFile)
	ts := []Tensor{{TensorInfo: TensorInfo{Name: "w", DType: F32, Shape: []int{1024}}, Data: make([]byte, 4096)}}
	if err := WriteFile(p, ts, nil); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Changed(); err != nil {
		t.Fatalf("fresh checkpoint: %v", err)
	}
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	if err := c.Changed(); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "size went from") {
		t.Errorf("after truncation: %v", err)
	}
	os.Remove(p)
	if err := c.Changed(); !errors.Is(err, ErrChanged) {
		t.Errorf("after removal: %v", err)
	}
}
