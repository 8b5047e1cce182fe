package search

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
)

// gcideDir is the directory gcideIndex built, removed by TestMain.
var gcideDir string

// gcideIndex builds (once per test binary) an index of the committed GCIDE
// sample with Lucene norms, two threads and therefore two shards.
var gcideIndex = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "fmkit-search-gcide-")
	if err != nil {
		return "", err
	}
	gcideDir = dir
	_, err = Build(context.Background(), dir, []string{"testdata/gcide8.jsonl.gz"}, &Options{
		Similarity: Lucene4, Threads: 2, RAMBufferBytes: 4 << 20, MergeFactor: 3,
	})
	return dir, err
})

func TestMain(m *testing.M) {
	code := m.Run()
	if gcideDir != "" {
		os.RemoveAll(gcideDir)
	}
	os.Exit(code)
}

func openGCIDE(t *testing.T) *Index {
	t.Helper()
	dir, err := gcideIndex()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

type luceneResult struct {
	Query string
	Total int64
	Hits  [][2]any
}

func readLucene(t *testing.T, path string) []luceneResult {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []luceneResult
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r luceneResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestBM25MatchesLucene runs the 600 fixture queries against the GCIDE
// sample and compares top-10 ids, scores and total hits with Lucene 4.10
// (similarity lucene4) and Lucene 8.8 (lucene8), exhaustively and with
// MaxScore pruning.
func TestBM25MatchesLucene(t *testing.T) {
	ix := openGCIDE(t)
	for _, c := range []struct {
		sim     Similarity
		fixture string
		p       BM25
		exact   bool
	}{
		{Lucene4, "lucene", BM25{0.9, 0.4}, true},
		{Lucene4, "lucene", BM25{1.2, 0.75}, true},
		{Lucene4, "lucene", BM25{0.9, 0.4}, false},
		{Lucene8, "lucene8", BM25{0.9, 0.4}, true},
		{Lucene8, "lucene8", BM25{1.2, 0.75}, true},
		{Lucene8, "lucene8", BM25{0.9, 0.4}, false},
		{Lucene8, "lucene8", BM25{1.2, 0.75}, false},
	} {
		p, exact := c.p, c.exact
		t.Run(fmt.Sprintf("%s,k1=%g,b=%g,exact=%v", c.sim, p.K1, p.B, exact), func(t *testing.T) {
			want := readLucene(t, fmt.Sprintf("testdata/%s_k%g_b%g.jsonl", c.fixture, p.K1, p.B))
			if len(want) < 500 {
				t.Fatalf("only %d fixture queries", len(want))
			}
			sameIDs, scoreBad, totalBad := 0, 0, 0
			for _, w := range want {
				res, err := ix.Search(context.Background(), w.Query, &SearchOptions{K: 10, BM25: &p, ExactTotal: exact, Similarity: c.sim})
				if err != nil {
					t.Fatalf("%q: %v", w.Query, err)
				}
				var gotIDs, wantIDs []string
				for _, h := range res.Hits {
					gotIDs = append(gotIDs, h.ID)
				}
				for _, h := range w.Hits {
					wantIDs = append(wantIDs, h[0].(string))
				}
				if strings.Join(gotIDs, " ") == strings.Join(wantIDs, " ") {
					sameIDs++
				} else if t.Failed() == false && sameIDs+10 > len(want) {
					t.Logf("%q:\n got %v\nwant %v", w.Query, res.Hits, w.Hits)
				}
				for i := 0; i < min(len(res.Hits), len(w.Hits)); i++ {
					ws := w.Hits[i][1].(float64)
					if math.Abs(float64(res.Hits[i].Score)-ws) > 1e-4*math.Abs(ws) {
						scoreBad++
						if scoreBad <= 5 {
							t.Errorf("%q hit %d: score %v, Lucene %v", w.Query, i, res.Hits[i].Score, ws)
						}
						break
					}
				}
				if (exact || res.TotalExact) && res.Total != w.Total || res.Total > w.Total {
					totalBad++
					if totalBad <= 5 {
						t.Errorf("%q: total %d, Lucene %d", w.Query, res.Total, w.Total)
					}
				}
			}
			t.Logf("identical top-10 ids: %d of %d queries (%.2f%%)", sameIDs, len(want), 100*float64(sameIDs)/float64(len(want)))
			if float64(sameIDs) < 0.99*float64(len(want)) {
				t.Errorf("identical top-10 ids for %d of %d queries, want >= 99%%", sameIDs, len(want))
			}
			if scoreBad > 0 || totalBad > 0 {
				t.Errorf("%d queries with scores off by more than 1e-4 relative, %d with a different total", scoreBad, totalBad)
			}
		})
	}
}

// TestLucene8Norms checks intToByte4 and byte4ToInt against Lucene 8's
// SmallFloat for every length up to 5000.
func TestLucene8Norms(t *testing.T) {
	f, err := os.Open("testdata/lucene8_norms.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	n, bad := 0, 0
	for sc.Scan() {
		var length uint32
		var code byte
		var decoded uint32
		if _, err := fmt.Sscan(sc.Text(), &length, &code, &decoded); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		n++
		if got := intToByte4(length); got != code {
			bad++
			if bad <= 5 {
				t.Errorf("intToByte4(%d) = %d, Lucene %d", length, got, code)
			}
		}
		if got := byte4ToInt(code); got != decoded {
			bad++
			if bad <= 5 {
				t.Errorf("byte4ToInt(%d) = %d, Lucene %d", code, got, decoded)
			}
		}
	}
	if n < 5000 {
		t.Fatalf("only %d fixture lines", n)
	}
}

// TestSimilaritiesDiffer makes sure the Lucene 8 fixture tells the
// similarities apart: Lucene 4's formula, with or without its norms, must
// not reproduce Lucene 8's top-10 lists.
func TestSimilaritiesDiffer(t *testing.T) {
	ix := openGCIDE(t)
	want := readLucene(t, "testdata/lucene8_k0.9_b0.4.jsonl")
	for _, sim := range []Similarity{Lucene4, Exact} {
		same := 0
		for _, w := range want {
			res, err := ix.Search(context.Background(), w.Query, &SearchOptions{K: 10, Similarity: sim, BM25: &BM25{0.9, 0.4}})
			if err != nil {
				t.Fatal(err)
			}
			var got, exp []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			for _, h := range w.Hits {
				exp = append(exp, h[0].(string))
			}
			if strings.Join(got, " ") == strings.Join(exp, " ") {
				same++
			}
		}
		t.Logf("%s: identical top-10 ids with Lucene 8 for %d of %d queries", sim, same, len(want))
		if float64(same) > 0.9*float64(len(want)) {
			t.Errorf("%s reproduces Lucene 8's top 10 for %d of %d queries; the fixture does not tell similarities apart", sim, same, len(want))
		}
	}
}
