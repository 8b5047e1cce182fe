package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFile(t *testing.T) {
	want := bytes.Repeat([]byte("fmkit mmap "), 1000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	data, unmap, err := File(f, int64(len(want)))
	f.Close() // the mapping outlives the file
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("File returned %d bytes that differ from the file's %d", len(data), len(want))
	}
	Evict(data) // pages come back from the file
	if !bytes.Equal(data, want) {
		t.Errorf("after Evict the data differ from the file")
	}
	if err := unmap(); err != nil {
		t.Errorf("unmap: %v", err)
	}
}
