package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/models"
)

func ExampleResolve() {
	cache, _ := os.MkdirTemp("", "models")
	defer os.RemoveAll(cache)
	dir, err := models.Resolve(context.Background(), "builtin:recursion-tiny", &models.ResolveOptions{CacheDir: cache})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = os.Stat(filepath.Join(dir, "config.json"))
	fmt.Println(strings.HasPrefix(filepath.Base(dir), "recursion-tiny-"), err == nil)

	_, err = models.Resolve(context.Background(), "EleutherAI/pythia-70m", nil)
	fmt.Println(err)
	// Output:
	// true true
	// models: bad model spec "EleutherAI/pythia-70m": no such directory; did you mean hf:EleutherAI/pythia-70m?
}
