package cli

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestReadmeCommandsParse checks that every fmkit command in the README's
// shell blocks names a real command with real flags, values of the right
// type and the right number of arguments: a newcomer who copies one gets it
// run, or an error about their files or network, never a usage error.
func TestReadmeCommandsParse(t *testing.T) {
	cmds := readmeCommands(t, "../../README.md")
	if len(cmds) < 50 {
		t.Fatalf("found %d fmkit commands in the README; the extraction is broken", len(cmds))
	}
	for _, c := range cmds {
		if err := parseOnly(c.args); err != nil {
			t.Errorf("README.md:%d: fmkit %s: %v", c.line, strings.Join(c.args, " "), err)
		}
	}
}

// TestReadmeCommandParser: parseOnly rejects what the README test must
// catch, and the shell splitting reads quotes as sh does.
func TestReadmeCommandParser(t *testing.T) {
	for _, bad := range [][]string{
		{"serch", "query"},
		{"search", "ngram", "build", "--input", "c.jsonl", "--out", "n", "[--field", "text]"},
		{"train", "lm", "...", "--resume"},
		{"eval", "--limit", "many"},
		{"generate", "--max-new-tokens", "x"},
		{"risk", "check"},
	} {
		if parseOnly(bad) == nil {
			t.Errorf("fmkit %s parsed", strings.Join(bad, " "))
		}
	}
	for _, c := range []struct {
		line string
		want []string
	}{
		{`fmkit generate --prompt "a b" --stop $'\n'   # comment`, []string{"generate", "--prompt", "a b", "--stop", "\n"}},
		{`echo "x | y" | fmkit tokenize --tokenizer t < in.txt > out.jsonl`, []string{"tokenize", "--tokenizer", "t"}},
		{`fmkit math check --gold '\frac{1}{2}' --pred "say \"hi\""`, []string{"math", "check", "--gold", `\frac{1}{2}`, "--pred", `say "hi"`}},
		{`go run ./cmd/fmkit eval --tasks a#b`, []string{"eval", "--tasks", "a#b"}},
		{`go build -o fmkit ./cmd/fmkit && ./fmkit version`, nil},
		{`fmkit search serve --index c=idx &   # then`, []string{"search", "serve", "--index", "c=idx"}},
		{`cd x && fmkit sn irreps --n 5 > out`, []string{"sn", "irreps", "--n", "5"}},
	} {
		got := fmkitArgs(shellWords(c.line))
		if strings.Join(got, "\x00") != strings.Join(c.want, "\x00") {
			t.Errorf("%s: got %q, want %q", c.line, got, c.want)
		}
	}
}

// parseOnly resolves args to a command and parses its flags and arguments
// as Main would, without running it.
func parseOnly(args []string) error {
	root := newRootCmd()
	checkUsage(root)
	cmd, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return cmd.FlagErrorFunc()(cmd, err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		return err
	}
	if err := cmd.ValidateRequiredFlags(); err != nil {
		return err
	}
	if !cmd.Runnable() {
		return &usageError{"not a command that runs"}
	}
	return nil
}

type readmeCommand struct {
	line int
	args []string
}

// readmeCommands returns the fmkit invocations of the file's sh blocks,
// with continued lines joined.
func readmeCommands(t *testing.T, path string) []readmeCommand {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		cmds    []readmeCommand
		inShell bool
		pending string
		start   int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if fence, ok := strings.CutPrefix(line, "```"); ok {
			inShell = !inShell && (fence == "sh" || fence == "bash")
			continue
		}
		if !inShell {
			continue
		}
		if pending == "" {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += cont + " "
			continue
		}
		line, pending = pending+line, ""
		if args := fmkitArgs(shellWords(strings.TrimPrefix(strings.TrimSpace(line), "$ "))); args != nil {
			cmds = append(cmds, readmeCommand{start, args})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cmds
}

// fmkitArgs returns the arguments of the first fmkit command ("fmkit" or
// "go run ./cmd/fmkit" where a command starts) in a line of shell words,
// without redirections, or nil when it runs none.
func fmkitArgs(words []string) []string {
	var args []string
	found, atStart := false, true
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "|" || w == "&" || w == ";":
			if found {
				return args
			}
			atStart = true
			continue
		case !found && atStart && w == "fmkit":
			found = true
		case !found && atStart && w == "go" && i+2 < len(words) && words[i+1] == "run" && words[i+2] == "./cmd/fmkit":
			found, i = true, i+2
		case found && (w == "<" || w == ">"):
			i++
		case found:
			args = append(args, w)
		}
		atStart = false
	}
	if !found {
		return nil
	}
	return args
}

// shellWords splits a command line as sh does for the quoting the README
// uses: '…', "…" with backslash escapes, $'…' with \n and \t, a backslash
// outside quotes, a # comment, and each of | & ; < > as a word of its own
// (so && is two).
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		inW   bool
	)
	flush := func() {
		if inW {
			words = append(words, cur.String())
			cur.Reset()
			inW = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inW:
			return words
		case strings.IndexByte("|&;<>", c) >= 0:
			flush()
			words = append(words, string(c))
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inW = true
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inW = true
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			i += 2
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					cur.WriteString(map[byte]string{'n': "\n", 't': "\t"}[s[i]])
					continue
				}
				cur.WriteByte(s[i])
			}
			inW = true
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			inW = true
		default:
			cur.WriteByte(c)
			inW = true
		}
	}
	flush()
	return words
}

// TestHelpShowsOneDefault: no flag's help line names its default twice
// (once in the text, once as pflag's "(default …)").
func TestHelpShowsOneDefault(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, line := range strings.Split(c.Flags().FlagUsages(), "\n") {
			if strings.Count(line, "(default") > 1 || strings.Contains(line, "(default:") && strings.Contains(line, ") (default ") {
				t.Errorf("%s: %s", c.CommandPath(), strings.TrimSpace(line))
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}
