package hub

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingClient is an HTTP client whose every connection attempt goes
// through dial, counted.
func countingClient(dials *atomic.Int32, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}}}
}

// TestUnreachableFailsAtOnce: a Hub whose port refuses connections and a
// Hub whose name does not resolve each fail on the first attempt (no
// retries, whatever Retries says) with ErrUnreachable, naming what was
// fetched and the endpoint in one line.
func TestUnreachableFailsAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused

	failingResolver := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server reachable")
	}}
	for _, c := range []struct {
		name, endpoint string
		dial           func(ctx context.Context, network, addr string) (net.Conn, error)
		cause          string
	}{
		{"refusing listener", refusing, (&net.Dialer{}).DialContext, "connection refused"},
		{"failing resolver", "http://hub.invalid", (&net.Dialer{Resolver: failingResolver}).DialContext, "lookup hub.invalid"},
	} {
		var dials atomic.Int32
		client := &Client{Endpoint: c.endpoint, CacheDir: t.TempDir(), Retries: 5, RetryBase: time.Millisecond,
			HTTP: countingClient(&dials, c.dial)}
		repo := Repo{Type: Model, ID: "org/name"}
		for _, call := range []struct {
			what string
			run  func() error
		}{
			{"model org/name@main (its file list)", func() error { _, err := client.List(context.Background(), repo); return err }},
			{"model org/name@main file config.json", func() error {
				_, err := client.Download(context.Background(), repo, "config.json", nil)
				return err
			}},
			{"model org/name@main (its file list)", func() error {
				_, err := client.Snapshot(context.Background(), repo, nil, nil)
				return err
			}},
		} {
			dials.Store(0)
			err := call.run()
			var ue *UnreachableError
			switch {
			case !errors.Is(err, ErrUnreachable) || !errors.As(err, &ue):
				t.Errorf("%s: %v: want ErrUnreachable", c.name, err)
			case ue.What != call.what || ue.Endpoint != c.endpoint || ue.Repo != repo:
				t.Errorf("%s: fetching %q from %q, want %q from %q", c.name, ue.What, ue.Endpoint, call.what, c.endpoint)
			case !strings.Contains(err.Error(), c.cause) || strings.Contains(err.Error(), "\n"):
				t.Errorf("%s: %q should be one line naming %q", c.name, err, c.cause)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%s: %d connection attempts, want 1 (no retries)", c.name, n)
			}
		}
	}
}

// TestDroppedConnectionStillRetried: a connection that breaks mid-body is
// not "unreachable" and is resumed, while unreachable never is.
func TestDroppedConnectionStillRetried(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&net.DNSError{Err: "no such host", Name: "huggingface.co", IsNotFound: true}, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: network is unreachable")}, false},
		{&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, true},
		{&StatusError{Status: 503}, true},
		{&StatusError{Status: 404}, false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestCached(t *testing.T) {
	h := &fakeHub{files: map[string]string{"a/test.parquet": strings.Repeat("P", 5000), "README.md": "hello"}, lfs: map[string]bool{"a/test.parquet": true}}
	c, repo := newTestClient(t, h)
	if repos, err := c.Cached(); err != nil || len(repos) != 0 {
		t.Fatalf("empty cache: %v, %v", repos, err)
	}
	if _, err := c.Snapshot(context.Background(), repo, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A resumable partial download of another model, and folders that are
	// not repositories.
	other := filepath.Join(c.CacheDir, "models--EleutherAI--pythia-70m", "blobs")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "abc.incomplete"), make([]byte, 123), 0o644)
	os.MkdirAll(filepath.Join(c.CacheDir, ".locks", "x"), 0o755)
	os.MkdirAll(filepath.Join(c.CacheDir, "version.txt.d"), 0o755)

	repos, err := c.Cached()
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 {
		t.Fatalf("cached %+v, want the dataset and the model", repos)
	}
	d, m := repos[0], repos[1]
	if d.Repo != (Repo{Type: Dataset, ID: "org/data"}) || d.Files != 2 || d.Size != 5005 || d.Partial != 0 ||
		d.Refs["main"] != testCommit || len(d.Snapshots) != 1 || d.Snapshots[0] != testCommit || d.Modified.IsZero() {
		t.Errorf("dataset entry %+v", d)
	}
	if m.Repo != (Repo{Type: Model, ID: "EleutherAI/pythia-70m"}) || m.Files != 0 || m.Partial != 123 {
		t.Errorf("model entry %+v", m)
	}
}

// TestFilterMatchesFnmatch checks Filter against Python's fnmatch, which
// huggingface_hub uses for allow_patterns (testdata/gen/hub).
func TestFilterMatchesFnmatch(t *testing.T) {
	b, err := os.ReadFile("testdata/fnmatch.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Pattern, Path string
			Match         bool
		}
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 1000 {
		t.Fatalf("%d cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		keep, err := Filter([]string{c.Pattern}, nil)
		if err != nil {
			t.Errorf("%q: %v", c.Pattern, err)
			continue
		}
		if got := keep(c.Path); got != c.Match {
			t.Errorf("pattern %q on %q: %v, Python's fnmatch says %v", c.Pattern, c.Path, got, c.Match)
		}
	}
	keep, _ := Filter([]string{"*.json", "*.safetensors"}, []string{"tokenizer*"})
	for path, want := range map[string]bool{"config.json": true, "model.safetensors": true, "tokenizer.json": false, "README.md": false} {
		if keep(path) != want {
			t.Errorf("include json and safetensors, exclude tokenizer*: %s kept = %v", path, !want)
		}
	}
}

func FuzzTranslateGlob(f *testing.F) {
	for _, s := range []string{"*.json", "[a-z]?", "[!]]x", "[", "[z-a]", `\[*`} {
		f.Add(s, "abc.json")
	}
	f.Fuzz(func(t *testing.T, pat, path string) {
		keep, err := Filter([]string{pat}, nil)
		if err != nil {
			t.Fatalf("pattern %q does not compile: %v", pat, err)
		}
		keep(path)
	})
}
