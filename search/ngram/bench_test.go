package ngram

import (
	"context"
	"math/rand/v2"
	"testing"
)

// benchIndex builds an index of n Zipf-distributed tokens in documents
// of 1,000.
func benchIndex(b *testing.B, n int) *Index {
	b.Helper()
	dir := b.TempDir()
	w, err := Create(dir, 50257, &Options{MemoryBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.07, 2, 50256)
	doc := make([]uint32, 1000)
	for i := 0; i < n; i += len(doc) {
		for j := range doc {
			doc[j] = uint32(z.Uint64())
		}
		if err := w.Add("", doc); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.Commit(context.Background()); err != nil {
		b.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// BenchmarkBuild sorts 4 million tokens in chunks of about 2.7 million
// (a 64 MiB budget on 2 threads) and merges them.
func BenchmarkBuild(b *testing.B) {
	const n = 4_000_000
	for b.Loop() {
		benchIndex(b, n)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkCount counts n-grams of 1 to 8 tokens taken from a 4-million-
// token index.
func BenchmarkCount(b *testing.B) {
	ix := benchIndex(b, 4_000_000)
	rng := rand.New(rand.NewPCG(3, 4))
	var qs [][]uint32
	for range 1000 {
		d := rng.Int64N(ix.Docs())
		at := rng.Int64N(990)
		q, _ := ix.DocTokens(d, at, at+1+rng.Int64N(8))
		qs = append(qs, q)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := ix.Count(qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
