// Command searchgen writes a synthetic JSONL corpus for fmkit search's
// scale benchmark: documents of Zipf-distributed words (a vocabulary of
// GCIDE words when -vocab is given, made-up words otherwise), lognormal
// lengths, and a little metadata. The output is deterministic for a seed.
//
// Usage: searchgen -bytes 1500000000 [-vocab gcide.jsonl] -o corpus.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
)

func main() {
	size := flag.Int64("bytes", 1<<30, "approximate bytes of text to write")
	vocabFile := flag.String("vocab", "", "JSONL corpus to draw the vocabulary from (its contents fields)")
	out := flag.String("o", "", "output file")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		log.Fatal("searchgen: -o is required")
	}
	vocab := loadVocab(*vocabFile)
	rng := rand.New(rand.NewPCG(*seed, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(*seed, 3)), 1.07, 2, uint64(len(vocab)-1))
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	langs := []string{"en", "en", "en", "de", "fr", "ko"}
	var written int64
	var sb strings.Builder
	for n := 0; written < *size; n++ {
		words := int(math.Exp(rng.NormFloat64()*0.8 + 5.5)) // median about 245 words
		sb.Reset()
		for i := 0; i < words; i++ {
			if i > 0 {
				if i%17 == 0 {
					sb.WriteString(". ")
				} else {
					sb.WriteByte(' ')
				}
			}
			sb.WriteString(vocab[zipf.Uint64()])
		}
		rec := map[string]any{
			"id":       fmt.Sprintf("syn-%09d", n),
			"contents": sb.String(),
			"meta":     map[string]any{"lang": langs[n%len(langs)], "shard": n % 64},
		}
		b, _ := json.Marshal(rec)
		w.Write(b)
		w.WriteByte('\n')
		written += int64(sb.Len())
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// loadVocab returns distinct lowercase words by decreasing frequency.
func loadVocab(path string) []string {
	if path == "" {
		var v []string
		for i := 0; i < 200000; i++ {
			v = append(v, fmt.Sprintf("w%x", i))
		}
		return v
	}
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	word := regexp.MustCompile(`[A-Za-z]+`)
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec struct{ Contents string }
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		for _, m := range word.FindAllString(rec.Contents, -1) {
			counts[strings.ToLower(m)]++
		}
	}
	v := make([]string, 0, len(counts))
	for k := range counts {
		v = append(v, k)
	}
	slices.SortFunc(v, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	return v
}
