package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const gpt2Tokenizer = "../../tokenizer/testdata/gpt2/tokenizer.json"

func TestSearchNgramCommands(t *testing.T) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "text": "The quick brown fox jumps over the lazy dog."}
{"id": "b", "text": "A quick brown dog outpaces a quick fox."}
`), 0o644)
	idx := filepath.Join(tmp, "idx")
	out, errOut, code := run(t, "search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", idx, "--json")
	if code != 0 {
		t.Fatalf("build: %s", errOut)
	}
	var sum struct{ Docs, Tokens int }
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Docs != 2 || sum.Tokens < 15 {
		t.Fatalf("build summary %s (%v)", out, err)
	}

	qf := filepath.Join(tmp, "q.txt")
	os.WriteFile(qf, []byte(" quick brown\n[2068, 7586]\n purple\n[1.5]\n"), 0o644)
	out, errOut, code = run(t, "search", "ngram", "count", "--index", idx, "--queries", qf, "--json")
	if code != 0 {
		t.Fatalf("count: %s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{`{"count":2,"query":" quick brown"}`, `{"count":2,"query":"[2068, 7586]"}`, `{"count":0,"query":" purple"}`}
	if len(lines) != 4 || lines[0] != want[0] || lines[1] != want[1] || lines[2] != want[2] || !strings.Contains(lines[3], `"error":"ngram: token id 0 is 1.5`) {
		t.Errorf("count --queries:\n%s", out)
	}

	out, _, code = run(t, "search", "ngram", "count", "--index", idx, "--query", " quick brown", "--docs", "5", "--json")
	var c struct {
		Count int
		Docs  []struct {
			ID      string
			Offset  int
			Context string
		}
	}
	if err := json.Unmarshal([]byte(out), &c); code != 0 || err != nil || c.Count != 2 || len(c.Docs) != 2 {
		t.Fatalf("count --docs: %s (%v)", out, err)
	}
	for _, d := range c.Docs {
		if !strings.Contains(d.Context, "[ quick brown]") {
			t.Errorf("context %q lacks the bracketed match", d.Context)
		}
	}

	out, _, code = run(t, "search", "ngram", "next", "--index", idx, "--query", " quick", "--json")
	var n struct {
		Count  int
		Tokens []struct {
			Text  string
			Count int
		}
	}
	if err := json.Unmarshal([]byte(out), &n); code != 0 || err != nil || n.Count != 3 || len(n.Tokens) != 2 ||
		n.Tokens[0].Text != " brown" || n.Tokens[0].Count != 2 || n.Tokens[1].Text != " fox" {
		t.Errorf("next: %s (%v)", out, err)
	}

	out, _, code = run(t, "search", "ngram", "longest", "--index", idx, "--query", "I saw a quick brown fox", "--json")
	var l struct {
		Length, Count int
		Suffix        string
	}
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || l.Suffix != " quick brown fox" || l.Count != 1 || l.Length != 3 {
		t.Errorf("longest: %s (%v)", out, err)
	}

	out, _, code = run(t, "search", "ngram", "stats", "--index", idx)
	if code != 0 || !strings.Contains(out, "token bytes    2") {
		t.Errorf("stats:\n%s", out)
	}

	// A copy whose suffix array points outside the token file: --queries
	// stops at the first query with one line instead of one per query.
	damaged := filepath.Join(tmp, "damaged")
	os.MkdirAll(damaged, 0o755)
	entries, _ := os.ReadDir(idx)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(idx, e.Name()))
		if e.Name() == "sa.bin" {
			data = bytes.Repeat([]byte{0xff}, len(data))
		}
		os.WriteFile(filepath.Join(damaged, e.Name()), data, 0o644)
	}

	for _, args := range [][]string{
		{"search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", filepath.Join(tmp, "t"), "--threads", "-1"},
		{"search", "ngram", "next", "--index", idx, "--query", " quick", "-k", "-1"},
		{"search", "ngram", "count", "--index", damaged, "--queries", qf},
		{"search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", idx},
		{"search", "ngram", "build", "--input", corpus, "--out", idx},
		{"search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", idx, "--memory-mb", "-1"},
		{"search", "ngram", "count", "--index", idx},
		{"search", "ngram", "count", "--index", idx, "--query", "[70000]"},
		{"search", "ngram", "count", "--index", filepath.Join(tmp, "nope"), "--query", "x"},
		{"search", "ngram", "next", "--index", idx, "--query", "x", "--queries", qf},
	} {
		if _, errOut, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code %d, stderr %q (want one error line)", args, code, errOut)
		}
	}
}
