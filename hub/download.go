package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// File is one file of a repository listing.
type File struct {
	Path string
	Size int64
}

// StatusError is an unexpected HTTP status from the Hub.
type StatusError struct {
	URL    string
	Status int
	// Body is the start of the response body, which often says why.
	Body string
}

func (e *StatusError) Error() string {
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = " (private or gated repository: set HF_TOKEN to a token with access)"
	case http.StatusNotFound:
		hint = " (no such repository, revision or file)"
	}
	msg := fmt.Sprintf("hub: GET %s: HTTP %d%s", e.URL, e.Status, hint)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

func (e *StatusError) retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Download returns the local path of file in repo, downloading it into the
// cache unless the cached copy is current. progress, if not nil, is called
// with bytes done and the total (-1 when unknown) as data arrives.
func (c *Client) Download(ctx context.Context, r Repo, file string, progress func(done, total int64)) (string, error) {
	if err := r.validate(); err != nil {
		return "", err
	}
	file, err := cleanPath(file)
	if err != nil {
		return "", err
	}
	if c.Offline || commitHash.MatchString(r.revision()) {
		if p, ok := c.cachedFile(r, file); ok {
			return p, nil
		}
		if c.Offline {
			return "", &OfflineError{Repo: r, File: file}
		}
	}
	meta, err := c.head(ctx, r, file)
	if err != nil {
		// As huggingface_hub does: without a connection, a cached copy of
		// the revision is better than no answer.
		if !isStatus(err) && ctx.Err() == nil {
			if p, ok := c.cachedFile(r, file); ok {
				return p, nil
			}
		}
		return "", c.unreachable(err, r, describe(r, file))
	}
	if p := c.snapshotPath(r, meta.commit, file); fileExists(p) {
		return p, c.writeRef(r, meta.commit)
	}
	blob := filepath.Join(c.repoDir(r), "blobs", meta.etag)
	if err := c.fetchBlob(ctx, c.fileURL(r, file), blob, meta.size, progress); err != nil {
		if networkFailure(err) != nil {
			return "", c.unreachable(err, r, describe(r, file))
		}
		return "", fmt.Errorf("hub: download %s %s: %w", r, file, err)
	}
	if err := c.writeRef(r, meta.commit); err != nil {
		return "", err
	}
	return c.linkSnapshot(r, meta.commit, file, blob)
}

func isStatus(err error) bool {
	var se *StatusError
	return errors.As(err, &se)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (c *Client) fileURL(r Repo, file string) string {
	prefix := ""
	switch r.Type {
	case Dataset:
		prefix = "datasets/"
	case Space:
		prefix = "spaces/"
	}
	return fmt.Sprintf("%s/%s%s/resolve/%s/%s", c.endpoint(), prefix, r.ID, url.PathEscape(r.revision()), escapePath(file))
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

type fileMeta struct {
	commit string
	etag   string
	size   int64 // -1 when unknown
}

// head resolves file to the commit and blob etag it has at the revision,
// following only same-host redirects (renamed repositories) and not the
// redirect to the CDN, whose headers lack the repository metadata.
func (c *Client) head(ctx context.Context, r Repo, file string) (fileMeta, error) {
	u := c.fileURL(r, file)
	hc := *c.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var meta fileMeta
	err := c.retry(ctx, func() error {
		target := u
		for hop := 0; ; hop++ {
			resp, err := c.do(ctx, &hc, http.MethodHead, target, nil)
			if err != nil {
				return err
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if resp.StatusCode >= 300 && resp.StatusCode < 400 && strings.HasPrefix(loc, "/") && hop < 5 {
				target = c.endpoint() + loc
				continue
			}
			if resp.StatusCode >= 400 {
				return &StatusError{URL: target, Status: resp.StatusCode}
			}
			meta = fileMeta{
				commit: resp.Header.Get("X-Repo-Commit"),
				etag:   normalizeETag(firstNonEmpty(resp.Header.Get("X-Linked-Etag"), resp.Header.Get("ETag"))),
				size:   parseSize(firstNonEmpty(resp.Header.Get("X-Linked-Size"), resp.Header.Get("Content-Length"))),
			}
			return nil
		}
	})
	if err != nil {
		return meta, err
	}
	if !commitHash.MatchString(meta.commit) || meta.etag == "" || strings.ContainsAny(meta.etag, `/\`) {
		return meta, fmt.Errorf("hub: HEAD %s: response lacks a valid X-Repo-Commit or ETag header (is %s a Hugging Face Hub endpoint?)", u, c.endpoint())
	}
	return meta, nil
}

func normalizeETag(s string) string {
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}

func parseSize(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func (c *Client) do(ctx context.Context, hc *http.Client, method, u string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.userAgent())
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return hc.Do(req)
}

// fetchBlob downloads u into blob, resuming from blob.incomplete, and
// renames it into place once its size is right.
func (c *Client) fetchBlob(ctx context.Context, u, blob string, size int64, progress func(done, total int64)) error {
	if info, err := os.Stat(blob); err == nil && (size < 0 || info.Size() == size) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(blob + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if info, err := os.Stat(blob); err == nil && (size < 0 || info.Size() == size) {
		return nil // another process finished it while we waited
	}
	partial := blob + ".incomplete"
	err = c.retry(ctx, func() error { return c.fetchOnce(ctx, u, partial, size, progress) })
	if err != nil {
		return err
	}
	return os.Rename(partial, blob)
}

func (c *Client) fetchOnce(ctx context.Context, u, partial string, size int64, progress func(done, total int64)) error {
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if size >= 0 && have == size {
		return nil
	}
	header := http.Header{}
	if have > 0 {
		header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := c.do(ctx, c.httpClient(), http.MethodGet, u, header)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
	case resp.StatusCode == http.StatusOK, resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// The server ignored or refused the range: start over.
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		have = 0
		if resp.StatusCode != http.StatusOK {
			return &StatusError{URL: u, Status: http.StatusServiceUnavailable, Body: "range not satisfiable; restarting"}
		}
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return &StatusError{URL: u, Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	done := have
	buf := make([]byte, 1<<20)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
			done += int64(n)
			if progress != nil {
				progress(done, size)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if size >= 0 && done != size {
		return fmt.Errorf("hub: %s: got %d bytes, expected %d: %w", partial, done, size, io.ErrUnexpectedEOF)
	}
	return f.Sync()
}

// retry runs fn until it succeeds, fails permanently, or the retries are
// used up, sleeping with exponential backoff and full jitter in between
// (honouring Retry-After on 429).
func (c *Client) retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; ; attempt++ {
		if err = fn(); err == nil || !retryable(err) || attempt >= c.retries() || ctx.Err() != nil {
			break
		}
		delay := min(c.retryBase()<<attempt, 30*time.Second)
		delay = time.Duration(rand.Int64N(int64(delay)) + 1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.retryable()
	}
	if networkFailure(err) != nil {
		// No name or no route: waiting will not bring the network back
		// within a retry's backoff, and a user offline should know now.
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// List returns every file of the repository at its revision, through the
// Hub's tree API (following pagination), or from the cached snapshot when
// offline.
func (c *Client) List(ctx context.Context, r Repo) ([]File, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	if c.Offline {
		return c.listCached(r)
	}
	t := r.Type
	if t == "" {
		t = Model
	}
	next := fmt.Sprintf("%s/api/%ss/%s/tree/%s?recursive=true&expand=false", c.endpoint(), t, r.ID, url.PathEscape(r.revision()))
	var files []File
	for next != "" {
		var page []struct {
			Type string `json:"type"`
			Path string `json:"path"`
			Size int64  `json:"size"`
		}
		var link string
		err := c.retry(ctx, func() error {
			resp, err := c.do(ctx, c.httpClient(), http.MethodGet, next, nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
				return &StatusError{URL: next, Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
			}
			link = resp.Header.Get("Link")
			page = page[:0]
			if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
				return fmt.Errorf("hub: list %s: malformed tree listing from %s: %w", r, next, err)
			}
			return nil
		})
		if err != nil {
			if !isStatus(err) && ctx.Err() == nil {
				if cached, cerr := c.listCached(r); cerr == nil {
					return cached, nil
				}
			}
			return nil, c.unreachable(err, r, describe(r, "")+" (its file list)")
		}
		for _, e := range page {
			if e.Type == "file" {
				files = append(files, File{Path: e.Path, Size: e.Size})
			}
		}
		next = nextLink(link)
	}
	return files, nil
}

// nextLink extracts the rel="next" URL from an RFC 8288 Link header.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		fields := strings.Split(part, ";")
		if len(fields) < 2 {
			continue
		}
		target := strings.Trim(strings.TrimSpace(fields[0]), "<>")
		for _, p := range fields[1:] {
			if strings.ReplaceAll(strings.TrimSpace(p), " ", "") == `rel="next"` {
				return target
			}
		}
	}
	return ""
}

// Snapshot downloads every file of the repository for which match returns
// true (all files when match is nil) and returns the snapshot directory.
func (c *Client) Snapshot(ctx context.Context, r Repo, match func(path string) bool, progress func(file string, done, total int64)) (string, error) {
	files, err := c.List(ctx, r)
	if err != nil {
		return "", err
	}
	var dir string
	for _, f := range files {
		if match != nil && !match(f.Path) {
			continue
		}
		var fp func(done, total int64)
		if progress != nil {
			name := f.Path
			fp = func(done, total int64) { progress(name, done, total) }
		}
		p, err := c.Download(ctx, r, f.Path, fp)
		if err != nil {
			return "", err
		}
		dir = strings.TrimSuffix(p, filepath.FromSlash(f.Path))
	}
	if dir == "" {
		return "", fmt.Errorf("hub: %s has no files matching the request", r)
	}
	return filepath.Clean(dir), nil
}
