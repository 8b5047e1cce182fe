package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTasksIncludePathAliasBomb is issue 24's first finding end to end: a
// 770-byte "billion laughs" task file (nine levels of nine aliases) in an
// --include-path took 17 GB and half a minute in any command that read the
// folder, fmkit tasks list included. Now every such command fails at once
// with one line naming the file and the limit.
func TestTasksIncludePathAliasBomb(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("task: laughs\ndataset_path: json\na0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	if b.Len() > 800 {
		t.Fatalf("the bomb is %d bytes, want the issue's 770", b.Len())
	}
	os.WriteFile(filepath.Join(dir, "laughs.yaml"), []byte(b.String()), 0o644)
	for _, args := range [][]string{
		{"tasks", "list", "--include-path", dir, "--python", "none"},
		{"tasks", "show", "laughs", "--include-path", dir, "--python", "none"},
		{"eval", "--model", "../../model/testdata/llama_gqa", "--tasks", "laughs", "--include-path", dir, "--python", "none"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			start := time.Now()
			_, stderr, code := run(t, args...)
			if code != 1 || !strings.Contains(stderr, "laughs.yaml") || !strings.Contains(stderr, "expands to more than 100000 values") ||
				strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 1 and one line naming the file and the limit", code, stderr)
			}
			t.Logf("failed in %v", time.Since(start))
		})
	}
}
