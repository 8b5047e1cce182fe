// Package models holds the models that ship inside fmkit, so that its main
// job runs on a machine without network: Dir unpacks one into the user's
// cache directory (once per version of its files) and returns a model
// directory in Hugging Face layout that every command can load.
//
// Resolve is where every model spec fmkit accepts becomes a directory:
// builtin:NAME (Dir), hf:ORG/NAME (downloaded through package hub) or a
// local path. lm/native.Open builds a scoring and generation backend on
// it; the CLI and the bench programs open models through those two.
//
// The only built-in model today is recursion-tiny: a 0.8M-parameter Llama-style
// decoder trained by fmkit on the structural-recursion tasks (package
// recursion), from the script train.sh beside its files.
package models

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

//go:embed recursion-tiny/config.json recursion-tiny/model.safetensors recursion-tiny/tokenizer.json recursion-tiny/tokenizer_config.json
var files embed.FS

// ErrUnknown is returned (wrapped, with the name and the known ones) for a
// name that is not a built-in model.
var ErrUnknown = errors.New("models: unknown built-in model")

// Names lists the built-in models.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// Dir returns a directory holding built-in model name, unpacking it under
// cacheDir (os.UserCacheDir()/fmkit/models when empty) the first time.
// The directory's name carries a hash of the files, so a newer fmkit never
// reads an older unpacked copy.
func Dir(name, cacheDir string) (string, error) {
	if !slices.Contains(Names(), name) {
		return "", fmt.Errorf("%w %q (built-in: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	entries, err := files.ReadDir(name)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries {
		b, _ := files.ReadFile(path.Join(name, e.Name()))
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("models: no cache directory to unpack %s into: %w", name, err)
		}
		cacheDir = filepath.Join(base, "fmkit", "models")
	}
	dir := filepath.Join(cacheDir, name+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	for _, e := range entries {
		dst := filepath.Join(dir, e.Name())
		if _, err := os.Stat(dst); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("models: %w", err)
		}
		b, _ := files.ReadFile(path.Join(name, e.Name()))
		if err := atomicfile.WriteFile(dst, b); err != nil {
			return "", fmt.Errorf("models: unpack %s: %w", name, err)
		}
	}
	return dir, nil
}
