package search

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
)

// TestQueryLimits is the table of hostile searches of issue 24: each fails
// before the query runs, with a specific error, in bounded memory.
func TestQueryLimits(t *testing.T) {
	ix := buildSmall(t, nil)
	terms := func(n int, sep string) string { return strings.TrimSuffix(strings.Repeat("cat"+sep, n), sep) }
	nan := float32(math.NaN())
	cases := []struct {
		name  string
		query string
		opts  *SearchOptions
		want  string
		is    error
	}{
		{"100k-term AND", terms(100000, " AND "), nil, "more than 1024 clauses", ErrQueryLimit},
		{"50k-term OR", terms(50000, " OR "), nil, "more than 1024 clauses", ErrQueryLimit},
		{"lower limit", terms(11, " "), &SearchOptions{MaxClauses: 10}, "more than 10 clauses", ErrQueryLimit},
		{"phrases count", strings.Repeat(`"a cat" `, 1025), nil, "more than 1024 clauses", ErrQueryLimit},
		{"deep parentheses", strings.Repeat("(", 1000000) + "cat" + strings.Repeat(")", 1000000), nil, "nested more than 100 levels", ErrQueryLimit},
		{"NOT chain", strings.Repeat("NOT ", 100000) + "cat", nil, "nested more than 100 levels", ErrQueryLimit},
		{"negative k1", "cat", &SearchOptions{BM25: &BM25{K1: -1, B: 0.4}}, "BM25 k1 (-1) must be a finite number >= 0", nil},
		{"b above 1", "cat", &SearchOptions{BM25: &BM25{K1: 0.9, B: 5}}, "BM25 b (5) must be in [0, 1]", nil},
		{"NaN k1 and b", "cat", &SearchOptions{BM25: &BM25{K1: nan, B: nan}}, "BM25 k1 (NaN) must be a finite number >= 0; BM25 b (NaN)", nil},
		{"negative k", "cat", &SearchOptions{K: -1}, "K (-1) must be >= 0", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			start := time.Now()
			n := memtest.AllocatedBytes(func() { _, err = ix.Search(context.Background(), c.query, c.opts) })
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if limit := uint64(4*len(c.query) + 1<<20); n > limit {
				t.Errorf("allocated %d bytes for a %d-byte query (limit %d)", n, len(c.query), limit)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("took %v (a shared machine?)", d)
			}
		})
	}
	// Within a raised limit the same long query runs.
	res, err := ix.Search(context.Background(), strings.Repeat("fox ", 1500), &SearchOptions{MaxClauses: 2000})
	if err != nil || res.Total == 0 {
		t.Errorf("1500 terms under MaxClauses 2000: %v, %v", res, err)
	}
	// A parsed query is checked too.
	q := &BoolQuery{}
	for range 2000 {
		q.Clauses = append(q.Clauses, Clause{Query: &TermQuery{Text: "cat"}})
	}
	if _, err := ix.SearchQuery(context.Background(), q, nil); !errors.Is(err, ErrQueryLimit) {
		t.Errorf("SearchQuery with 2000 clauses: %v", err)
	}
}
