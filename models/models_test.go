package models

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/recursion"
	"github.com/fmkit/fmkit/tokenizer"
)

func TestDirUnpacksOnce(t *testing.T) {
	cache := t.TempDir()
	dir, err := Dir("recursion-tiny", cache)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, nil)
	if err != nil {
		t.Fatalf("the unpacked model does not load: %v", err)
	}
	m.Close()
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The model speaks the recursion tasks' language.
	want, _ := recursion.Tokenizer()
	if got, w := tok.Encode("succ (xI xH) =", false), want.Encode("succ (xI xH) =", false); len(got) != len(w) {
		t.Errorf("tokenizer differs from the recursion tasks': %v vs %v", got, w)
	}
	// A second call finds the files in place and does not rewrite them.
	st, _ := os.Stat(filepath.Join(dir, "model.safetensors"))
	again, err := Dir("recursion-tiny", cache)
	if err != nil || again != dir {
		t.Fatalf("second Dir = %q, %v; want %q", again, err, dir)
	}
	st2, _ := os.Stat(filepath.Join(dir, "model.safetensors"))
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the model was unpacked again")
	}
}

func TestDirUnknown(t *testing.T) {
	_, err := Dir("gpt-5", t.TempDir())
	if !errors.Is(err, ErrUnknown) {
		t.Errorf("err = %v, want ErrUnknown", err)
	}
}

// TestShippedModelIsSmall keeps the repository's built-in model within the
// size the project allows (20 MB).
func TestShippedModelIsSmall(t *testing.T) {
	total := int64(0)
	entries, _ := files.ReadDir("recursion-tiny")
	for _, e := range entries {
		info, _ := e.Info()
		total += info.Size()
	}
	if total > 20<<20 {
		t.Errorf("recursion-tiny is %d bytes, above 20 MB", total)
	}
}
