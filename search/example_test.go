package search_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/search"
)

func Example() {
	tmp, err := os.MkdirTemp("", "search-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	corpus := filepath.Join(tmp, "corpus.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "contents": "The cat sat on the mat.", "meta": {"lang": "en"}}
{"id": "b", "contents": "Cats and dogs are friends.", "meta": {"lang": "en"}}
{"id": "c", "contents": "Die Katze sitzt auf der Matte.", "meta": {"lang": "de"}}
`), 0o644)

	dir := filepath.Join(tmp, "index")
	if _, err := search.Build(context.Background(), dir, []string{corpus}, nil); err != nil {
		log.Fatal(err)
	}
	ix, err := search.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()

	res, err := ix.Search(context.Background(), `cats +meta.lang:en`, &search.SearchOptions{Snippets: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range res.Hits {
		fmt.Printf("%s %.4f %s\n", h.ID, h.Score, h.Snippet)
	}
	// Output:
	// a 0.2597 The <b>cat</b> sat on the mat.
	// b 0.2597 <b>Cats</b> and dogs are friends.
}
