package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTasksDoctor runs fmkit tasks doctor on a built-in task with a Go
// port, on an include path whose task needs Python, and with a --python
// that does not exist.
func TestTasksDoctor(t *testing.T) {
	out, errOut, code := runCLI(t, "tasks", "doctor", "--python", "none", "hellaswag", "arc_easy")
	if code != 0 || !strings.Contains(out, "hellaswag") || !strings.Contains(out, "go: utils.process_docs") ||
		!strings.Contains(out, "2 tasks: 2 native, 0 through python, 0 cannot run (no python3 in use)") {
		t.Errorf("doctor on built-ins: code %d\n%s%s", code, out, errOut)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t"), 0o755)
	os.WriteFile(filepath.Join(dir, "t", "t.yaml"), []byte("task: needs_python\ndataset_path: json\ntest_split: test\ndoc_to_text: !function u.text\ndoc_to_target: a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "t", "u.py"), []byte("def text(doc):\n    return doc['q']\n"), 0o644)
	out, _, code = runCLI(t, "tasks", "doctor", "--python", "none", "--include-path", dir, "needs_python")
	if code != 0 || !strings.Contains(out, "cannot-run") || !strings.Contains(out, "t/t.yaml:4: !function u.text (document) has no Go port and no python3 is in use") {
		t.Errorf("doctor without python: code %d\n%s", code, out)
	}
	if _, err := exec.LookPath("python3"); err == nil {
		out, _, code = runCLI(t, "tasks", "doctor", "--include-path", dir, "needs_python")
		if code != 0 || !strings.Contains(out, "needs_python") || !strings.Contains(out, "python: u.text (t/t.yaml)") {
			t.Errorf("doctor with python: code %d\n%s", code, out)
		}
	}
	_, errOut, code = runCLI(t, "tasks", "doctor", "--python", filepath.Join(dir, "no-such-python"), "hellaswag")
	if code == 0 || !strings.Contains(errOut, "--python") {
		t.Errorf("missing --python: code %d, %s", code, errOut)
	}
}
