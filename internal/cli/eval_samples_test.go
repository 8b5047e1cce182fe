package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --samples evaluates the documents it names (lm-eval's flag, the layout of
// decontaminate's clean.json), from a file or inline, and refuses --limit
// beside it, indexes out of range and files that are not its JSON.
func TestEvalSamples(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	clean := filepath.Join(t.TempDir(), "clean.json")
	if err := os.WriteFile(clean, []byte(`{"recursion_succ_carry_0": [7, 0, 3]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "eval", "--model", "builtin:recursion-tiny", "--tasks", "recursion_succ_carry_0", "--samples", clean, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		NSamples map[string]struct{ Original, Effective int } `json:"n-samples"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if n := res.NSamples["recursion_succ_carry_0"]; n.Effective != 3 || n.Original != 100 {
		t.Errorf("n-samples = %+v, want 3 of 100", n)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--samples", `{"recursion_succ_carry_0": [100]}`}, 1, "names document 100; the task has 100"},
		{[]string{"--samples", `{"recursion_succ_carry_0": "all"}`}, 1, "expected a JSON object of task names to lists of document indexes"},
		{[]string{"--samples", filepath.Join(t.TempDir(), "missing.json")}, 1, "no such file"},
		{[]string{"--samples", clean, "--limit", "3"}, 2, "--samples and --limit cannot be combined"},
	} {
		args := append([]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", "recursion_succ_carry_0"}, tt.args...)
		_, stderr, code := run(t, args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
