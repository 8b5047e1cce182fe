package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/ngram"
	"github.com/fmkit/fmkit/search/pii"
)

const corpus = `{"id": "d1", "contents": "The quick brown fox. Write to fox.keeper@example.com for a visit.", "meta": {"lang": "en", "source": "mail admin@zoo.example.org"}}
{"id": "d2", "contents": "A quick brown dog outpaces a quick fox from 203.0.113.77.", "meta": {"lang": "en"}}
{"id": "d3", "contents": "Der schnelle braune Fuchs.", "meta": {"lang": "de"}}
`

// testServer serves a BM25 index of corpus with 20 extra fox documents
// (for pages), a passage index and an n-gram index.
func testServer(t *testing.T, opts *Options) (*Server, *httptest.Server) {
	t.Helper()
	tmp := t.TempDir()
	var b strings.Builder
	b.WriteString(corpus)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `{"id": "fox%02d", "contents": "fox number %d runs"}`+"\n", i, i)
	}
	in := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(in, []byte(b.String()), 0o644)
	open := func(dir string, o *search.Options) *search.Index {
		if _, err := search.Build(context.Background(), dir, []string{in}, o); err != nil {
			t.Fatal(err)
		}
		ix, err := search.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		return ix
	}
	bm := open(filepath.Join(tmp, "bm"), nil)
	seg := open(filepath.Join(tmp, "seg"), &search.Options{Segment: &search.Segmenting{Size: 4, Overlap: 1}})

	ngIn := filepath.Join(tmp, "n.jsonl")
	os.WriteFile(ngIn, []byte(`{"id": "n1", "text": "The quick brown fox jumps. Mail fox@example.com now."}
{"id": "n2", "text": "A quick brown dog."}
`), 0o644)
	if _, err := ngram.Build(context.Background(), filepath.Join(tmp, "ng"), []string{ngIn}, "../../tokenizer/testdata/gpt2/tokenizer.json", nil, nil); err != nil {
		t.Fatal(err)
	}
	ng, err := ngram.Open(filepath.Join(tmp, "ng"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ng.Close() })
	s, err := New([]Corpus{{"gcide", bm}, {"passages", seg}}, []NgramCorpus{{"counts", ng}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func get(t *testing.T, hs *httptest.Server, path string, v any) int {
	t.Helper()
	r, err := http.Get(hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return r.StatusCode
}

func text(parts []Part) string {
	var b strings.Builder
	for _, p := range parts {
		switch {
		case p.Redacted:
			b.WriteString("{" + p.Text + "}")
		case p.Match:
			b.WriteString("[" + p.Text + "]")
		default:
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestAPI(t *testing.T) {
	flags := filepath.Join(t.TempDir(), "flags.jsonl")
	s, hs := testServer(t, &Options{FlagsFile: flags})

	var corpora struct {
		Corpora []corpusInfo
		Redact  bool
	}
	if get(t, hs, "/api/corpora", &corpora); len(corpora.Corpora) != 3 || corpora.Corpora[2].Kind != "ngram" || !corpora.Redact {
		t.Errorf("corpora %+v", corpora)
	}

	var res searchReply
	if code := get(t, hs, "/api/search?corpus=gcide&q="+url.QueryEscape("fox -number"), &res); code != 200 {
		t.Fatalf("search: %d", code)
	}
	if res.Total != 2 || res.Hits[0].ID != "d1" && res.Hits[0].ID != "d2" {
		t.Fatalf("search results %+v", res)
	}
	for _, h := range res.Hits {
		got := text(h.Snippet)
		if h.ID == "d1" && got != "The quick brown [fox]. Write to {PI:EMAIL} for a visit." {
			t.Errorf("d1 snippet %q", got)
		}
		if h.ID == "d2" && got != "A quick brown dog outpaces a quick [fox] from {PI:IP_ADDRESS}." {
			t.Errorf("d2 snippet %q", got)
		}
		if h.ID == "d1" && h.Meta["source"] != "mail PI:EMAIL" {
			t.Errorf("d1 meta %v", h.Meta)
		}
	}

	// Pages: 22 fox documents, 10 a page.
	var p3 searchReply
	get(t, hs, "/api/search?corpus=gcide&q=fox&offset=20&k=10", &p3)
	if p3.Total != 22 || len(p3.Hits) != 2 || p3.Hits[0].Rank != 21 {
		t.Errorf("third page: total %d, %d hits, first rank %d", p3.Total, len(p3.Hits), p3.Hits[0].Rank)
	}

	var doc record
	if code := get(t, hs, "/api/doc?corpus=gcide&id=d1&q=visit", &doc); code != 200 || text(doc.Contents) != "The quick brown fox. Write to {PI:EMAIL} for a [visit]." {
		t.Errorf("doc %d %q", code, text(doc.Contents))
	}

	var seg searchReply
	get(t, hs, "/api/search?corpus=passages&q=visit", &seg)
	if len(seg.Hits) != 1 || !seg.Hits[0].Passage {
		t.Fatalf("passage search %+v", seg)
	}
	var whole struct {
		Parent   string
		Passages []record
	}
	if code := get(t, hs, "/api/doc?corpus=passages&parent=1&id="+url.QueryEscape(seg.Hits[0].ID), &whole); code != 200 || whole.Parent != "d1" || len(whole.Passages) != 3 {
		t.Fatalf("parent view %d %+v", code, whole)
	}
	current := 0
	for _, p := range whole.Passages {
		if p.Current {
			current++
		}
	}
	if current != 1 {
		t.Errorf("%d current passages", current)
	}

	var cnt countReply
	if code := get(t, hs, "/api/count?corpus=counts&docs=5&next=5&q="+url.QueryEscape(" quick brown"), &cnt); code != 200 || cnt.Count != 2 || len(cnt.Docs) != 2 || len(cnt.Next) != 2 {
		t.Fatalf("count %d %+v", code, cnt)
	}
	for _, d := range cnt.Docs {
		if d.ID == "n1" && text(d.Context) != "The[ quick brown] fox jumps. Mail {PI:EMAIL} now." {
			t.Errorf("count context %q", text(d.Context))
		}
	}
	get(t, hs, "/api/count?corpus=counts&q="+url.QueryEscape(" purple quick brown"), &cnt)
	if cnt.Count != 0 || cnt.Long == nil || cnt.Long.Length != 2 {
		t.Errorf("count of an absent n-gram %+v", cnt)
	}
	// The page reads the longest match's keys in lower case.
	var raw struct{ Longest json.RawMessage }
	get(t, hs, "/api/count?corpus=counts&q="+url.QueryEscape(" purple quick brown"), &raw)
	if !regexp.MustCompile(`^\{"start":1,"length":2,"count":2\}$`).Match(raw.Longest) {
		t.Errorf("longest %s", raw.Longest)
	}

	post := func(body string) (int, string) {
		r, err := http.Post(hs.URL+"/api/flag", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, body := post(`{"corpus": "gcide", "id": "d1", "query": "fox", "reason": "personal data"}`); code != 200 {
		t.Fatalf("flag: %d %s", code, body)
	}
	data, _ := os.ReadFile(flags)
	if !strings.Contains(string(data), `"id":"d1"`) || !strings.Contains(string(data), `"reason":"personal data"`) || len(s.Flags()) != 1 {
		t.Errorf("flags file %s", data)
	}
	// Flags survive a restart.
	if fs, err := openFlags(flags); err != nil || len(fs.list()) != 1 {
		t.Errorf("reopened flags: %v, %v", fs, err)
	}

	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/search?corpus=nope&q=fox", 404, `unknown corpus "nope"`},
		{"/api/search?corpus=gcide", 400, `missing parameter "q"`},
		{"/api/search?corpus=gcide&q=" + url.QueryEscape("(fox"), 400, "unbalanced parenthesis"},
		{"/api/search?corpus=gcide&q=fox&k=1000", 400, `parameter "k" is "1000"`},
		{"/api/search?corpus=gcide&q=fox&offset=-1", 400, `parameter "offset"`},
		{"/api/search?corpus=gcide&q=" + strings.Repeat("a", 3000), 400, "the limit is 2048"},
		{"/api/search?corpus=gcide&q=" + strings.Repeat("a", 9000), 414, "query string of"},
		{"/api/search?corpus=counts&q=fox", 400, "use /api/count"},
		{"/api/count?corpus=gcide&q=fox", 400, "use /api/search"},
		{"/api/count?corpus=counts&q=" + url.QueryEscape("[1.5]"), 400, "token id 0 is 1.5"},
		{"/api/doc?corpus=gcide&id=zzz", 404, "document not found"},
		{"/api/doc?corpus=gcide&id=d1&parent=1", 404, "not a passage id"},
	} {
		var e struct{ Error string }
		if code := get(t, hs, c.path, &e); code != c.status || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s: %d %q, want %d %q", c.path[:min(len(c.path), 60)], code, e.Error, c.status, c.want)
		}
	}
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"corpus": "gcide"}`, 400},
		{`{"corpus": "x", "id": "d1"}`, 400},
		{`{"corpus": "gcide", "id": "no-such-doc"}`, 404},
		{`not json`, 400},
		{`{"corpus": "gcide", "id": "d1", "extra": 1}`, 400},
		{`{"corpus": "gcide", "id": "` + strings.Repeat("x", 9000) + `"}`, 413},
	} {
		if code, body := post(c.body); code != c.status {
			t.Errorf("flag %q: %d %s, want %d", c.body[:min(len(c.body), 40)], code, body, c.status)
		}
	}
}

func TestNoRedact(t *testing.T) {
	_, hs := testServer(t, &Options{NoRedact: true})
	var doc record
	get(t, hs, "/api/doc?corpus=gcide&id=d1", &doc)
	if !strings.Contains(text(doc.Contents), "fox.keeper@example.com") {
		t.Errorf("unredacted doc %q", text(doc.Contents))
	}
	_, hs = testServer(t, nil)
	var r searchReply
	if code := get(t, hs, "/api/search?corpus=gcide&q=fox", &r); code != 200 {
		t.Fatal(code)
	}
	// Without a flags file the flag action is refused.
	resp, _ := http.Post(hs.URL+"/api/flag", "application/json", strings.NewReader(`{"corpus": "gcide", "id": "d1"}`))
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("flag without a file: %d", resp.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	s, hs := testServer(t, &Options{Rate: 1, Burst: 3})
	now := time.Unix(1000, 0)
	s.limit.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if code := get(t, hs, "/api/corpora", nil); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	r, _ := http.Get(hs.URL + "/api/corpora")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
		t.Errorf("4th request: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	now = now.Add(1100 * time.Millisecond)
	if code := get(t, hs, "/api/corpora", nil); code != 200 {
		t.Errorf("after a second: %d", code)
	}
	// The page itself is not rate limited.
	if code := get(t, hs, "/", nil); code != 200 {
		t.Errorf("page: %d", code)
	}
}

// TestPageIsSelfContained checks that the page loads nothing from
// elsewhere: no absolute URLs in its assets, and a policy that forbids
// them.
func TestPageIsSelfContained(t *testing.T) {
	_, hs := testServer(t, nil)
	r, err := http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	abs := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := static.ReadFile(path)
		if m := abs.Find(data); m != nil {
			t.Errorf("%s refers to %s", path, m)
		}
		return nil
	})
	for _, asset := range []string{"/app.js", "/style.css"} {
		if code := get(t, hs, asset, nil); code != 200 {
			t.Errorf("%s: %d", asset, code)
		}
	}
}

func TestRedactParts(t *testing.T) {
	s := &Server{}
	got := s.redactParts([]search.SnippetPart{{Text: "mail jane."}, {Text: "doe", Match: true}, {Text: "@example.com or "}, {Text: "bob", Match: true}})
	if text(got) != "mail {PI:EMAIL} or [bob]" {
		t.Errorf("redactParts = %q", text(got))
	}
	got = s.redactParts([]search.SnippetPart{{Text: "from 10.1.2.3", Match: true}, {Text: " ok"}})
	if text(got) != "[from ]{PI:IP_ADDRESS} ok" {
		t.Errorf("redactParts = %q", text(got))
	}
}

// FuzzRedactParts checks that redacting pieces gives the text that
// redacting their joined text gives, whatever the cuts.
func FuzzRedactParts(f *testing.F) {
	f.Add("mail jane.doe@example.com or 10.1.2.3 now", 5, 12)
	f.Add("a@b.co", 0, 1)
	f.Fuzz(func(t *testing.T, s string, cut1, cut2 int) {
		if len(s) > 500 {
			return
		}
		c1, c2 := min(max(cut1, 0), len(s)), min(max(cut2, 0), len(s))
		if c1 > c2 {
			c1, c2 = c2, c1
		}
		parts := []search.SnippetPart{{Text: s[:c1]}, {Text: s[c1:c2], Match: true}, {Text: s[c2:]}}
		var b strings.Builder
		for _, p := range (&Server{}).redactParts(parts) {
			b.WriteString(p.Text)
		}
		if want := pii.Redact(s, nil); b.String() != want {
			t.Fatalf("%q cut at %d, %d: pieces give %q, whole text %q", s, c1, c2, b.String(), want)
		}
	})
}
