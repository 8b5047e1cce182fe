package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestJSONKeepsMarkup: --json output writes <, > and & as they are, as
// Python's json.dumps does, not as \u003c, \u003e and \u0026.
func TestJSONKeepsMarkup(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.jsonl")
	writeFile(t, corpus, `{"id": "<d1>", "contents": "R&D on <b>transformers</b> & attention"}`+"\n")
	idx := filepath.Join(dir, "idx")
	if _, stderr, code := run(t, "search", "index", "--input", corpus, "--index", idx); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{
		{"search", "query", "--index", idx, "--json", "transformers"},
		{"search", "doc", "--index", idx, "<d1>"},
		{"search", "stats", "--index", idx, "--json"},
	} {
		out, stderr, code := run(t, args...)
		if code != 0 || strings.Contains(out, `\u003c`) || strings.Contains(out, `\u0026`) || strings.Contains(out, `\u003e`) {
			t.Errorf("%v: exit %d, %s%s", args, code, out, stderr)
		}
	}
	out, _, _ := run(t, "search", "query", "--index", idx, "--json", "transformers")
	if !strings.Contains(out, "<d1>") {
		t.Errorf("search query --json: %s", out)
	}
}

// TestJSONEncodersKeepMarkup reads the CLI's sources: every JSON encoder
// is newJSONEncoder or turns HTML escaping off itself, so that a new
// --json output does not bring the escapes back.
func TestJSONEncodersKeepMarkup(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	enc := regexp.MustCompile(`json\.NewEncoder\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "jsonout.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, loc := range enc.FindAllStringIndex(src, -1) {
			next := src[loc[1]:min(len(src), loc[1]+200)]
			if !strings.Contains(next, "SetEscapeHTML(false)") {
				t.Errorf("%s:%d: json.NewEncoder without SetEscapeHTML(false); use newJSONEncoder", f, strings.Count(src[:loc[0]], "\n")+1)
			}
		}
	}
}
