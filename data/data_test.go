package data

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/internal/memtest"
)

func TestReadJSONKeepsOrderAndUnifiesTypes(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"lines", "{\"q\": \"a\", \"n\": 1, \"s\": {\"y\": 1, \"x\": [1, 2]}}\n\n{\"n\": 2.5, \"q\": \"b\", \"extra\": true}\n"},
		{"array", `[{"q": "a", "n": 1, "s": {"y": 1, "x": [1, 2]}}, {"n": 2.5, "q": "b", "extra": true}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := ReadJSON(strings.NewReader(tc.in), "x")
			if err != nil {
				t.Fatal(err)
			}
			want := []Doc{
				{Columns: []string{"q", "n", "s", "extra"}, Values: []any{"a", 1.0, Doc{Columns: []string{"y", "x"}, Values: []any{int64(1), []any{int64(1), int64(2)}}}, nil}},
				{Columns: []string{"q", "n", "s", "extra"}, Values: []any{"b", 2.5, nil, true}},
			}
			if d := cmp.Diff(want, docs); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestReadJSONErrors(t *testing.T) {
	for _, in := range []string{"{\"a\": 1}\n{bad\n", "[1, 2]", "[{\"a\": 1}, "} {
		if _, err := ReadJSON(strings.NewReader(in), "f.jsonl"); err == nil || !strings.Contains(err.Error(), "f.jsonl") {
			t.Errorf("%q: got %v, want an error naming the file", in, err)
		}
	}
}

// TestReadCSVTypesLikePandas checks pandas.read_csv's inference: ints,
// floats (ints with a missing value become floats), booleans, strings,
// the default missing-value strings, and quoted multi-line fields.
func TestReadCSVTypesLikePandas(t *testing.T) {
	in := "question,answer,A,Human Accuracy,flag,mixed,gappy\n" +
		"\"multi\nline, quoted\",1,x,0.5,True,1,1\n" +
		"q2,4,NA,,False,b,\n"
	docs, err := ReadCSV(strings.NewReader(in), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"question", "answer", "A", "Human Accuracy", "flag", "mixed", "gappy"}
	want := []Doc{
		{Columns: cols, Values: []any{"multi\nline, quoted", int64(1), "x", 0.5, true, "1", 1.0}},
		{Columns: cols, Values: []any{"q2", int64(4), nil, nil, false, "b", nil}},
	}
	if d := cmp.Diff(want, docs); d != "" {
		t.Error(d)
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,2,3\n"), "bad.csv"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Errorf("too many fields: got %v", err)
	}
}

type pqChoices struct {
	Text  []string `parquet:"text,list"`
	Label []string `parquet:"label,list"`
}

type pqRow struct {
	Question string    `parquet:"question"`
	Answer   int32     `parquet:"answer"`
	Score    *float64  `parquet:"score,optional"`
	Choices  pqChoices `parquet:"choices"`
}

func writeParquet(t *testing.T, path string, rows []pqRow) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[pqRow](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestReadParquet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	half := 0.5
	writeParquet(t, p, []pqRow{
		{"q1", 1, &half, pqChoices{[]string{"a", "b"}, []string{"A", "B"}}},
		{"q2", 2, nil, pqChoices{}},
	})
	docs, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"question", "answer", "score", "choices"}
	cc := []string{"text", "label"}
	want := []Doc{
		{Columns: cols, Values: []any{"q1", int64(1), 0.5, Doc{Columns: cc, Values: []any{[]any{"a", "b"}, []any{"A", "B"}}}}},
		{Columns: cols, Values: []any{"q2", int64(2), nil, Doc{Columns: cc, Values: []any{[]any{}, []any{}}}}},
	}
	if d := cmp.Diff(want, docs); d != "" {
		t.Error(d)
	}
	bad := filepath.Join(t.TempDir(), "bad.parquet")
	os.WriteFile(bad, []byte("PAR1 not really"), 0o644)
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), "bad.parquet") {
		t.Errorf("malformed parquet: got %v", err)
	}
}

func TestLocalBuilderDataFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "test.jsonl"), []byte(`{"a": 1}`+"\n"+`{"a": 2}`+"\n"), 0o644)
	var l Loader
	docs, err := l.Load(context.Background(), Source{Path: "json", DataFiles: map[string][]string{"test": {filepath.Join(dir, "*.jsonl")}}}, "test")
	if err != nil || len(docs) != 2 {
		t.Fatalf("got %v, %v", docs, err)
	}
	_, err = l.Load(context.Background(), Source{Path: "json", DataFiles: map[string][]string{"test": {dir + "/x.jsonl"}}}, "validation")
	if err == nil || !strings.Contains(err.Error(), `split "validation"`) {
		t.Errorf("missing split: %v", err)
	}
}

func TestDefaultSplitPatterns(t *testing.T) {
	for _, tc := range []struct {
		files []string
		split string
		want  []string
	}{
		{[]string{"data/test-00000-of-00002.parquet", "data/test-00001-of-00002.parquet", "data/train-00000-of-00001.parquet"}, "test", []string{"data/test-00000-of-00002.parquet", "data/test-00001-of-00002.parquet"}},
		{[]string{"Accounting-dev.csv", "Accounting-test.csv", "README.md"}, "validation", []string{"Accounting-dev.csv"}},
		{[]string{"dev/a.jsonl", "test/a.jsonl"}, "test", []string{"test/a.jsonl"}},
		{[]string{"all.jsonl"}, "train", []string{"all.jsonl"}},
	} {
		got, err := defaultSplitFiles(Source{Path: "x"}, tc.split, tc.files)
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("%v %s: got %v, %v; want %v", tc.files, tc.split, got, err, tc.want)
		}
	}
}

const card = `---
configs:
- config_name: Accounting
  data_files:
  - split: dev
    path: data/Accounting-dev.csv
  - split: test
    path: data/Accounting-test.csv
- config_name: Criminal-Law
  data_files:
  - split: test
    path: data/Criminal-Law-*.csv
---
# KMMLU-like
`

const commit = "0123456789abcdef0123456789abcdef01234567"

// fakeHub serves a dataset repository on main and a Parquet conversion on
// refs/convert/parquet, failing the first requests to exercise retries.
type fakeHub struct {
	main, conv map[string]string
	failFirst  atomic.Int32
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.failFirst.Load() > 0 {
		h.failFirst.Add(-1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	p := r.URL.EscapedPath()
	pick := func(rev string) map[string]string {
		switch rev {
		case "main":
			return h.main
		case "refs%2Fconvert%2Fparquet":
			return h.conv
		}
		return nil
	}
	if rest, ok := strings.CutPrefix(p, "/api/datasets/org/kmmlu/tree/"); ok {
		files := pick(rest)
		if files == nil {
			http.NotFound(w, r)
			return
		}
		var parts []string
		for f, c := range files {
			parts = append(parts, fmt.Sprintf(`{"type":"file","path":%q,"size":%d}`, f, len(c)))
		}
		fmt.Fprintf(w, "[%s]", strings.Join(parts, ","))
		return
	}
	if rest, ok := strings.CutPrefix(p, "/datasets/org/kmmlu/resolve/"); ok {
		rev, file, _ := strings.Cut(rest, "/")
		content, ok := pick(rev)[file]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Repo-Commit", commit)
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(content)*31+len(file)))
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		if r.Method != http.MethodHead {
			w.Write([]byte(content))
		}
		return
	}
	http.NotFound(w, r)
}

func newHubLoader(t *testing.T, h *fakeHub) *Loader {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Loader{Hub: &hub.Client{Endpoint: srv.URL, CacheDir: t.TempDir(), RetryBase: time.Millisecond, Retries: 3}}
}

func TestHubCardConfigs(t *testing.T) {
	h := &fakeHub{main: map[string]string{
		"README.md":                  card,
		"data/Accounting-dev.csv":    "question,answer\nd1,1\n",
		"data/Accounting-test.csv":   "question,answer\nt1,2\nt2,3\n",
		"data/Criminal-Law-test.csv": "question,answer\nc1,4\n",
	}}
	h.failFirst.Store(2)
	l := newHubLoader(t, h)
	ctx := context.Background()
	docs, err := l.Load(ctx, Source{Path: "org/kmmlu", Name: "Accounting"}, "test")
	if err != nil || len(docs) != 2 || docs[1].Values[0] != "t2" {
		t.Fatalf("Accounting/test: %v %v", docs, err)
	}
	docs, err = l.Load(ctx, Source{Path: "org/kmmlu", Name: "Criminal-Law"}, "test")
	if err != nil || len(docs) != 1 {
		t.Fatalf("Criminal-Law/test: %v %v", docs, err)
	}
	_, err = l.Load(ctx, Source{Path: "org/kmmlu", Name: "Acounting"}, "test")
	if err == nil || !strings.Contains(err.Error(), `did you mean "Accounting"`) {
		t.Errorf("misspelled config: %v", err)
	}
	_, err = l.Load(ctx, Source{Path: "org/kmmlu", Name: "Criminal-Law"}, "dev")
	if err == nil || !strings.Contains(err.Error(), `no split "dev"`) {
		t.Errorf("missing split: %v", err)
	}
	// Offline, the cached files still serve.
	l.Hub.Offline = true
	if docs, err := l.Load(ctx, Source{Path: "org/kmmlu", Name: "Accounting"}, "test"); err != nil || len(docs) != 2 {
		t.Errorf("offline: %v %v", docs, err)
	}
	if _, err := l.Load(ctx, Source{Path: "org/kmmlu", Name: "Accounting"}, "dev"); !errors.Is(err, hub.ErrOffline) {
		t.Errorf("offline, never downloaded: got %v, want ErrOffline", err)
	}
}

func TestHubParquetConversionFallback(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "0000.parquet")
	writeParquet(t, p, []pqRow{{Question: "pq", Answer: 3}})
	b, _ := os.ReadFile(p)
	h := &fakeHub{
		main: map[string]string{"kmmlu.py": "# a loading script"},
		conv: map[string]string{"Law/test/0000.parquet": string(b), "Law/dev/0000.parquet": string(b)},
	}
	l := newHubLoader(t, h)
	docs, err := l.Load(context.Background(), Source{Path: "org/kmmlu", Name: "Law"}, "test")
	if err != nil || len(docs) != 1 || docs[0].Values[0] != "pq" {
		t.Fatalf("got %v %v", docs, err)
	}
}

func TestHubDownloadFailureIsOneClearError(t *testing.T) {
	h := &fakeHub{main: map[string]string{"README.md": card}}
	h.failFirst.Store(100)
	l := newHubLoader(t, h)
	_, err := l.Load(context.Background(), Source{Path: "org/kmmlu", Name: "Accounting"}, "test")
	if err == nil || !strings.Contains(err.Error(), "org/kmmlu") || !strings.Contains(err.Error(), "503") {
		t.Errorf("got %v, want an error naming the dataset and the HTTP status", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b\n1,x\n")
	f.Add("\"q\nq\",1\n,\n")
	f.Fuzz(func(t *testing.T, s string) {
		n := memtest.AllocatedBytes(func() { ReadCSV(strings.NewReader(s), "fuzz.csv") })
		if limit := uint64(256*len(s) + 1<<20); n > limit {
			t.Fatalf("reading %d bytes allocated %d (limit %d)", len(s), n, limit)
		}
	})
}

func FuzzReadJSON(f *testing.F) {
	f.Add(`{"a": [1, {"b": null}]}`)
	f.Add(`[{"a": 1.5e3}]`)
	f.Fuzz(func(t *testing.T, s string) {
		n := memtest.AllocatedBytes(func() { ReadJSON(strings.NewReader(s), "fuzz.jsonl") })
		if limit := uint64(256*len(s) + 1<<20); n > limit {
			t.Fatalf("reading %d bytes allocated %d (limit %d)", len(s), n, limit)
		}
	})
}

// FuzzDecodeJSON feeds DecodeJSON (the Python worker's answers) arbitrary
// bytes: it returns a value or an error, never panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"ok": [1, 2.5, "x", {"a": null}]}`, `[`, `{"a":1}{`, `1e999`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := memtest.AllocatedBytes(func() { DecodeJSON(b) })
		if limit := uint64(256*len(b) + 1<<20); n > limit {
			t.Fatalf("decoding %d bytes allocated %d (limit %d)", len(b), n, limit)
		}
	})
}
