// Package hub downloads files from the Hugging Face Hub into the cache
// layout that huggingface_hub uses, so that fmkit and Python tools share one
// cache: <cache>/<type>s--<org>--<name>/{blobs,snapshots,refs}.
//
// The client honours the same environment variables as huggingface_hub:
// HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN (or $HF_HOME/token) and
// HF_HUB_OFFLINE. Downloads are resumed from a partial blob, retried with
// exponential backoff and jitter on rate limits, server errors and dropped
// connections, and published atomically: a file is in the snapshot only once
// it is complete. A Hub that cannot be reached at all (no name resolution,
// connection refused, no route) fails at once with ErrUnreachable.
//
// Cached lists what the cache holds and Filter selects files by the
// shell-style patterns of huggingface_hub's allow_patterns, so that a
// machine can be filled before it goes offline.
package hub

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// RepoType is the kind of Hub repository.
type RepoType string

// The repository kinds the Hub serves.
const (
	Model   RepoType = "model"
	Dataset RepoType = "dataset"
	Space   RepoType = "space"
)

// Repo names one revision of a Hub repository.
type Repo struct {
	Type RepoType
	// ID is "org/name" (or "name" for legacy top-level models).
	ID string
	// Revision is a branch, tag, "refs/convert/parquet"-style ref or commit
	// hash. The default is "main".
	Revision string
}

func (r Repo) revision() string {
	if r.Revision == "" {
		return "main"
	}
	return r.Revision
}

func (r Repo) String() string {
	s := r.ID
	if r.Type != Model && r.Type != "" {
		s = string(r.Type) + "s/" + s
	}
	return s + "@" + r.revision()
}

// folder is the cache directory name, e.g. "datasets--HAERAE-HUB--KMMLU".
func (r Repo) folder() string {
	t := r.Type
	if t == "" {
		t = Model
	}
	return string(t) + "s--" + strings.ReplaceAll(r.ID, "/", "--")
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$`)

func (r Repo) validate() error {
	if !validID.MatchString(r.ID) || strings.Contains(r.ID, "..") {
		return fmt.Errorf("hub: repository id %q: expected ORG/NAME", r.ID)
	}
	switch r.Type {
	case "", Model, Dataset, Space:
	default:
		return fmt.Errorf("hub: repository type %q: expected model, dataset or space", r.Type)
	}
	return nil
}

// ErrOffline is wrapped by errors for files that are not cached while the
// client is offline.
var ErrOffline = errors.New("hub: not in the local cache and offline mode is on (HF_HUB_OFFLINE=1)")

// OfflineError is a file or listing that offline mode could not serve
// from the cache; errors.Is(err, ErrOffline) holds for it.
type OfflineError struct {
	// Repo is the repository asked for.
	Repo Repo
	// File is the file asked for; "" for the repository's file list.
	File string
}

func (e *OfflineError) Error() string {
	what := describe(e.Repo, e.File)
	if e.File == "" {
		what += " (its file list)"
	}
	return fmt.Sprintf("hub: %s: not in the local cache and offline mode is on (HF_HUB_OFFLINE=1)", what)
}

// Is makes errors.Is(err, ErrOffline) true.
func (e *OfflineError) Is(target error) bool { return target == ErrOffline }

// Client downloads from a Hub endpoint into a local cache. The zero value is
// not usable; build one with FromEnvironment or fill in the fields.
type Client struct {
	// Endpoint is the Hub's base URL. The default is https://huggingface.co.
	Endpoint string
	// Token is sent as a bearer token when non-empty.
	Token string
	// CacheDir is the hub cache root (HF_HUB_CACHE).
	CacheDir string
	// Offline serves only what is cached and never touches the network.
	Offline bool
	// HTTP is the client used for requests. The default has no overall
	// timeout (downloads can be large) but dial and header timeouts.
	HTTP *http.Client
	// Retries is the number of retries after a failed attempt. The default
	// is 5.
	Retries int
	// RetryBase is the first backoff delay, doubled per retry up to 30 s,
	// with full jitter. The default is 1 s.
	RetryBase time.Duration
	// UserAgent is sent with every request. The default is "fmkit".
	UserAgent string
}

// FromEnvironment returns a client configured the way huggingface_hub would
// be from the current environment.
func FromEnvironment() *Client {
	home := os.Getenv("HF_HOME")
	if home == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			if h, err := os.UserHomeDir(); err == nil {
				base = filepath.Join(h, ".cache")
			}
		}
		home = filepath.Join(base, "huggingface")
	}
	cache := firstNonEmpty(os.Getenv("HF_HUB_CACHE"), os.Getenv("HUGGINGFACE_HUB_CACHE"), filepath.Join(home, "hub"))
	token := firstNonEmpty(os.Getenv("HF_TOKEN"), os.Getenv("HUGGING_FACE_HUB_TOKEN"))
	if token == "" {
		if b, err := os.ReadFile(filepath.Join(home, "token")); err == nil {
			token = strings.TrimSpace(string(b))
		}
	}
	return &Client{
		Endpoint: firstNonEmpty(os.Getenv("HF_ENDPOINT"), "https://huggingface.co"),
		Token:    token,
		CacheDir: cache,
		Offline:  isTrue(os.Getenv("HF_HUB_OFFLINE")),
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment,
	// A network that drops packets (a firewall, no route that is
	// reported) would otherwise hold each connection attempt for the
	// system's TCP timeout, minutes on Linux; huggingface_hub gives up
	// after 10 s too.
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ResponseHeaderTimeout: 60 * time.Second,
	TLSHandshakeTimeout:   20 * time.Second,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConnsPerHost:   8,
}}

func (c *Client) retries() int {
	if c.Retries == 0 {
		return 5
	}
	return max(c.Retries, 0)
}

func (c *Client) retryBase() time.Duration {
	if c.RetryBase <= 0 {
		return time.Second
	}
	return c.RetryBase
}

func (c *Client) endpoint() string {
	if c.Endpoint == "" {
		return "https://huggingface.co"
	}
	return strings.TrimRight(c.Endpoint, "/")
}

func (c *Client) userAgent() string {
	if c.UserAgent == "" {
		return "fmkit"
	}
	return c.UserAgent
}
