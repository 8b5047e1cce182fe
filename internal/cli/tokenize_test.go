package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

const gpt2Dir = "../../tokenizer/testdata/gpt2"

func runWithStdin(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestTokenizeCommand(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		// IDs from the reference fixtures (Hugging Face tokenizers on GPT-2).
		{"lines", "Hello world\r\n\nHello<|endoftext|>", []string{"tokenize", "--tokenizer", gpt2Dir, "--lines"},
			"[15496,995]\n[]\n[15496,50256]\n"},
		{"json", "Hello world", []string{"tokenize", "--tokenizer", gpt2Dir + "/tokenizer.json", "--json"},
			`{"ids":[15496,995],"tokens":["Hello","Ġworld"],"offsets":[[0,5],[5,11]]}` + "\n"},
		{"detokenize", "[15496,995]\n[15496, 50256]\n[]", []string{"detokenize", "--tokenizer", gpt2Dir},
			"Hello world\nHello<|endoftext|>\n\n"},
		{"detokenize skip special", "[15496,50256]", []string{"detokenize", "--tokenizer", gpt2Dir, "--skip-special"},
			"Hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runWithStdin(t, tt.stdin, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTokenizeTable(t *testing.T) {
	got, err := runWithStdin(t, "Hello world", "tokenize", "--tokenizer", gpt2Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"15496", `"Ġworld"`, `" world"`, "2 tokens, 11 bytes"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no tokenizer flag", "x", []string{"tokenize"}, "--tokenizer is required"},
		{"missing file", "x", []string{"tokenize", "--tokenizer", "does/not/exist.json"}, "does/not/exist.json"},
		{"bad array", "[1,2", []string{"detokenize", "--tokenizer", gpt2Dir}, "input array 1: expected a JSON array"},
		{"not an array", `{"a":1}`, []string{"detokenize", "--tokenizer", gpt2Dir}, "input array 1"},
		{"id out of range", "[15496]\n[1,99999999]", []string{"detokenize", "--tokenizer", gpt2Dir}, "input array 2: tokenizer: decode: id 99999999 at position 1"},
		{"unknown flag", "", []string{"tokenize", "--tokenizer", gpt2Dir, "--bogus"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runWithStdin(t, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
