package thirdparty

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's folder.
const root = "../.."

// releasePlatforms are the platforms .ci/release builds; a module may be
// compiled on some of them only (mousetrap on Windows).
var releasePlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

func readRoot(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// usedModule is a module the build compiles: where its files are, and on
// which platforms it is compiled.
type usedModule struct {
	version, dir string
	platforms    []string
}

// compiledModules lists, by path, the modules whose packages the build of
// every package of the repository and its tests compiles on the release
// platforms (without cgo, as the releases are built).
func compiledModules(t *testing.T) map[string]*usedModule {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the check lists modules with the go command: %v", err)
	}
	mods := map[string]*usedModule{}
	const format = "{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{with .Replace}}{{.Dir}}{{else}}{{.Dir}}{{end}}{{end}}{{end}}"
	for _, p := range releasePlatforms {
		goos, goarch, _ := strings.Cut(p, "/")
		cmd := exec.Command(goCmd, "list", "-e", "-deps", "-test", "-f", format, "./...")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list for %s: %v\n%s", p, err, stderr.Bytes())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			if len(f) != 3 {
				continue
			}
			m := mods[f[0]]
			if m == nil {
				m = &usedModule{version: f[1], dir: f[2]}
				mods[f[0]] = m
			}
			if !slices.Contains(m.platforms, p) {
				m.platforms = append(m.platforms, p)
			}
		}
	}
	for path, m := range mods {
		if m.dir == "" {
			m.dir = download(t, goCmd, path+"@"+m.version)
		}
	}
	return mods
}

// download fetches a module into the module cache (through the module
// proxy) and returns its folder.
func download(t *testing.T, goCmd, mod string) string {
	t.Helper()
	cmd := exec.Command(goCmd, "mod", "download", "-json", mod)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", mod, err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: no folder in %q (%v)", mod, out, err)
	}
	return info.Dir
}

// TestRepositoryModules checks THIRD_PARTY.md's module table against the
// modules the build compiles and their license files.
func TestRepositoryModules(t *testing.T) {
	// go.mod and go.sum are read here so that go test's cache reruns this
	// test when the dependencies change.
	readRoot(t, "go.mod")
	readRoot(t, "go.sum")
	rows, err := ParseModules(readRoot(t, "THIRD_PARTY.md"))
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]Module{}
	for _, r := range rows {
		if _, dup := byPath[r.Path]; dup {
			t.Errorf("THIRD_PARTY.md lists %s twice", r.Path)
		}
		byPath[r.Path] = r
	}
	mods := compiledModules(t)
	if len(mods) == 0 {
		t.Fatal("go list found no modules besides fmkit")
	}
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range mods {
			if !yield(p) {
				return
			}
		}
	}) {
		m := mods[path]
		row, ok := byPath[path]
		if !ok {
			files, _ := LicenseFiles(m.dir)
			t.Errorf("module %s %s is compiled into fmkit (%s) but has no row in THIRD_PARTY.md; add one (its license files: %s)",
				path, m.version, strings.Join(m.platforms, ", "), describe(m.dir, files))
			continue
		}
		if err := CheckModule(row, m.dir); err != nil {
			t.Errorf("%v (module %s in %s)", err, m.version, m.dir)
		}
	}
	for _, r := range rows {
		if _, ok := mods[r.Path]; !ok {
			t.Errorf("THIRD_PARTY.md lists module %s, which no package of the build compiles any more: remove its row", r.Path)
		}
	}
}

// describe names each license file with the licenses it reads as.
func describe(dir string, files []string) string {
	if len(files) == 0 {
		return "none"
	}
	var parts []string
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(dir, f))
		ids := "unreadable"
		if err == nil {
			ids = strings.Join(Identify(text), " AND ")
		}
		parts = append(parts, fmt.Sprintf("`%s` (%s)", f, ids))
	}
	return strings.Join(parts, ", ")
}

// TestRepositoryFiles checks that every file under testdata/ and docs/
// (and every package's testdata/) matches a row of THIRD_PARTY.md's file
// tables, and that every row still matches a file.
func TestRepositoryFiles(t *testing.T) {
	md := readRoot(t, "THIRD_PARTY.md")
	elsewhere, err := ParsePatterns(md, ElsewhereHeading)
	if err != nil {
		t.Fatal(err)
	}
	own, err := ParsePatterns(md, OwnHeading)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var unlisted []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isDataFile(rel) {
			return nil
		}
		matched := false
		for _, pat := range append(slices.Clip(elsewhere), own...) {
			if Match(pat, rel) {
				used[pat], matched = true, true
			}
		}
		if !matched {
			unlisted = append(unlisted, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range unlisted {
		if i == 20 {
			t.Errorf("… and %d more", len(unlisted)-i)
			break
		}
		t.Errorf("%s is in no table of THIRD_PARTY.md: add it to %q (with its source and license) or to %q", f, ElsewhereHeading, OwnHeading)
	}
	for _, pat := range append(slices.Clip(elsewhere), own...) {
		if !used[pat] {
			t.Errorf("THIRD_PARTY.md's pattern %q matches no file: remove or correct it", pat)
		}
	}
}

// isDataFile reports whether the repository path is under docs/ or under a
// folder named testdata.
func isDataFile(rel string) bool {
	if strings.HasPrefix(rel, "docs/") {
		return true
	}
	dirs := strings.Split(rel, "/")
	return slices.Contains(dirs[:len(dirs)-1], "testdata")
}
