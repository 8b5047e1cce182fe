package native_test

import (
	"context"
	"fmt"
	"os"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/models"
)

// Open a built-in model by its spec and score two answers to 3+1 in
// Coq's binary positive numbers.
func ExampleOpen() {
	cache, _ := os.MkdirTemp("", "native")
	defer os.RemoveAll(cache)
	ctx := context.Background()
	m, err := native.Open(ctx, "builtin:recursion-tiny", &native.OpenOptions{
		Resolve: models.ResolveOptions{CacheDir: cache},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	res, err := m.Loglikelihood(ctx, []lm.LoglikelihoodRequest{
		{Context: "succ (xI xH) =", Continuation: " xO (xO xH)"}, // 3+1 = 4
		{Context: "succ (xI xH) =", Continuation: " xI (xO xH)"}, // 5

	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name(), res[0].LogProb > res[1].LogProb)
	// Output: builtin:recursion-tiny true
}
