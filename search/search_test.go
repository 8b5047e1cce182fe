package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"

	"github.com/fmkit/fmkit/internal/memtest"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const smallCorpus = `{"id": "d1", "contents": "The quick brown fox jumps over the lazy dog", "meta": {"lang": "en", "year": 2001}}
{"id": "d2", "contents": "A quick movement of the enemy will jeopardize six gunboats", "meta": {"lang": "en"}}
{"id": "d3", "contents": "Der schnelle braune Fuchs springt über den faulen Hund", "meta": {"lang": "de"}}
{"id": "d4", "contents": "the dog barks; the fox runs away quickly", "meta": {"lang": "en"}}
`

func buildSmall(t *testing.T, opts *Options) *Index {
	t.Helper()
	dir := t.TempDir()
	in := writeFile(t, t.TempDir(), "c.jsonl", smallCorpus)
	if _, err := Build(context.Background(), dir, []string{in}, opts); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func ids(res *Results) string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return strings.Join(out, " ")
}

func TestQueries(t *testing.T) {
	ix := buildSmall(t, &Options{Threads: 2})
	cases := []struct {
		query string
		want  string // ids in rank order
		total int64
	}{
		{"fox", "d4 d1", 2},   // d4 is shorter
		{"quick", "d2 d1", 2}, // quickly stems to quickli
		{`"brown fox"`, "d1", 1},
		{`"fox brown"`, "", 0},
		{`"the lazy dog"`, "d1", 1},
		{"fox AND dog", "d4 d1", 2},
		{"fox -lazy", "d4", 1},
		{"fox NOT lazy", "d4", 1},
		{"+fox +runs", "d4", 1},
		{"(fox OR gunboats) AND quick", "d2 d1", 2},
		{"meta.lang:de", "d3", 1},
		{"meta.lang:en fox", "d4 d1 d2", 3}, // an optional filter matches with score 0
		{"+meta.lang:en +dog", "d4 d1", 2},
		{"meta.year:2001", "d1", 1},
		{"id:d2", "d2", 1},
		{"the of", "", 0}, // stop words only
		{"-fox", "", 0},   // nothing required
		{"nonexistent", "", 0},
	}
	for _, c := range cases {
		res, err := ix.Search(context.Background(), c.query, nil)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		if got := ids(res); got != c.want || res.Total != c.total {
			t.Errorf("%q: got [%s] total %d, want [%s] total %d", c.query, got, res.Total, c.want, c.total)
		}
	}
}

func TestPaginationAndSnippets(t *testing.T) {
	ix := buildSmall(t, nil)
	all, err := ix.Search(context.Background(), "quick fox dog", &SearchOptions{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	page, err := ix.Search(context.Background(), "quick fox dog", &SearchOptions{K: 1, Offset: 1, Snippets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Hits) != 1 || page.Hits[0].ID != all.Hits[1].ID || page.Total != all.Total {
		t.Fatalf("page 2 = %+v, want hit %s of %d", page, all.Hits[1].ID, all.Total)
	}
	if s := page.Hits[0].Snippet; !strings.Contains(s, "<b>") {
		t.Errorf("snippet %q has no highlighted match", s)
	}
	if string(page.Hits[0].Meta) == "" {
		t.Errorf("hit has no meta")
	}
	past, _ := ix.Search(context.Background(), "fox", &SearchOptions{K: 10, Offset: 5})
	if len(past.Hits) != 0 || past.Total != 2 {
		t.Errorf("offset past the end: %+v", past)
	}
}

func TestDoc(t *testing.T) {
	ix := buildSmall(t, nil)
	rec, err := ix.Doc("d3")
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Contents string }
	if err := json.Unmarshal(rec, &r); err != nil || !strings.Contains(r.Contents, "Fuchs") {
		t.Fatalf("Doc(d3) = %s, %v", rec, err)
	}
	if _, err := ix.Doc("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Doc(nope) error = %v, want ErrNotFound", err)
	}
}

func TestBadRecords(t *testing.T) {
	cases := []struct {
		name, line, want string
	}{
		{"malformed", `{"id": "x", "contents": "a"`, "c.jsonl:2: malformed JSON"},
		{"missing id", `{"contents": "a"}`, `c.jsonl:2: missing "id" field`},
		{"missing text", `{"id": "x"}`, `c.jsonl:2: missing "contents" field`},
		{"text not string", `{"id": "x", "contents": 5}`, `c.jsonl:2: field "contents": want a string`},
		{"duplicate", `{"id": "a", "contents": "again"}`, `c.jsonl:2: duplicate id "a"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, t.TempDir(), "c.jsonl", `{"id": "a", "contents": "first"}`+"\n"+c.line+"\n"+`{"id": "b", "contents": "last"}`+"\n")
			dir := t.TempDir()
			_, err := Build(context.Background(), dir, []string{in}, &Options{Threads: 1})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("stop: error %v, want %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, commitFile)); !os.IsNotExist(err) {
				t.Errorf("a failed run committed")
			}
			res, err := Build(context.Background(), dir, []string{in}, &Options{Threads: 1, OnError: Skip})
			if err != nil {
				t.Fatal(err)
			}
			if res.Docs != 2 || res.Skipped != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), c.want) {
				t.Errorf("skip: docs %d skipped %d errors %v", res.Docs, res.Skipped, res.Errors)
			}
		})
	}
}

func TestQuerySyntaxErrors(t *testing.T) {
	cases := []struct{ query, want string }{
		{`"unbalanced`, "unbalanced quote"},
		{`(a b`, "unbalanced parenthesis"},
		{`a b)`, "unbalanced parenthesis"},
		{`a AND`, "AND without a right operand"},
		{`OR a`, "OR without a left operand"},
		{``, "empty query"},
		{`meta.lang:`, "missing value"},
	}
	for _, c := range cases {
		_, err := ParseQuery(c.query)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseQuery(%q) error = %v, want %q", c.query, err, c.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	cases := []struct{ query, want string }{
		{"a b", "a b"},
		{"+a -b c", "+a -b c"},
		{"a AND b OR c", "(+a +b) c"},
		{"a && !b", "+a -b"},
		{`"x y" meta.k:"v w"`, `"x y" meta.k:v w`},
		{`wi-fi`, "wi-fi"},
		{`+(a b) +c`, "+(a b) +c"},
		{`a\(b`, "a(b"},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.query)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("ParseQuery(%q) = %s, want %s", c.query, got, c.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a b", `"x y"`, "(a OR b) AND -c", "meta.k:v", `a\"`, "((", `"`, "+-!a", "NOT NOT a"} {
		f.Add(s)
	}
	f.Add(strings.Repeat("(", 5000) + "a")
	f.Add(strings.Repeat("a AND ", 3000) + "a")
	f.Fuzz(func(t *testing.T, s string) {
		var q Query
		var err error
		if n := memtest.AllocatedBytes(func() { q, err = ParseQuery(s) }); n > uint64(64*len(s)+1<<16) {
			t.Fatalf("parsing a %d-byte query allocated %d bytes", len(s), n)
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a SyntaxError", err)
			}
			return
		}
		if q == nil {
			t.Fatal("nil query without error")
		}
		_ = q.String()
	})
}

func TestNewerFormatRejected(t *testing.T) {
	ix := buildSmall(t, nil)
	dir := ix.dir
	data, _ := os.ReadFile(filepath.Join(dir, commitFile))
	var c map[string]any
	json.Unmarshal(data, &c)
	c["format"] = FormatVersion + 1
	data, _ = json.Marshal(c)
	os.WriteFile(filepath.Join(dir, commitFile), data, 0o644)
	_, err := Open(dir)
	if !errors.Is(err, ErrNewerFormat) || !strings.Contains(err.Error(), fmt.Sprintf("format version %d", FormatVersion+1)) {
		t.Fatalf("Open of a newer index: %v", err)
	}
}

func TestInterruptedBuildKeepsLastCommit(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, t.TempDir(), "c.jsonl", smallCorpus)
	if _, err := Build(context.Background(), dir, []string{in}, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	more := writeFile(t, t.TempDir(), "more.jsonl", `{"id": "d9", "contents": "fox"}`+"\n")
	if _, err := Build(ctx, dir, []string{more}, nil); err == nil {
		t.Fatal("cancelled build succeeded")
	}
	// Leftovers of a crash: a stray segment and a half-written commit.
	writeFile(t, dir, "seg-999999-000001.fmx", "garbage")
	writeFile(t, dir, commitFile+".tmp", "{")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Stats().Docs != 4 {
		t.Fatalf("docs = %d, want the 4 of the last commit", ix.Stats().Docs)
	}
	if err := ix.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendAndDuplicatesAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, t.TempDir(), "c.jsonl", smallCorpus)
	if _, err := Build(context.Background(), dir, []string{in}, nil); err != nil {
		t.Fatal(err)
	}
	more := writeFile(t, t.TempDir(), "more.jsonl", `{"id": "d9", "contents": "a fox again"}`+"\n"+`{"id": "d1", "contents": "dup"}`+"\n")
	res, err := Build(context.Background(), dir, []string{more}, &Options{OnError: Skip})
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 1 || res.Skipped != 1 {
		t.Fatalf("docs %d skipped %d, want 1 and 1", res.Docs, res.Skipped)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r, _ := ix.Search(context.Background(), "fox", nil)
	if r.Total != 3 {
		t.Errorf("fox: total %d, want 3", r.Total)
	}
	if _, err := Build(context.Background(), dir, []string{more}, &Options{Analyzer: "standard"}); err == nil || !strings.Contains(err.Error(), "analyzer") {
		t.Errorf("adding with another analyzer: %v", err)
	}
}

func TestSegmenting(t *testing.T) {
	words := make([]string, 600)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	line, _ := json.Marshal(map[string]any{"id": "long", "contents": strings.Join(words, " ")})
	in := writeFile(t, t.TempDir(), "c.jsonl", string(line)+"\n")
	dir := t.TempDir()
	sg, err := ParseSegmenting("256:16")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(context.Background(), dir, []string{in}, &Options{Segment: sg, Analyzer: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 3 { // tokens 0-255, 240-495, 480-599
		t.Fatalf("passages = %d, want 3", res.Docs)
	}
	ix, _ := Open(dir)
	defer ix.Close()
	r, _ := ix.Search(context.Background(), "w250", nil)
	if got := ids(r); got != "long?seg=para_256_16&seg_id=0 long?seg=para_256_16&seg_id=1" {
		t.Errorf("w250 in passages %s", got)
	}
	rec, err := ix.Doc("long?seg=para_256_16&seg_id=2")
	if err != nil || !strings.Contains(string(rec), `"parent":"long"`) || !strings.HasPrefix(strings.Fields(string(rec))[0], `{"id":"long?seg=para_256_16\u0026seg_id=2","contents":"w480`) {
		t.Errorf("passage 2 record %s, %v", rec, err)
	}
	for _, bad := range []string{"256", "16:256", "a:b", "0:0"} {
		if _, err := ParseSegmenting(bad); err == nil {
			t.Errorf("ParseSegmenting(%q) accepted", bad)
		}
	}
}

func TestExactNormsDifferFromLucene(t *testing.T) {
	exact := buildSmall(t, &Options{Similarity: Exact})
	lucene := buildSmall(t, &Options{Similarity: Lucene4})
	a, _ := exact.Search(context.Background(), "dog", nil)
	b, _ := lucene.Search(context.Background(), "dog", nil)
	if a.Hits[0].Score == b.Hits[0].Score {
		t.Errorf("exact and Lucene norms gave the same score %v", a.Hits[0].Score)
	}
}

func TestParquetInput(t *testing.T) {
	type row struct {
		ID       string `parquet:"id"`
		Contents string `parquet:"contents"`
	}
	in := filepath.Join(t.TempDir(), "c.parquet")
	rows := []row{{"p1", "parquet files hold rows"}, {"p2", "columns of rows and more rows"}}
	if err := parquet.WriteFile(in, rows); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := Build(context.Background(), dir, []string{in}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 2 {
		t.Fatalf("docs = %d, want 2", res.Docs)
	}
	ix, _ := Open(dir)
	defer ix.Close()
	r, _ := ix.Search(context.Background(), "rows", nil)
	if got := ids(r); got != "p2 p1" {
		t.Errorf("rows: %s", got)
	}
}

func TestCompressedAndTextInputs(t *testing.T) {
	src := t.TempDir()
	var zbuf bytes.Buffer
	zw, _ := zstd.NewWriter(&zbuf)
	zw.Write([]byte(smallCorpus))
	zw.Close()
	writeFile(t, src, "a.jsonl.zst", zbuf.String())
	os.MkdirAll(filepath.Join(src, "notes"), 0o755)
	writeFile(t, src, "notes/fox.txt", "a plain text file about a fox")
	writeFile(t, src, "ignored.bin", "not indexed")
	dir := t.TempDir()
	res, err := Build(context.Background(), dir, []string{src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 5 {
		t.Fatalf("docs = %d, want 4 records and 1 text file", res.Docs)
	}
	ix, _ := Open(dir)
	defer ix.Close()
	r, _ := ix.Search(context.Background(), "fox", nil)
	if r.Total != 3 || !strings.Contains(ids(r), "notes/fox.txt") {
		t.Errorf("fox: %s total %d", ids(r), r.Total)
	}
}

func TestHubDatasetInput(t *testing.T) {
	ds := t.TempDir()
	writeFile(t, ds, "train.jsonl", smallCorpus)
	writeFile(t, ds, "test.jsonl", `{"id": "t1", "contents": "only in the test split"}`+"\n")
	dir := t.TempDir()
	res, err := Build(context.Background(), dir, []string{"hf:" + ds + ":test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 1 {
		t.Fatalf("docs = %d, want the 1 of the test split", res.Docs)
	}
	for _, bad := range []string{"hf:justname", "hf:a/b/c/d", "hf:org/name:"} {
		if _, err := Build(context.Background(), t.TempDir(), []string{bad}, nil); err == nil || !strings.Contains(err.Error(), "hf:") {
			t.Errorf("input %q: error %v", bad, err)
		}
	}
}

func TestCorruptSegment(t *testing.T) {
	ix := buildSmall(t, nil)
	dir := ix.dir
	ix.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "*.fmx"))
	data, _ := os.ReadFile(names[0])
	for i := 12; i < len(data)/2; i++ {
		data[i] ^= 0x5a // scramble the postings and dictionary
	}
	os.WriteFile(names[0], data, 0o644)
	ix2, err := Open(dir)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: %v, want ErrCorrupt", err)
		}
		return
	}
	defer ix2.Close()
	if err := ix2.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify: %v, want ErrCorrupt", err)
	}
	for _, q := range []string{"fox", "quick brown", `"lazy dog"`, "+fox +dog"} {
		if _, err := ix2.Search(context.Background(), q, nil); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%q: %v", q, err)
		}
	}
}

func TestConcurrentWritersExcluded(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	in := writeFile(t, t.TempDir(), "c.jsonl", smallCorpus)
	if _, err := Build(context.Background(), dir, []string{in}, nil); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("second writer: %v", err)
	}
}

func TestTokenizerAnalyzerIndex(t *testing.T) {
	ix := buildSmall(t, &Options{Analyzer: "tokenizer:../tokenizer/testdata/gpt2/tokenizer.json"})
	if a := ix.Stats().Analyzer; !strings.HasPrefix(a, "tokenizer:/") {
		t.Errorf("analyzer %q not stored with an absolute path", a)
	}
	// GPT-2 tokens keep the leading space: " fox" is "Ġfox" in both documents.
	r, err := ix.Search(context.Background(), `"a fox"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 0 {
		t.Errorf(`"a fox": total %d, want 0`, r.Total)
	}
	r, _ = ix.Search(context.Background(), `" brown fox"`, &SearchOptions{Snippets: true})
	if ids(r) != "d1" || !strings.Contains(r.Hits[0].Snippet, "<b> brown</b><b> fox</b>") {
		t.Errorf(`" brown fox": %s %+v`, ids(r), r.Hits)
	}
}

// TestSentinelErrors checks that callers can tell the error kinds apart
// with errors.Is, without reading messages.
func TestSentinelErrors(t *testing.T) {
	_, err := Open(t.TempDir())
	if !errors.Is(err, ErrNotIndex) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of an empty directory: %v, want ErrNotIndex and fs.ErrNotExist", err)
	}
	ix := buildSmall(t, nil)
	if _, err := Open(ix.dir); err != nil {
		t.Errorf("Open of an index: %v", err)
	}
	for _, c := range []struct {
		query string
		empty bool
	}{
		{"()", true},
		{"a ()", true},
		{"(", false},
		{"(a", false},
		{"a)", false},
	} {
		_, err := ParseQuery(c.query)
		var se *SyntaxError
		if !errors.As(err, &se) || errors.Is(err, ErrEmptyQuery) != c.empty {
			t.Errorf("ParseQuery(%q) = %v; want a SyntaxError, ErrEmptyQuery %v", c.query, err, c.empty)
		}
	}
}

func TestSimilarityOptions(t *testing.T) {
	ix := buildSmall(t, nil)
	if st := ix.Stats(); st.Similarity != Lucene8 {
		t.Errorf("default similarity %q, want lucene8", st.Similarity)
	}
	if err := (&Options{Similarity: "bm42"}).Validate(); err == nil || !strings.Contains(err.Error(), `Similarity ("bm42")`) {
		t.Errorf("Validate of a bad similarity: %v", err)
	}
	if _, err := ix.Search(context.Background(), "dog", &SearchOptions{Similarity: "bm42"}); err == nil {
		t.Error("search with an unknown similarity succeeded")
	}
	// Lucene 8 drops the (k1+1) factor and rounds lengths above 40 down;
	// on this tiny corpus all lengths are exact, so Lucene 8's score is
	// the exact-length classic score divided by k1+1.
	a, err := ix.Search(context.Background(), "dog", &SearchOptions{Similarity: Lucene8})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ix.Search(context.Background(), "dog", &SearchOptions{Similarity: Exact})
	if err != nil {
		t.Fatal(err)
	}
	if ratio := b.Hits[0].Score / a.Hits[0].Score; math.Abs(float64(ratio)-1.9) > 1e-5 {
		t.Errorf("exact/lucene8 score ratio %v, want k1+1 = 1.9", ratio)
	}
}

// TestOldCommitSimilarity opens commits written before similarities were
// recorded: lucene_norms true meant Lucene 4's norms, false exact lengths.
func TestOldCommitSimilarity(t *testing.T) {
	for _, c := range []struct {
		norms bool
		want  Similarity
	}{{true, Lucene4}, {false, Exact}} {
		ix := buildSmall(t, nil)
		path := filepath.Join(ix.dir, commitFile)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "similarity")
		m["lucene_norms"] = c.norms
		data, _ = json.Marshal(m)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		old, err := Open(ix.dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := old.Stats().Similarity; got != c.want {
			t.Errorf("lucene_norms=%v: similarity %q, want %q", c.norms, got, c.want)
		}
		old.Close()
		m["similarity"] = "bm42"
		data, _ = json.Marshal(m)
		os.WriteFile(path, data, 0o644)
		if _, err := Open(ix.dir); !errors.Is(err, ErrCorrupt) {
			t.Errorf("commit with an unknown similarity: %v, want ErrCorrupt", err)
		}
	}
}

func TestPassagesAndHighlight(t *testing.T) {
	words := make([]string, 40)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	corpus := fmt.Sprintf(`{"id": "long", "contents": %q}`+"\n", strings.Join(words, " "))
	dir := t.TempDir()
	in := writeFile(t, t.TempDir(), "c.jsonl", corpus)
	if _, err := Build(context.Background(), dir, []string{in}, &Options{Segment: &Segmenting{Size: 16, Overlap: 4}}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	parent, recs, err := ix.Passages("long?seg=para_16_4&seg_id=1")
	if err != nil || parent != "long" || len(recs) != 3 { // words 0-15, 12-27, 24-39
		t.Fatalf("Passages: %q, %d records, %v", parent, len(recs), err)
	}
	for n, rec := range recs {
		if want := fmt.Sprintf(`"id":"long?seg=para_16_4\u0026seg_id=%d"`, n); !strings.Contains(string(rec), want) {
			t.Errorf("passage %d: %s", n, rec)
		}
	}
	if _, _, err := ix.Passages("long"); !errors.Is(err, ErrNotPassage) {
		t.Errorf("Passages(long): %v", err)
	}
	if _, _, err := ix.Passages("short?seg=para_16_4&seg_id=0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Passages of a missing parent: %v", err)
	}

	small := buildSmall(t, nil)
	parts, err := small.Highlight("The dog barks; dogs bark.", `dog -cat "bark"`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parts {
		if p.Match {
			got = append(got, p.Text)
		}
	}
	if strings.Join(got, ",") != "dog,barks,dogs,bark" {
		t.Errorf("highlighted %v", got)
	}
	res, err := small.Search(context.Background(), "lazy dog", &SearchOptions{Snippets: true, SnippetParts: true})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hits[0]
	var b strings.Builder
	for _, p := range h.Parts {
		if p.Match {
			b.WriteString("<b>" + p.Text + "</b>")
		} else {
			b.WriteString(p.Text)
		}
	}
	if b.String() != h.Snippet || !strings.Contains(h.Snippet, "<b>lazy</b> <b>dog</b>") {
		t.Errorf("parts %+v do not make snippet %q", h.Parts, h.Snippet)
	}
}
