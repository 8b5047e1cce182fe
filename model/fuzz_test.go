package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
)

// FuzzParseConfig feeds arbitrary config.json bytes to ParseConfig (which
// fmkit's engine, trainer and shapes all read configs through): errors
// are fine, panics are not, a config it accepts has positive sizes, and
// parsing a small file allocates little.
func FuzzParseConfig(f *testing.F) {
	dirs, _ := filepath.Glob("testdata/*/config.json")
	for _, p := range dirs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"model_type": "llama", "hidden_size": 1e300, "num_attention_heads": 0}`))
	f.Add([]byte(`{"model_type": "gpt2", "n_layer": -1, "n_embd": 9223372036854775807}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c *Config
		var err error
		n := memtest.AllocatedBytes(func() { c, err = ParseConfig(data) })
		if limit := uint64(64*len(data) + 1<<20); n > limit {
			t.Fatalf("parsing %d bytes allocated %d (limit %d)", len(data), n, limit)
		}
		if err != nil {
			return
		}
		if c.Hidden <= 0 || c.Layers <= 0 || c.Vocab <= 0 || c.Heads <= 0 {
			t.Fatalf("accepted a config with hidden %d, layers %d, vocab %d, heads %d", c.Hidden, c.Layers, c.Vocab, c.Heads)
		}
	})
}
