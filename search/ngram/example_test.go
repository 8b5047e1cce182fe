package ngram_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/fmkit/fmkit/search/ngram"
)

func Example() {
	dir, err := os.MkdirTemp("", "ngram-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Documents as token ids (Build tokenizes JSONL with a tokenizer.json).
	w, err := ngram.Create(dir, 10, nil)
	if err != nil {
		log.Fatal(err)
	}
	w.Add("a", []uint32{1, 2, 3, 1, 2, 4})
	w.Add("b", []uint32{2, 3, 1, 2})
	if _, err := w.Commit(context.Background()); err != nil {
		log.Fatal(err)
	}
	ix, err := ngram.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()

	n, _ := ix.Count([]uint32{1, 2})
	fmt.Println("count [1 2]:", n)
	next, _ := ix.Next([]uint32{1, 2}, 0)
	fmt.Println("after [1 2]:", next.Tokens, "document ends:", next.DocEnds)
	long, _ := ix.Longest([]uint32{9, 4, 2, 3, 1})
	fmt.Printf("longest suffix of [9 4 2 3 1] that occurs: %d tokens, %d times\n", long.Length, long.Count)
	ms, _, _ := ix.Matches([]uint32{2, 3}, 10)
	for _, m := range ms {
		fmt.Printf("[2 3] in %s at token %d\n", m.ID, m.Offset)
	}
	// Output:
	// count [1 2]: 3
	// after [1 2]: [{3 1} {4 1}] document ends: 1
	// longest suffix of [9 4 2 3 1] that occurs: 3 tokens, 2 times
	// [2 3] in a at token 1
	// [2 3] in b at token 0
}
