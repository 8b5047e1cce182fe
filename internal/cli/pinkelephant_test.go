package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPinkElephantFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"domain":"d","grey":"A","pink":"B","turns":[{"role":"assistant","content":"hi"}]}`+"\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pinkelephant", "generate", "--out", dir}, "--model and --out are required"},
		{[]string{"pinkelephant", "generate", "--model", "x", "--out", dir, "--temperature", "NaN"}, `invalid argument "NaN" for "--temperature" flag: "NaN" is not a finite number`},
		{[]string{"pinkelephant", "generate", "--model", "x", "--out", dir, "--from", "critique"}, `--from: pinkelephant: unknown stage "critique"`},
		{[]string{"pinkelephant", "generate", "--model", "x", "--out", dir, "--turns", "5"}, "Turns (5) must be an even number"},
		{[]string{"pinkelephant", "generate", "--model", "x", "--out", dir, "--test-fraction", "1.5"}, "TestFraction (1.5) must be in [0, 1)"},
		{[]string{"pinkelephant", "generate", "--model", "openai:http://127.0.0.1:9/v1,model=m", "--out", dir}, "add chat=true"},
		{[]string{"pinkelephant", "eval", "--model", "x", "--out", dir}, "--test is required"},
		{[]string{"pinkelephant", "eval", "--model", "x", "--out", dir, "--test", bad}, "bad.jsonl line 1: turn 0 has role \"assistant\""},
		{[]string{"pinkelephant", "eval", "--model", "x", "--out", dir, "--test", bad, "--instruction", "maybe"}, "--instruction \"maybe\": expected both, off or on"},
		{[]string{"pinkelephant", "compare", "--model", "openai:http://x/v1", "--out", dir}, "native engine"},
		{[]string{"pinkelephant", "compare", "--model", "m", "--out", dir, "--cfg-sweep", "1,Inf"}, "not a finite number"},
	} {
		_, stderr, code := runCLI(t, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

func TestPinkElephantTemplates(t *testing.T) {
	dir := t.TempDir()
	stdout, _, code := runCLI(t, "pinkelephant", "templates", dir)
	if code != 0 || strings.Count(stdout, "wrote") != 10 {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "instruction.j2"))
	if err != nil || !strings.Contains(string(b), "{{ pink }}") {
		t.Errorf("instruction.j2: %q, %v", b, err)
	}
	os.WriteFile(filepath.Join(dir, "typo.j2"), []byte("x"), 0o644)
	_, stderr, code := runCLI(t, "pinkelephant", "generate", "--model", "x", "--out", t.TempDir(), "--templates", dir)
	if code == 0 || !strings.Contains(stderr, "unknown template") {
		t.Errorf("misnamed template: exit %d, %q", code, stderr)
	}
}
