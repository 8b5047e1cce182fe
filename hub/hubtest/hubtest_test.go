package hubtest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/hub/hubtest"
)

// The stand-in Hub serves what package hub asks for: the file list at the
// revision asked, and each file with the repository's commit.
func TestServesHubClient(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	srv := hubtest.Start(t, hubtest.Repo{ID: "org/model", Commit: commit,
		Files: map[string]string{"config.json": "{}", "sub/w.bin": "weights"}})
	c := &hub.Client{Endpoint: srv.URL, CacheDir: t.TempDir(), Retries: -1}
	dir, err := c.Snapshot(context.Background(), hub.Repo{ID: "org/model", Revision: "v2"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != commit {
		t.Errorf("snapshot %s, want the commit %s", dir, commit)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "w.bin")); err != nil || string(b) != "weights" {
		t.Errorf("sub/w.bin = %q, %v", b, err)
	}
	if got := srv.Listed(); len(got) != 1 || got[0] != "v2" {
		t.Errorf("listed %v, want [v2]", got)
	}
}
