package hub

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CachedRepo is one repository found in the local cache.
type CachedRepo struct {
	// Repo has the repository's Type and ID; Revision is empty.
	Repo Repo
	// Dir is the repository's folder in the cache.
	Dir string
	// Refs maps each revision resolved before (a branch or tag) to the
	// commit it resolved to.
	Refs map[string]string
	// Snapshots are the commits that have a snapshot folder, sorted.
	Snapshots []string
	// Files is the number of complete blobs (distinct file contents).
	Files int
	// Size is the bytes of the complete blobs.
	Size int64
	// Partial is the bytes of interrupted downloads, which the next
	// download of the same file resumes.
	Partial int64
	// Modified is when a blob was last written.
	Modified time.Time
}

// Cached lists the repositories in the cache, sorted by type and ID, the
// way huggingface_hub's scan_cache_dir sees them: a folder
// <type>s--<org>--<name> with blobs/, refs/ and snapshots/. Folders of
// other names are skipped. A missing cache is an empty list.
func (c *Client) Cached() ([]CachedRepo, error) {
	entries, err := os.ReadDir(c.CacheDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hub: scan cache: %w", err)
	}
	var repos []CachedRepo
	for _, e := range entries {
		repo, ok := parseFolder(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		cr, err := scanRepo(filepath.Join(c.CacheDir, e.Name()), repo)
		if err != nil {
			return nil, err
		}
		repos = append(repos, cr)
	}
	sort.Slice(repos, func(i, j int) bool {
		if repos[i].Repo.Type != repos[j].Repo.Type {
			return repos[i].Repo.Type < repos[j].Repo.Type
		}
		return repos[i].Repo.ID < repos[j].Repo.ID
	})
	return repos, nil
}

// parseFolder is the inverse of Repo.folder.
func parseFolder(name string) (Repo, bool) {
	kind, rest, ok := strings.Cut(name, "s--")
	if !ok || rest == "" {
		return Repo{}, false
	}
	r := Repo{Type: RepoType(kind), ID: strings.ReplaceAll(rest, "--", "/")}
	if r.validate() != nil {
		return Repo{}, false
	}
	return r, true
}

func scanRepo(dir string, repo Repo) (CachedRepo, error) {
	cr := CachedRepo{Repo: repo, Dir: dir, Refs: map[string]string{}}
	blobs, err := os.ReadDir(filepath.Join(dir, "blobs"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cr, fmt.Errorf("hub: scan cache: %w", err)
	}
	for _, b := range blobs {
		info, err := b.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		switch {
		case strings.HasSuffix(b.Name(), ".incomplete"):
			cr.Partial += info.Size()
		case strings.HasSuffix(b.Name(), ".lock"):
		default:
			cr.Files++
			cr.Size += info.Size()
			if info.ModTime().After(cr.Modified) {
				cr.Modified = info.ModTime()
			}
		}
	}
	refs := filepath.Join(dir, "refs")
	err = filepath.WalkDir(refs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(refs, p)
		if commit := strings.TrimSpace(string(b)); commitHash.MatchString(commit) {
			cr.Refs[filepath.ToSlash(rel)] = commit
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cr, fmt.Errorf("hub: scan cache: %w", err)
	}
	snaps, err := os.ReadDir(filepath.Join(dir, "snapshots"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cr, fmt.Errorf("hub: scan cache: %w", err)
	}
	for _, s := range snaps {
		if s.IsDir() && commitHash.MatchString(s.Name()) {
			cr.Snapshots = append(cr.Snapshots, s.Name())
		}
	}
	return cr, nil
}
