package hub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/hub"
)

func Example() {
	// A stand-in for huggingface.co serving one file of one model.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567")
		w.Header().Set("ETag", `"abc123"`)
		fmt.Fprint(w, `{"model_type": "gpt_neox"}`)
	}))
	defer srv.Close()
	cache, _ := os.MkdirTemp("", "hub")
	defer os.RemoveAll(cache)

	c := &hub.Client{Endpoint: srv.URL, CacheDir: cache}
	path, err := c.Download(context.Background(), hub.Repo{Type: hub.Model, ID: "EleutherAI/pythia-70m"}, "config.json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rel, _ := filepath.Rel(cache, path)
	b, _ := os.ReadFile(path)
	fmt.Println(filepath.ToSlash(rel))
	fmt.Println(string(b))
	// Output:
	// models--EleutherAI--pythia-70m/snapshots/0123456789abcdef0123456789abcdef01234567/config.json
	// {"model_type": "gpt_neox"}
}
