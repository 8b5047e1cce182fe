// Command ngrambench builds a synthetic n-gram index and times counts on
// it, for fmkit search ngram's scale benchmark (bench/ngram_scale.sh).
//
// The corpus is generated as token ids, not text: documents of 100 to
// 3,000 tokens drawn from a Zipf distribution over a 50,257-token
// vocabulary (GPT-2's size, so ids take 2 bytes), one in ten documents
// carrying a 20-to-80-token boilerplate passage from a pool of 1,000 (the
// long repeats of web text). It is deterministic for a seed.
//
// Usage: ngrambench -tokens 1000000000 -dir DIR [-memory-mb 4096] [-queries 2000] [-keep]
//
// It prints one JSON object: build time and throughput (sorting only and
// in all), index size, and count latency percentiles over the queries
// (half n-grams of 1 to 20 tokens taken from the corpus, half random
// Zipf n-grams of 1 to 5), the first pass over them (pages cold unless
// the index was just built) and the median of three later passes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/fmkit/fmkit/search/ngram"
)

const vocab = 50257

func main() {
	tokens := flag.Int64("tokens", 100_000_000, "tokens to generate")
	dir := flag.String("dir", "", "index directory (built unless it holds an index)")
	memMB := flag.Int("memory-mb", 4096, "memory for suffix sorting, MiB")
	nq := flag.Int("queries", 2000, "count queries to time")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" {
		log.Fatal("ngrambench: -dir is required")
	}
	out := map[string]any{"tokens_asked": *tokens}
	if _, err := os.Stat(*dir + "/ngram.json"); err != nil {
		res, genTime, err := build(*dir, *tokens, *memMB, *seed)
		if err != nil {
			log.Fatal(err)
		}
		out["build_seconds"] = res.Elapsed.Seconds() - genTime.Seconds()
		out["sort_seconds"] = res.SortTime.Seconds()
		out["generate_seconds"] = genTime.Seconds()
		out["sort_tokens_per_s"] = float64(res.Tokens) / res.SortTime.Seconds()
		out["bytes"] = res.Bytes
	}
	ix, err := ngram.Open(*dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	st := ix.Stats()
	out["tokens"], out["docs"], out["pointer_bytes"], out["index_bytes"] = st.Tokens, st.Docs, st.PointerBytes, st.Bytes
	qs := queries(ix, *nq, *seed)
	first := timeCounts(ix, qs)
	var later [][]float64
	for range 3 {
		later = append(later, timeCounts(ix, qs))
	}
	med := make([]float64, len(qs))
	for i := range qs {
		v := []float64{later[0][i], later[1][i], later[2][i]}
		slices.Sort(v)
		med[i] = v[1]
	}
	out["first_pass_ms"] = percentiles(first)
	out["warm_ms"] = percentiles(med)
	json.NewEncoder(os.Stdout).Encode(out)
}

// build generates the corpus into a Writer and commits it, returning the
// time spent generating (overlapped with writing the token file).
func build(dir string, tokens int64, memMB int, seed uint64) (*ngram.Result, time.Duration, error) {
	w, err := ngram.Create(dir, vocab, &ngram.Options{MemoryBytes: int64(memMB) << 20, Overwrite: true,
		Progress: func(p ngram.Progress) {
			if p.Stage != ngram.StageTokenize {
				fmt.Fprintf(os.Stderr, "\r%-6s %d/%d %.0fs   ", p.Stage, p.Done, p.Total, p.Elapsed.Seconds())
			}
		}})
	if err != nil {
		return nil, 0, err
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 2)), 1.07, 2, vocab-1)
	pool := make([][]uint32, 1000)
	for i := range pool {
		pool[i] = make([]uint32, 20+rng.IntN(61))
		for j := range pool[i] {
			pool[i][j] = uint32(zipf.Uint64())
		}
	}
	start := time.Now()
	var gen time.Duration
	doc := make([]uint32, 0, 4000)
	for n := int64(0); n < tokens; {
		t0 := time.Now()
		doc = doc[:0]
		length := 100 + rng.IntN(2901)
		for len(doc) < length {
			doc = append(doc, uint32(zipf.Uint64()))
		}
		if rng.IntN(10) == 0 {
			p := pool[rng.IntN(len(pool))]
			at := rng.IntN(len(doc))
			doc = slices.Insert(doc, at, p...)
		}
		if rest := tokens - n; int64(len(doc)) > rest {
			doc = doc[:rest]
		}
		gen += time.Since(t0)
		if err := w.Add("", doc); err != nil {
			w.Abort()
			return nil, 0, err
		}
		n += int64(len(doc))
	}
	_ = start
	res, err := w.Commit(context.Background())
	fmt.Fprintln(os.Stderr)
	return res, gen, err
}

// queries draws n-grams: half from the corpus, half random.
func queries(ix *ngram.Index, n int, seed uint64) [][]uint32 {
	rng := rand.New(rand.NewPCG(seed, 99))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 98)), 1.07, 2, vocab-1)
	qs := make([][]uint32, 0, n)
	for len(qs) < n {
		if len(qs)%2 == 0 {
			d := rng.Int64N(ix.Docs())
			l := int64(1 + rng.IntN(20))
			toks, _ := ix.DocTokens(d, 0, 1<<40)
			if int64(len(toks)) < l {
				continue
			}
			at := rng.Int64N(int64(len(toks)) - l + 1)
			qs = append(qs, toks[at:at+l])
			continue
		}
		q := make([]uint32, 1+rng.IntN(5))
		for i := range q {
			q[i] = uint32(zipf.Uint64())
		}
		qs = append(qs, q)
	}
	return qs
}

func timeCounts(ix *ngram.Index, qs [][]uint32) []float64 {
	out := make([]float64, len(qs))
	for i, q := range qs {
		t0 := time.Now()
		if _, err := ix.Count(q); err != nil {
			log.Fatal(err)
		}
		out[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	return out
}

func percentiles(ms []float64) map[string]float64 {
	v := slices.Clone(ms)
	slices.Sort(v)
	at := func(p float64) float64 { return v[int(p*float64(len(v)-1)+0.5)] }
	var sum float64
	for _, x := range v {
		sum += x
	}
	return map[string]float64{"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": v[len(v)-1], "mean": sum / float64(len(v))}
}
