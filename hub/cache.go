package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

var commitHash = regexp.MustCompile(`^[0-9a-f]{40}$`)

func (c *Client) repoDir(r Repo) string { return filepath.Join(c.CacheDir, r.folder()) }

// cachedCommit returns the commit a revision last resolved to, from refs/.
func (c *Client) cachedCommit(r Repo) (string, bool) {
	rev := r.revision()
	if commitHash.MatchString(rev) {
		return rev, true
	}
	b, err := os.ReadFile(filepath.Join(c.repoDir(r), "refs", filepath.FromSlash(rev)))
	if err != nil {
		return "", false
	}
	commit := strings.TrimSpace(string(b))
	return commit, commitHash.MatchString(commit)
}

// writeRef records that revision resolved to commit, atomically.
func (c *Client) writeRef(r Repo, commit string) error {
	rev := r.revision()
	if rev == commit {
		return nil
	}
	return atomicfile.WriteFile(filepath.Join(c.repoDir(r), "refs", filepath.FromSlash(rev)), []byte(commit))
}

func (c *Client) snapshotPath(r Repo, commit, file string) string {
	return filepath.Join(c.repoDir(r), "snapshots", commit, filepath.FromSlash(file))
}

// cachedFile returns the snapshot path of file if the revision resolved
// before and the file was downloaded then.
func (c *Client) cachedFile(r Repo, file string) (string, bool) {
	commit, ok := c.cachedCommit(r)
	if !ok {
		return "", false
	}
	p := c.snapshotPath(r, commit, file)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// linkSnapshot points snapshots/<commit>/<file> at blobs/<etag> with a
// relative symlink, as huggingface_hub does, falling back to a copy where
// symlinks are not allowed.
func (c *Client) linkSnapshot(r Repo, commit, file, blob string) (string, error) {
	dst := c.snapshotPath(r, commit, file)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	rel, err := filepath.Rel(filepath.Dir(dst), blob)
	if err != nil {
		return "", err
	}
	tmp := dst + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		if err := copyFile(blob, tmp); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// cleanPath rejects file names that would escape the snapshot directory.
func cleanPath(file string) (string, error) {
	f := strings.TrimPrefix(file, "/")
	if f == "" || strings.Contains(f, "\\") {
		return "", fmt.Errorf("hub: file name %q: expected a relative path", file)
	}
	for _, part := range strings.Split(f, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("hub: file name %q: expected a relative path without . or .. parts", file)
		}
	}
	return f, nil
}

// listCached walks the cached snapshot of a revision, for offline listing.
func (c *Client) listCached(r Repo) ([]File, error) {
	commit, ok := c.cachedCommit(r)
	if !ok {
		return nil, &OfflineError{Repo: r}
	}
	root := filepath.Join(c.repoDir(r), "snapshots", commit)
	var files []File
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, File{Path: filepath.ToSlash(rel), Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub: list cached %s: %w", r, err)
	}
	return files, nil
}
