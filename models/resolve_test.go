package models

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/hub/hubtest"
)

func TestResolveBadSpec(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"", "empty; expected a model directory, builtin:recursion-tiny or hf:ORG/NAME"},
		{"EleutherAI/pythia-70m", `"EleutherAI/pythia-70m": no such directory; did you mean hf:EleutherAI/pythia-70m?`},
		{"pythia-160m-q4_k/model.gguf", `"pythia-160m-q4_k/model.gguf": no such GGUF file`},
		{"hf:", `"hf:": expected hf:ORG/NAME`},
		{"hf:a/b/c", `"hf:a/b/c": expected hf:ORG/NAME`},
		{"hf:../etc@main", `"hf:../etc@main": expected hf:ORG/NAME`},
	} {
		_, err := Resolve(context.Background(), c.spec, &ResolveOptions{Hub: &hub.Client{Offline: true, CacheDir: t.TempDir()}})
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("Resolve(%q) = %v; want ErrSpec saying %q", c.spec, err, c.want)
		}
	}
	_, err := Resolve(context.Background(), "builtin:nope", &ResolveOptions{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), `"nope" (built-in: recursion-tiny)`) {
		t.Errorf("Resolve(builtin:nope) = %v; want ErrUnknown naming the built-in models", err)
	}
}

func TestResolveLocalAndBuiltin(t *testing.T) {
	cache := t.TempDir()
	local := filepath.Join(t.TempDir(), "org", "name")
	os.MkdirAll(local, 0o755)
	for _, c := range []struct{ spec, want string }{
		{local, local},
		// A path that does not exist and is no Hub id is left to the loader.
		{"no/such/dir", "no/such/dir"},
		{"builtin:recursion-tiny", mustDir(t, "recursion-tiny", cache)},
	} {
		got, err := Resolve(context.Background(), c.spec, &ResolveOptions{CacheDir: cache})
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.spec, got, err, c.want)
		}
	}
}

func mustDir(t *testing.T, name, cache string) string {
	t.Helper()
	dir, err := Dir(name, cache)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestResolveHub downloads the engine's files of a model from a stand-in
// Hub, at a revision, and leaves the others.
func TestResolveHub(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	files := map[string]string{
		"config.json": `{"model_type":"llama"}`, "model.safetensors": "weights", "tokenizer.json": "{}",
		"README.md": "readme", "onnx/model.safetensors": "other weights", "pytorch_model.bin": "pickle",
	}
	srv := hubtest.Start(t, hubtest.Repo{ID: "org/model", Commit: commit, Files: files})
	cache := t.TempDir()
	var progressed []string
	dir, err := Resolve(context.Background(), "hf:org/model@v1", &ResolveOptions{
		Hub: &hub.Client{Endpoint: srv.URL, CacheDir: cache, Retries: -1},
		Progress: func(file string, done, total int64) {
			if done == total {
				progressed = append(progressed, file)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "models--org--model", "snapshots", commit); dir != want {
		t.Errorf("dir = %q, want %q", dir, want)
	}
	if revisions := srv.Listed(); len(revisions) == 0 || revisions[0] != "v1" {
		t.Errorf("listed revisions %v, want v1", revisions)
	}
	for name, content := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		wanted := name == "config.json" || name == "model.safetensors" || name == "tokenizer.json"
		switch {
		case wanted && string(b) != content:
			t.Errorf("%s = %q, %v; want %q", name, b, err, content)
		case !wanted && err == nil:
			t.Errorf("%s was downloaded; the engine does not read it", name)
		}
	}
	if len(progressed) != 3 {
		t.Errorf("progress reported %v, want the three engine files", progressed)
	}
}
