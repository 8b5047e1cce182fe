package native

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/internal/chartok"
	"github.com/fmkit/fmkit/model"
)

// BenchmarkGenerate decodes 8 prompts of 100 new tokens each with stop
// strings that never occur, on a tiny checkpoint, so that the cost of
// turning tokens into text and looking for stops weighs next to the
// forward pass.
func BenchmarkGenerate(b *testing.B) {
	m, err := model.Load(filepath.Join("..", "..", "model", "testdata", "llama3_mqa_bias"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	n, err := New(m, chartok.Tokenizer{}, &Options{MaxLength: 128})
	if err != nil {
		b.Fatal(err)
	}
	prompts := []string{"Once upon", "The cat", "1 2 3", "Q: why", "abc", "Hello", "x", "zz top"}
	opts := GenerateOptions{MaxTokens: 100, Until: []string{"\x01never", "~~~~"}}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := n.Generate(ctx, prompts, opts, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(prompts)*opts.MaxTokens), "ns/token")
}
