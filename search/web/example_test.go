package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/web"
)

func Example() {
	tmp, err := os.MkdirTemp("", "web-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	in := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(in, []byte(`{"id": "a", "contents": "Write to jane@example.com about the cat."}`+"\n"), 0o644)
	if _, err := search.Build(context.Background(), filepath.Join(tmp, "idx"), []string{in}, nil); err != nil {
		log.Fatal(err)
	}
	ix, err := search.Open(filepath.Join(tmp, "idx"))
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	s, err := web.New([]web.Corpus{{Name: "demo", Index: ix}}, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	// http.ListenAndServe("127.0.0.1:8080", s) serves the page; here one
	// API call goes through a recorder.
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/search?corpus=demo&q=cat", nil))
	var reply struct {
		Hits []struct {
			ID      string
			Snippet []web.Part
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
		log.Fatal(err)
	}
	for _, p := range reply.Hits[0].Snippet {
		fmt.Printf("%q match=%v redacted=%v\n", p.Text, p.Match, p.Redacted)
	}
	// Output:
	// "Write to " match=false redacted=false
	// "PI:EMAIL" match=false redacted=true
	// " about the " match=false redacted=false
	// "cat" match=true redacted=false
	// "." match=false redacted=false
}
