package cache_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
)

// shout is a stand-in model that upper-cases its prompt and counts the
// requests it is asked.
type shout struct{ asked int }

func (s *shout) Name() string                  { return "shout" }
func (s *shout) Capabilities() lm.Capabilities { return lm.Capabilities{Generate: true} }
func (s *shout) Loglikelihood(context.Context, []lm.LoglikelihoodRequest, lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return nil, lm.ErrUnsupported
}
func (s *shout) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (s *shout) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		s.asked++
		out[i] = strings.ToUpper(r.Context)
	}
	return out, nil
}

func Example() {
	dir, err := os.MkdirTemp("", "cache-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := cache.Open(filepath.Join(dir, "responses.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	inner := &shout{}
	m := cache.Wrap(inner, c)
	reqs := []lm.GenerateRequest{{Context: "hello"}, {Context: "world"}}
	for run := 1; run <= 2; run++ {
		out, err := m.GenerateUntil(context.Background(), reqs, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: %v, model asked %d times in all\n", run, out, inner.asked)
	}
	// Output:
	// run 1: [HELLO WORLD], model asked 2 times in all
	// run 2: [HELLO WORLD], model asked 2 times in all
}
