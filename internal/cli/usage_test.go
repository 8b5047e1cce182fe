package cli

import (
	"strings"
	"testing"
)

// TestMistakesExitTwo runs mistyped commands and flags at every depth: each
// exits 2 with one line naming the mistake and, where one is close, the
// fix; none prints help and succeeds.
func TestMistakesExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"evall"}, `unknown command "evall" for "fmkit"; did you mean "eval"?`},
		{[]string{"search", "qeury"}, `unknown command "qeury" for "fmkit search"; did you mean "query"?`},
		{[]string{"erase", "fitt"}, `did you mean "fit"?`},
		{[]string{"tasks", "lst"}, `did you mean "list"?`},
		{[]string{"cache", "stat"}, `did you mean "stats"?`},
		{[]string{"bench", "gem"}, `did you mean "gemm"?`},
		{[]string{"train", "lmm"}, `did you mean "lm"?`},
		{[]string{"shapes", "zzz"}, `unknown command "zzz" for "fmkit shapes" (see fmkit shapes --help)`},
		{[]string{"train", "lm", "--lrr", "3"}, "unknown flag: --lrr; did you mean --lr?"},
		{[]string{"eval", "--taks", "x"}, "did you mean --tasks?"},
		{[]string{"generate", "--zzzzzzzz"}, "unknown flag: --zzzzzzzz"},
		// A model spec that names nothing, under the flag that gave it.
		{[]string{"train", "lm", "--init", "runs/nosuch", "--data", "x.jsonl", "--out", "y"}, `--init: models: bad model spec "runs/nosuch": no such directory; did you mean hf:runs/nosuch?`},
		// help and completion, which cobra adds.
		{[]string{"help", "evall"}, `unknown command "evall" for "fmkit"; did you mean "eval"?`},
		{[]string{"help", "search", "qeury"}, `unknown command "qeury" for "fmkit search"; did you mean "query"?`},
		{[]string{"completion", "zsh2"}, `unknown command "zsh2" for "fmkit completion"; did you mean "zsh"?`},
		// A stray word or a missing argument of a command that runs.
		{[]string{"train", "lm", "...", "--resume"}, `unknown command "..." for "fmkit train lm"; usage: fmkit train lm [flags]`},
		{[]string{"risk", "check"}, "requires at least 1 arg(s), only received 0; usage: fmkit risk check FILE..."},
		{[]string{"serve", "a", "b"}, "accepts at most 1 arg(s), received 2; usage: fmkit serve MODEL"},
	} {
		out, stderr, code := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and one line with %q", c.args, code, stderr, out, c.want)
		}
	}
	// A group without a subcommand still shows its help, successfully, and
	// so does help on a real topic.
	for _, args := range [][]string{{"search"}, {"help"}, {"help", "search"}, {"completion"}} {
		if out, _, code := run(t, args...); code != 0 || !strings.Contains(out, "Available Commands") {
			t.Errorf("fmkit %v: exit %d, %q", args, code, out)
		}
	}
	if out, _, code := run(t, "help", "search", "query"); code != 0 || !strings.Contains(out, "fmkit search query") {
		t.Errorf("fmkit help search query: exit %d, %q", code, out)
	}
}

func TestVersionFlag(t *testing.T) {
	out, _, code := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "fmkit ") || !strings.Contains(out, "commit") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}
