package search

import (
	"bufio"
	"context"
	"os"
	"testing"
)

// BenchmarkBuild indexes the committed GCIDE sample (5 MB of text).
func BenchmarkBuild(b *testing.B) {
	st, err := os.Stat("testdata/gcide8.jsonl.gz")
	if err != nil {
		b.Fatal(err)
	}
	_ = st
	var text int64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		res, err := Build(context.Background(), dir, []string{"testdata/gcide8.jsonl.gz"}, &Options{Threads: 2})
		if err != nil {
			b.Fatal(err)
		}
		text = res.TextBytes
	}
	b.SetBytes(text)
}

// BenchmarkSearch runs the 600 fixture queries (top 10, no snippets)
// with each similarity.
func BenchmarkSearch(b *testing.B) {
	for _, sim := range []Similarity{Lucene8, Lucene4} {
		b.Run(string(sim), func(b *testing.B) { benchmarkSearch(b, sim) })
	}
}

func benchmarkSearch(b *testing.B, sim Similarity) {
	dir, err := gcideIndex()
	if err != nil {
		b.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	f, err := os.Open("testdata/queries.txt")
	if err != nil {
		b.Fatal(err)
	}
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		qs = append(qs, sc.Text())
	}
	f.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, q := range qs {
			if _, err := ix.Search(context.Background(), q, &SearchOptions{Similarity: sim}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(qs)), "µs/query")
}
