package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// cancelledBy returns a context already cancelled by sig, as cmd/fmkit's
// is after the user's Ctrl-C (SIGINT) or a scheduler's SIGTERM.
func cancelledBy(sig os.Signal) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&SignalError{Signal: sig})
	return ctx
}

func TestExitCode(t *testing.T) {
	plain, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"success", context.Background(), nil, 0},
		{"error", context.Background(), os.ErrNotExist, 1},
		{"cancelled without a signal", plain, context.Canceled, 130},
		{"SIGINT", cancelledBy(os.Interrupt), context.Canceled, 130},
		{"SIGTERM", cancelledBy(syscall.SIGTERM), context.Canceled, 143},
		{"SIGTERM after the work finished", cancelledBy(syscall.SIGTERM), nil, 143},
	}
	for _, c := range cases {
		if got := exitCode(c.ctx, c.err); got != c.want {
			t.Errorf("%s: exit code %d, want %d", c.name, got, c.want)
		}
	}
}

// TestLongCommandsStopOnSignal is the Ctrl-C audit: every command that can
// run for long is started with its context already cancelled by SIGTERM
// and must notice, say so in one line, and exit 143, without writing a
// partial output file. (Training commands write a checkpoint instead;
// cmd/fmkit's tests send them real signals mid-run.)
func TestLongCommandsStopOnSignal(t *testing.T) {
	dir := t.TempDir()
	xp, zp := writeConceptData(t, dir, 200, 4)
	corpus := filepath.Join(dir, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "contents": "The cat sat on the mat."}`+"\n"), 0o644)
	pairs := filepath.Join(dir, "pairs.jsonl")
	os.WriteFile(pairs, []byte(strings.Repeat(`{"gold": "\\frac{1}{2}", "pred": "0.5"}`+"\n", 100)), 0o644)
	trainFixture := "../../nn/testdata/train/llama"
	model := "../../model/testdata/llama_gqa"
	cases := []struct {
		name  string
		args  []string
		stdin string
		out   string // a file the command must not leave behind
	}{
		{"shapes analyze", []string{"shapes", "analyze", "--hidden", "4096", "--heads", "32", "--layers", "32"}, "", ""},
		{"shapes sweep", []string{"shapes", "sweep", "--heads", "32", "--layers", "32", "--vary", "hidden=2048:8192:32"}, "", ""},
		{"bench gemm", []string{"bench", "gemm", "--sizes", "64"}, "", ""},
		{"tokenize", []string{"tokenize", "--tokenizer", "../../tokenizer/testdata/gpt2"}, "hello world", ""},
		{"tokenize --lines", []string{"tokenize", "--tokenizer", "../../tokenizer/testdata/gpt2", "--lines"}, "hello\nworld\n", ""},
		{"detokenize", []string{"detokenize", "--tokenizer", "../../tokenizer/testdata/gpt2"}, "[31373]\n", ""},
		{"generate", []string{"generate", "--model", model, "--prompt-ids", "1,2", "--max-new-tokens", "4"}, "", ""},
		{"score", []string{"score", "--model", model, "--context-ids", "1,2", "--continuation-ids", "3"}, "", ""},
		{"forward", []string{"forward", "--model", model, "--ids", "1,2", "--npy", filepath.Join(dir, "f.npy")}, "", filepath.Join(dir, "f.npy")},
		{"train lm", []string{"train", "lm", "--init", filepath.Join(trainFixture, "init"), "--data", filepath.Join(trainFixture, "data.jsonl"),
			"--seq-len", "8", "--batch-size", "2", "--steps", "3", "--out", filepath.Join(dir, "train"), "--quiet"}, "", filepath.Join(dir, "train", "model.safetensors")},
		{"sn train", append(append([]string{}, smallTrain...), "--epochs", "10", "--out", filepath.Join(dir, "sn"), "--quiet"), "", ""},
		{"search index", []string{"search", "index", "--input", corpus, "--index", filepath.Join(dir, "idx")}, "", filepath.Join(dir, "idx", "commit.json")},
		{"erase fit", []string{"erase", "fit", "--x", xp, "--z", zp, "--out", filepath.Join(dir, "e.safetensors")}, "", filepath.Join(dir, "e.safetensors")},
		{"recursion gen", []string{"recursion", "gen", "--task", "succ", "--n", "1000", "--out", filepath.Join(dir, "r.jsonl")}, "", filepath.Join(dir, "r.jsonl")},
		{"eval", []string{"eval", "--model", "builtin:recursion-tiny", "--tasks", "recursion_succ_carry_0", "--limit", "5", "--output", filepath.Join(dir, "res")}, "", filepath.Join(dir, "res")},
		{"activations", []string{"activations", "--model", model, "--ids", "1,2", "--site", "layers.1.mlp_in", "--npy", filepath.Join(dir, "a.npy")}, "", filepath.Join(dir, "a.npy")},
		{"convert", []string{"convert", "--model", model, "--to", "gguf", "--out", filepath.Join(dir, "m.gguf")}, "", filepath.Join(dir, "m.gguf")},
		{"quantize", []string{"quantize", "--model", model, "--type", "q8_0", "--out", filepath.Join(dir, "q8")}, "", filepath.Join(dir, "q8", "model.gguf")},
		{"search ngram build", []string{"search", "ngram", "build", "--input", corpus, "--field", "contents", "--tokenizer", gpt2Tokenizer, "--out", filepath.Join(dir, "ng"), "--quiet"}, "", filepath.Join(dir, "ng", "meta.json")},
		{"math check --pairs", []string{"math", "check", "--pairs", pairs}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			root := newRootCmd()
			root.SetIn(strings.NewReader(c.stdin))
			code := mainWith(cancelledBy(syscall.SIGTERM), root, c.args, &stdout, &stderr)
			// Training commands print a header first; the error is the
			// last line, and the only one.
			msg := stderr.String()
			lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
			if code != 143 || !strings.HasPrefix(lines[len(lines)-1], "fmkit: terminated (SIGTERM): ") || strings.Count(msg, "fmkit: ") != 1 {
				t.Errorf("exit %d, stderr %q; want 143 and one line saying it was terminated", code, msg)
			}
			if c.out != "" {
				if _, err := os.Stat(c.out); err == nil {
					t.Errorf("%s was written although the command was stopped before it finished", c.out)
				}
			}
		})
	}
}
