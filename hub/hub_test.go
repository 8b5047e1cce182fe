package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeHub answers the way huggingface.co does: HEAD on resolve/ gives
// X-Repo-Commit and an ETag (X-Linked-Etag and a CDN redirect for "LFS"
// files), GET streams the bytes, the tree API pages with a Link header.
type fakeHub struct {
	files       map[string]string // path -> content, for datasets/org/data@main
	lfs         map[string]bool
	failFirst   atomic.Int32 // answer 429/503 this many times first
	dropAfter   int          // close the connection after this many body bytes once
	dropped     atomic.Bool
	gets        atomic.Int32
	sawToken    atomic.Value
	rangeHeader atomic.Value
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		h.sawToken.Store(auth)
	}
	if h.failFirst.Load() > 0 {
		h.failFirst.Add(-1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	const prefix = "/datasets/org/data/resolve/"
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/datasets/org/data/tree/"):
		h.serveTree(w, r)
	case strings.HasPrefix(r.URL.Path, "/cdn/"):
		h.serveBody(w, r, strings.TrimPrefix(r.URL.Path, "/cdn/"))
	case strings.HasPrefix(r.URL.Path, prefix):
		rest := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
		rev, file, _ := strings.Cut(rest, "/")
		if rev != "main" && rev != "refs%2Fconvert%2Fparquet" {
			http.NotFound(w, r)
			return
		}
		content, ok := h.files[file]
		if !ok {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf("%x", len(content)*7919+len(file))
		w.Header().Set("X-Repo-Commit", testCommit)
		if h.lfs[file] {
			w.Header().Set("X-Linked-Etag", `"`+etag+`"`)
			w.Header().Set("X-Linked-Size", fmt.Sprint(len(content)))
			w.Header().Set("ETag", `"not-the-blob"`)
			http.Redirect(w, r, "http://"+r.Host+"/cdn/"+file, http.StatusFound)
			return
		}
		w.Header().Set("ETag", `W/"`+etag+`"`)
		h.serveBody(w, r, file)
	default:
		http.NotFound(w, r)
	}
}

func (h *fakeHub) serveBody(w http.ResponseWriter, r *http.Request, file string) {
	content := h.files[file]
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		return
	}
	h.gets.Add(1)
	start := 0
	if rg := r.Header.Get("Range"); rg != "" {
		h.rangeHeader.Store(rg)
		fmt.Sscanf(rg, "bytes=%d-", &start)
		w.Header().Set("Content-Length", fmt.Sprint(len(content)-start))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
	}
	body := content[start:]
	if h.dropAfter > 0 && !h.dropped.Load() && len(body) > h.dropAfter {
		h.dropped.Store(true)
		w.Write([]byte(body[:h.dropAfter]))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	w.Write([]byte(body))
}

func (h *fakeHub) serveTree(w http.ResponseWriter, r *http.Request) {
	var names []string
	for f := range h.files {
		names = append(names, f)
	}
	sort.Strings(names) // pages must agree on one order across requests
	// Two pages: the first file, then the rest, to exercise Link paging.
	page := names
	if r.URL.Query().Get("cursor") == "" && len(names) > 1 {
		page = names[:1]
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?recursive=true&cursor=2>; rel="next"`, r.Host, r.URL.Path))
	} else if len(names) > 1 {
		page = names[1:]
	}
	w.Write([]byte("["))
	for i, f := range page {
		if i > 0 {
			w.Write([]byte(","))
		}
		fmt.Fprintf(w, `{"type":"file","oid":"x","size":%d,"path":%q}`, len(h.files[f]), f)
	}
	w.Write([]byte(`,{"type":"directory","oid":"y","size":0,"path":"sub"}]`))
}

func newTestClient(t *testing.T, h *fakeHub) (*Client, Repo) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &Client{Endpoint: srv.URL, CacheDir: t.TempDir(), Token: "hf_secret", RetryBase: time.Millisecond}
	return c, Repo{Type: Dataset, ID: "org/data"}
}

func TestDownloadCacheLayout(t *testing.T) {
	h := &fakeHub{files: map[string]string{"a/test.parquet": strings.Repeat("P", 5000), "README.md": "hello"}, lfs: map[string]bool{"a/test.parquet": true}}
	c, repo := newTestClient(t, h)
	ctx := context.Background()
	for file, content := range h.files {
		p, err := c.Download(ctx, repo, file, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(c.CacheDir, "datasets--org--data", "snapshots", testCommit, filepath.FromSlash(file))
		if p != want {
			t.Errorf("path %s, want %s", p, want)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Errorf("%s: content %q, %v", file, got, err)
		}
		target, err := os.Readlink(p)
		if err != nil || !strings.Contains(target, filepath.Join("..", "blobs")) {
			t.Errorf("%s: snapshot entry should be a relative symlink into blobs/, got %q, %v", file, target, err)
		}
	}
	ref, err := os.ReadFile(filepath.Join(c.CacheDir, "datasets--org--data", "refs", "main"))
	if err != nil || string(ref) != testCommit {
		t.Errorf("refs/main = %q, %v", ref, err)
	}
	// The LFS blob is named by X-Linked-Etag, not by the redirect's ETag.
	if _, err := os.Stat(filepath.Join(c.CacheDir, "datasets--org--data", "blobs", fmt.Sprintf("%x", 5000*7919+len("a/test.parquet")))); err != nil {
		t.Errorf("LFS blob not named by X-Linked-Etag: %v", err)
	}
	if tok, _ := h.sawToken.Load().(string); tok != "Bearer hf_secret" {
		t.Errorf("Authorization header %q", tok)
	}
	// A second download is served from the cache without a GET.
	before := h.gets.Load()
	if _, err := c.Download(ctx, repo, "README.md", nil); err != nil {
		t.Fatal(err)
	}
	if h.gets.Load() != before {
		t.Error("cached file was downloaded again")
	}
}

func TestDownloadRetriesAndResumes(t *testing.T) {
	content := strings.Repeat("0123456789", 1000)
	h := &fakeHub{files: map[string]string{"big.bin": content}, dropAfter: 3000}
	h.failFirst.Store(2)
	c, repo := newTestClient(t, h)
	var last int64
	p, err := c.Download(context.Background(), repo, "big.bin", func(done, total int64) {
		if total != int64(len(content)) {
			t.Errorf("progress total %d", total)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != content {
		t.Fatalf("resumed download has %d bytes, want %d", len(got), len(content))
	}
	if rg, _ := h.rangeHeader.Load().(string); rg != "bytes=3000-" {
		t.Errorf("resume sent Range %q, want bytes=3000-", rg)
	}
	if last != int64(len(content)) {
		t.Errorf("last progress %d", last)
	}
}

func TestDownloadErrors(t *testing.T) {
	h := &fakeHub{files: map[string]string{"x": "1"}}
	c, repo := newTestClient(t, h)
	ctx := context.Background()

	_, err := c.Download(ctx, repo, "missing.json", nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || !strings.Contains(err.Error(), "no such repository, revision or file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := c.Download(ctx, repo, "../../etc/passwd", nil); err == nil || !strings.Contains(err.Error(), "relative path") {
		t.Errorf("path escape: %v", err)
	}
	if _, err := c.Download(ctx, Repo{Type: Dataset, ID: "bad id!"}, "x", nil); err == nil || !strings.Contains(err.Error(), "expected ORG/NAME") {
		t.Errorf("bad id: %v", err)
	}
	h.failFirst.Store(100)
	c.Retries = 2
	if _, err := c.Download(ctx, repo, "x", nil); !errors.As(err, &se) || se.Status != 429 {
		t.Errorf("persistent 429: %v", err)
	}
}

func TestOfflineAndFallback(t *testing.T) {
	h := &fakeHub{files: map[string]string{"x.json": "{}"}}
	c, repo := newTestClient(t, h)
	ctx := context.Background()
	p, err := c.Download(ctx, repo, "x.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	off := *c
	off.Offline = true
	off.Endpoint = "http://127.0.0.1:1" // must not be contacted
	if got, err := off.Download(ctx, repo, "x.json", nil); err != nil || got != p {
		t.Errorf("offline cached: %s, %v", got, err)
	}
	_, err = off.Download(ctx, repo, "other.json", nil)
	var oe *OfflineError
	if !errors.Is(err, ErrOffline) || !errors.As(err, &oe) || oe.Repo != repo || oe.File != "other.json" {
		t.Errorf("offline uncached: %v, want an *OfflineError naming %v other.json", err, repo)
	}
	other := Repo{Type: Dataset, ID: "org/never"}
	if _, err := off.List(ctx, other); !errors.As(err, &oe) || oe.Repo != other || oe.File != "" ||
		err.Error() != "hub: dataset org/never@main (its file list): not in the local cache and offline mode is on (HF_HUB_OFFLINE=1)" {
		t.Errorf("offline list of an uncached repository: %v", err)
	}
	files, err := off.List(ctx, repo)
	if err != nil || len(files) != 1 || files[0].Path != "x.json" {
		t.Errorf("offline list: %v, %v", files, err)
	}
	// Online but unreachable: the cached copy is used.
	down := *c
	down.Endpoint = "http://127.0.0.1:1"
	down.Retries = -1
	if got, err := down.Download(ctx, repo, "x.json", nil); err != nil || got != p {
		t.Errorf("unreachable with cache: %s, %v", got, err)
	}
}

func TestListPagesAndRevisionEscaping(t *testing.T) {
	h := &fakeHub{files: map[string]string{"default/test/0000.parquet": "PAR1", "default/dev/0000.parquet": "PAR1x"}}
	c, _ := newTestClient(t, h)
	repo := Repo{Type: Dataset, ID: "org/data", Revision: "refs/convert/parquet"}
	files, err := c.List(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("listed %v, want both files across two pages and no directories", files)
	}
	dir, err := c.Snapshot(context.Background(), repo, func(p string) bool { return strings.Contains(p, "/test/") }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "default", "test", "0000.parquet")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "default", "dev", "0000.parquet")); err == nil {
		t.Error("Snapshot downloaded a file its filter rejected")
	}
	if _, err := os.ReadFile(filepath.Join(c.CacheDir, "datasets--org--data", "refs", "refs", "convert", "parquet")); err != nil {
		t.Errorf("nested ref not written: %v", err)
	}
}

func TestFromEnvironment(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_ENDPOINT", "")
	os.WriteFile(filepath.Join(home, "token"), []byte("hf_file\n"), 0o600)
	c := FromEnvironment()
	if c.CacheDir != filepath.Join(home, "hub") || c.Token != "hf_file" || !c.Offline || c.Endpoint != "https://huggingface.co" {
		t.Errorf("%+v", c)
	}
	t.Setenv("HF_HUB_CACHE", "/x/y")
	t.Setenv("HF_TOKEN", "hf_env")
	t.Setenv("HF_HUB_OFFLINE", "0")
	c = FromEnvironment()
	if c.CacheDir != "/x/y" || c.Token != "hf_env" || c.Offline {
		t.Errorf("%+v", c)
	}
}

func TestNextLink(t *testing.T) {
	tests := map[string]string{
		`<https://h/api?cursor=a>; rel="next"`:                   "https://h/api?cursor=a",
		`<https://h/p1>; rel="prev", <https://h/p3>; rel="next"`: "https://h/p3",
		``:                           "",
		`<https://h/p1>; rel="prev"`: "",
	}
	for in, want := range tests {
		if got := nextLink(in); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", in, got, want)
		}
	}
}
