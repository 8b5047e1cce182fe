package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSearchCommands(t *testing.T) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "contents": "The cat sat on the mat.", "meta": {"lang": "en"}}
{"id": "b", "contents": "Cats and dogs are friends.", "meta": {"lang": "en"}}
not json
{"id": "c", "contents": "Die Katze sitzt auf der Matte.", "meta": {"lang": "de"}}
`), 0o644)
	idx := filepath.Join(tmp, "idx")

	_, errOut, code := run(t, "search", "index", "--input", corpus, "--index", idx)
	if code == 0 || !strings.Contains(errOut, "c.jsonl:3: malformed JSON") {
		t.Fatalf("stop on bad line: code %d, stderr %q", code, errOut)
	}
	out, errOut, code := run(t, "search", "index", "--input", corpus, "--index", idx, "--on-error", "skip", "--lucene-norms", "--json")
	if code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	var sum struct {
		Docs, Skipped int
		Errors        []string
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Docs != 3 || sum.Skipped != 1 || !strings.Contains(sum.Errors[0], "c.jsonl:3") {
		t.Fatalf("index summary %s (%v)", out, err)
	}

	out, errOut, code = run(t, "search", "query", "--index", idx, "--json", "cats")
	if code != 0 {
		t.Fatalf("query: %s", errOut)
	}
	var res struct {
		Hits []struct {
			ID      string
			Score   float64
			Snippet string
			Meta    map[string]string
		}
		Total  int
		TookMS *float64 `json:"took_ms"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Total != 2 || len(res.Hits) != 2 || res.TookMS == nil {
		t.Fatalf("query output %s (%v)", out, err)
	}
	if res.Hits[0].Meta["lang"] != "en" || !strings.Contains(res.Hits[0].Snippet, "<b>") {
		t.Errorf("hit %+v lacks meta or highlight", res.Hits[0])
	}

	qf := filepath.Join(tmp, "q.txt")
	os.WriteFile(qf, []byte("cats\n\"sat on\"\n(unbalanced\nmeta.lang:de\n"), 0o644)
	out, _, code = run(t, "search", "query", "--index", idx, "--queries", qf, "-k", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 {
		t.Fatalf("--queries: code %d, %d lines:\n%s", code, len(lines), out)
	}
	if !strings.Contains(lines[2], `"error":"query: unbalanced parenthesis`) || !strings.Contains(lines[3], `"id":"c"`) {
		t.Errorf("--queries lines:\n%s", out)
	}

	out, _, code = run(t, "search", "stats", "--index", idx, "--verify")
	if code != 0 || !strings.Contains(out, "documents              3") || !strings.Contains(out, "checksums              ok") ||
		!strings.Contains(out, "similarity             lucene4") {
		t.Errorf("stats:\n%s", out)
	}
	// The per-search similarity changes the score: Lucene 8 drops the
	// (k1+1) factor (and its lengths are exact up to 40).
	scores := map[string]float64{}
	for _, sim := range []string{"exact", "lucene8"} {
		out, errOut, code = run(t, "search", "query", "--index", idx, "--json", "--similarity", sim, "cats")
		if code != 0 {
			t.Fatalf("query --similarity %s: %s", sim, errOut)
		}
		var r struct{ Hits []struct{ Score float64 } }
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Hits) == 0 {
			t.Fatalf("query --similarity %s: %s", sim, out)
		}
		scores[sim] = r.Hits[0].Score
	}
	if r := scores["exact"] / scores["lucene8"]; r < 1.8999 || r > 1.9001 {
		t.Errorf("exact/lucene8 score ratio %v, want k1+1 = 1.9", r)
	}
	out, _, code = run(t, "search", "doc", "--index", idx, "c")
	if code != 0 || !strings.Contains(out, "Katze") {
		t.Errorf("doc: %s", out)
	}
	_, errOut, code = run(t, "search", "doc", "--index", idx, "zzz")
	if code == 0 || !strings.Contains(errOut, `document not found: "zzz"`) {
		t.Errorf("doc zzz: %q", errOut)
	}
	for _, args := range [][]string{
		{"search", "index", "--input", corpus, "--index", idx, "--on-error", "maybe"},
		{"search", "index", "--input", corpus},
		{"search", "index", "--input", corpus, "--index", idx, "--segment", "16:16"},
		{"search", "query", "--index", filepath.Join(tmp, "nope"), "x"},
		{"search", "query", "--index", idx},
		{"search", "index", "--input", corpus, "--index", idx, "--similarity", "bm42"},
		{"search", "index", "--input", corpus, "--index", idx, "--similarity", "lucene8", "--lucene-norms"},
		{"search", "query", "--index", idx, "--similarity", "bm42", "cats"},
	} {
		if _, errOut, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code %d, stderr %q (want one error line)", args, code, errOut)
		}
	}
}

// TestSearchQueryLimits covers issue 24's search flags and --queries
// lines: -k 0, out-of-range BM25 parameters, NaN, a query over the clause
// limit, and a line over a megabyte, which is reported and skipped.
func TestSearchQueryLimits(t *testing.T) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "contents": "The cat sat on the mat."}`+"\n"), 0o644)
	idx := filepath.Join(tmp, "idx")
	if _, errOut, code := run(t, "search", "index", "--input", corpus, "--index", idx); code != 0 {
		t.Fatal(errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-k", "0", "cat"}, "-k 0: expected a positive number of hits"},
		{[]string{"--k1", "-1", "cat"}, "BM25 k1 (-1) must be a finite number >= 0"},
		{[]string{"--b", "5", "cat"}, "BM25 b (5) must be in [0, 1]"},
		{[]string{"--k1", "NaN", "cat"}, `invalid argument "NaN" for "--k1" flag`},
		{[]string{strings.Repeat("cat AND ", 2000) + "cat"}, "more than 1024 clauses"},
		{[]string{"--max-clauses", "2", "cat mat sat"}, "more than 2 clauses"},
	} {
		_, errOut, code := run(t, append([]string{"search", "query", "--index", idx}, c.args...)...)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%.60q: exit %d, stderr %q; want one line with %q", c.args, code, errOut, c.want)
		}
	}
	queries := filepath.Join(tmp, "q.txt")
	os.WriteFile(queries, []byte("cat\n"+strings.Repeat("x", 3<<20)+"\nmat\n"), 0o644)
	out, errOut, code := run(t, "search", "query", "--index", idx, "--queries", queries)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[1], "q.txt:2: the query is longer than 1048576 bytes") ||
		!strings.Contains(lines[0], `"id":"a"`) || !strings.Contains(lines[2], `"id":"a"`) {
		t.Errorf("--queries with a 3 MB line: exit %d, stderr %q, %d lines: %.300s", code, errOut, len(lines), out)
	}
}
