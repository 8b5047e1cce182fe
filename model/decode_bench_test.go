package model

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkDecodeStep times one greedy decoding step (one token, its
// logits) of each fixture model with float32 weights, after a 16-token
// context: the batch-1 path whose float32 products stream the packed
// weights (tensor.GemvBatch on tensor.PackB'd matrices).
func BenchmarkDecodeStep(b *testing.B) {
	for _, name := range fixtures {
		b.Run(name, func(b *testing.B) {
			m, err := Load(filepath.Join("testdata", name), &Options{DType: Float32})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			const context0 = 16
			seq := newSeq(b, m, context0+1)
			ids := make([]int, context0+1)
			for i := range ids {
				ids[i] = (7*i + 3) % m.Config.Vocab
			}
			ctx := context.Background()
			if err := m.Forward(ctx, []Input{{Seq: seq, Tokens: ids[:context0]}}, nil); err != nil {
				b.Fatal(err)
			}
			step := []Input{{Seq: seq, Tokens: ids[context0:], Logits: 1}}
			opts := &ForwardOptions{Logits: func(Row, []float32) error { return nil }}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.Forward(ctx, step, opts); err != nil {
					b.Fatal(err)
				}
				if err := seq.Truncate(context0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
