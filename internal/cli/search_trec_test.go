package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchPyseriniHabits indexes with Pyserini's --collection, searches
// a TSV topics file into a TREC run with --hits, and refuses a topics file
// passed as --queries.
func TestSearchPyseriniHabits(t *testing.T) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "docs")
	os.Mkdir(corpus, 0o755)
	writeFile(t, filepath.Join(corpus, "part0.jsonl"), `{"id": "d1", "contents": "The cat sat on the mat."}
{"id": "d2", "contents": "Cats and dogs are friends; the cat sleeps."}
{"id": "d3", "contents": "A dog barks at the mailman."}
`)
	idx := filepath.Join(tmp, "idx")
	if _, stderr, code := run(t, "search", "index", "--collection", "JsonCollection", "--input", corpus, "--index", idx,
		"--generator", "DefaultLuceneDocumentGenerator", "--threads", "1", "--storePositions", "--storeDocvectors", "--storeRaw"); code != 0 {
		t.Fatalf("Pyserini's index line: exit %d, %q", code, stderr)
	}
	if _, stderr, code := run(t, "search", "index", "--collection", "TrecCollection", "--input", corpus, "--index", filepath.Join(tmp, "x")); code == 0 || !strings.Contains(stderr, "JsonCollection") {
		t.Errorf("TrecCollection: exit %d, %q", code, stderr)
	}
	topics := filepath.Join(tmp, "topics.tsv")
	writeFile(t, topics, "101\tcat on a mat\n\n102\tdog\n103\tzebra\n")
	runFile := filepath.Join(tmp, "runs", "bm25.trec")
	_, stderr, code := run(t, "search", "query", "--index", idx, "--topics", topics, "--output", runFile, "--hits", "2", "--bm25")
	if code != 0 {
		t.Fatalf("topics: exit %d, %q", code, stderr)
	}
	b, err := os.ReadFile(runFile)
	if err != nil {
		t.Fatal(err)
	}
	// The scores are fmkit's BM25 for the same words, to six decimals.
	want := ""
	for _, tp := range [][2]string{{"101", "cat on a mat"}, {"102", "dog"}, {"103", "zebra"}} {
		out, _, _ := run(t, "search", "query", "--index", idx, "--json", "-k", "2", tp[1])
		var res struct {
			Hits []struct {
				ID    string
				Score float64
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		for i, h := range res.Hits {
			want += fmt.Sprintf("%s Q0 %s %d %.6f Anserini\n", tp[0], h.ID, i+1, h.Score)
		}
	}
	if string(b) != want || !strings.HasPrefix(string(b), "101 Q0 d1 1 ") || strings.Count(string(b), "\n") != 4 {
		t.Errorf("run file:\n%s\nwant:\n%s", b, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"search", "query", "--index", idx, "--queries", topics}, "looks like a topics file"},
		{[]string{"search", "query", "--index", idx, "--topics", topics}, "--topics and --output go together"},
	} {
		if _, stderr, code := run(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, stderr)
		}
	}
	bad := filepath.Join(tmp, "bad.tsv")
	writeFile(t, bad, "101\tcat\nno tab here\n")
	if _, stderr, code := run(t, "search", "query", "--index", idx, "--topics", bad, "--output", runFile); code != 1 || !strings.Contains(stderr, "bad.tsv:2: expected qid<TAB>query") {
		t.Errorf("malformed topics: exit %d, %q", code, stderr)
	}
}
