package native

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/models"
	"github.com/fmkit/fmkit/tokenizer"
)

// TestOpen opens the built-in model by builtin: and by its directory and
// checks each against a backend built by hand from model.Load and
// tokenizer.Load. (The tokenizer of a GGUF file is tested through fmkit
// generate in internal/cli: the built-in model's tokenizer has no GGUF
// form.)
func TestOpen(t *testing.T) {
	cache := t.TempDir()
	dir, err := models.Dir("recursion-tiny", cache)
	if err != nil {
		t.Fatal(err)
	}
	reqs := []lm.LoglikelihoodRequest{{Context: "succ (xI xH) =", Continuation: " xO xI xH"}}
	want := handBuiltScores(t, dir, reqs)

	for _, c := range []struct{ name, spec string }{
		{"builtin", "builtin:recursion-tiny"},
		{"local directory", dir},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := Open(context.Background(), c.spec, &OpenOptions{Resolve: models.ResolveOptions{CacheDir: cache}})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			if n.Name() != c.spec {
				t.Errorf("Name = %q, want the spec %q", n.Name(), c.spec)
			}
			got, err := n.Loglikelihood(context.Background(), reqs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Loglikelihood = %v, want %v (model.Load and tokenizer.Load by hand)", got, want)
			}
		})
	}
}

func handBuiltScores(t *testing.T, dir string, reqs []lm.LoglikelihoodRequest) []lm.LoglikelihoodResult {
	t.Helper()
	m, err := model.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Loglikelihood(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestOpenTokenLevel(t *testing.T) {
	dir := filepath.Join("..", "..", "model", "testdata", "llama_gqa")
	if _, err := Open(context.Background(), dir, nil); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "native: tokenizer of ") {
		t.Errorf("Open of a model without tokenizer files = %v; want a native: error wrapping fs.ErrNotExist", err)
	}
	n, err := Open(context.Background(), dir, &OpenOptions{TokenLevel: true, DType: model.BF16})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: []int{1, 2}, Continuation: []int{3}}}, nil); err != nil {
		t.Errorf("LoglikelihoodTokens on a token-level backend: %v", err)
	}
	if _, err := n.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: "a", Continuation: "b"}}, nil); err == nil {
		t.Error("Loglikelihood on text worked without a tokenizer")
	}
}

func TestOpenBadSpec(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct {
		spec string
		is   error
		want string
	}{
		{"", models.ErrSpec, "empty; expected a model directory"},
		{"EleutherAI/pythia-70m", models.ErrSpec, "did you mean hf:EleutherAI/pythia-70m?"},
		{"hf:", models.ErrSpec, "expected hf:ORG/NAME"},
		{"builtin:nope", models.ErrUnknown, `"nope" (built-in: recursion-tiny)`},
		{missing, nil, missing + ": expected a model directory with config.json"},
	} {
		n, err := Open(context.Background(), c.spec, &OpenOptions{Resolve: models.ResolveOptions{CacheDir: t.TempDir()}})
		if n != nil || err == nil || c.is != nil && !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q) = %v, %v; want one line wrapping %v and saying %q", c.spec, n, err, c.is, c.want)
		}
	}
}
