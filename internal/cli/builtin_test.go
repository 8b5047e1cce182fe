package cli

import (
	"strings"
	"testing"
)

// TestBuiltinModel runs the README's offline main job on a few documents,
// and the other commands on the built-in model, with no network and no
// files but the binary.
func TestBuiltinModel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	out, stderr, code := run(t, "eval", "--model", "builtin:recursion-tiny", "--tasks", "recursion_succ_carry_0", "--limit", "5")
	if code != 0 || !strings.Contains(out, "recursion_succ_carry_0") || !strings.Contains(out, "exact_match") {
		t.Fatalf("eval: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, stderr, code = run(t, "generate", "--model", "builtin:recursion-tiny", "--prompt", "succ (xO xH) =", "--max-new-tokens", "8", "--stop", "\n")
	if code != 0 || strings.TrimSpace(out) != "xI xH" {
		t.Errorf("generate: exit %d, %q (stderr %q); want the successor of 2, xI xH", code, out, stderr)
	}
	// The default --max-new-tokens (256) is the built-in model's whole
	// context: it shrinks to what the prompt leaves, with and without
	// guidance, as in the README. 5 is xI (xO xH) least significant bit
	// first; 6 is xO (xI xH).
	for _, extra := range [][]string{nil, {"--cfg", "1.5"}} {
		args := append([]string{"generate", "--model", "builtin:recursion-tiny", "--prompt", "succ (xI (xO xH)) =", "--stop", "\n"}, extra...)
		out, stderr, code = run(t, args...)
		if code != 0 || strings.TrimSpace(out) != "xO (xI xH)" {
			t.Errorf("%v: exit %d, %q (stderr %q); want the successor of 5, xO (xI xH)", args, code, out, stderr)
		}
	}
	// A count the user gives is kept; when it leaves no room, stdout stays
	// empty and stderr says why in one line.
	out, stderr, code = run(t, "generate", "--model", "builtin:recursion-tiny", "--prompt", "succ xH =", "--max-new-tokens", "256")
	if code != 1 || out != "" || !strings.Contains(stderr, "256 new tokens leave no room for a context in the max length 256") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("generate --max-new-tokens 256: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	_, stderr, code = run(t, "score", "--model", "builtin:recursion-tiny", "--context", "succ xH =", "--continuation", " xO xH", "--json")
	if code != 0 {
		t.Errorf("score: exit %d, %s", code, stderr)
	}
	_, stderr, code = run(t, "generate", "--model", "builtin:nope", "--prompt", "x")
	if code == 0 || !strings.Contains(stderr, `unknown built-in model "nope" (built-in: recursion-tiny)`) {
		t.Errorf("unknown built-in: exit %d, %q", code, stderr)
	}
}
