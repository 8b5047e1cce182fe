package web

import (
	"bufio"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/fmkit/fmkit/search"
)

// BenchmarkSearchAPI answers the 600 fixture queries on the GCIDE sample
// through the handler (top 10 with snippets, metadata and redaction, as
// the page asks), without the network.
func BenchmarkSearchAPI(b *testing.B) {
	dir := b.TempDir()
	if _, err := search.Build(context.Background(), dir, []string{"../testdata/gcide8.jsonl.gz"}, &search.Options{Threads: 2}); err != nil {
		b.Fatal(err)
	}
	ix, err := search.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	s, err := New([]Corpus{{"gcide", ix}}, nil, &Options{Rate: 1e9, Burst: 1e9})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open("../testdata/queries.txt")
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		paths = append(paths, "/api/search?"+url.Values{"corpus": {"gcide"}, "q": {sc.Text()}}.Encode())
	}
	f.Close()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, p := range paths {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
			if rec.Code != 200 {
				b.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "searches/s")
}
