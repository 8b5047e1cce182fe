package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/tokenizer"
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
		// One final newline, as echo adds, is not encoded unless
		// --keep-newline; GPT-2 encodes "\n" as 198 (Ċ).
		{"final newline", "Hello world\n", []string{"tokenize", "--tokenizer", gpt2Dir, "--json"},
			`{"ids":[15496,995],"tokens":["Hello","Ġworld"],"offsets":[[0,5],[5,11]]}` + "\n"},
		{"final CRLF", "Hello world\r\n", []string{"tokenize", "--tokenizer", gpt2Dir, "--json"},
			`{"ids":[15496,995],"tokens":["Hello","Ġworld"],"offsets":[[0,5],[5,11]]}` + "\n"},
		{"only one final newline", "Hello world\n\n", []string{"tokenize", "--tokenizer", gpt2Dir, "--json"},
			`{"ids":[15496,995,198],"tokens":["Hello","Ġworld","Ċ"],"offsets":[[0,5],[5,11],[11,12]]}` + "\n"},
		{"keep newline", "Hello world\n", []string{"tokenize", "--tokenizer", gpt2Dir, "--json", "--keep-newline"},
			`{"ids":[15496,995,198],"tokens":["Hello","Ġworld","Ċ"],"offsets":[[0,5],[5,11],[11,12]]}` + "\n"},
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

// TestTokenizeStreamsLongInput checks that the JSON written a chunk at a
// time is exactly what encoding/json writes for the whole result, across
// several chunks, and that the table keeps every row.
func TestTokenizeStreamsLongInput(t *testing.T) {
	tok, err := tokenizer.Load(gpt2Dir)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Hello <world> & \"friends\"\n", 2000) // 12,000 tokens
	ids, offs := tok.EncodeWithOffsets(text, false)
	want := struct {
		IDs     []int    `json:"ids"`
		Tokens  []string `json:"tokens"`
		Offsets [][2]int `json:"offsets"`
	}{IDs: ids}
	for i, id := range ids {
		s, _ := tok.IDToToken(id)
		want.Tokens = append(want.Tokens, s)
		want.Offsets = append(want.Offsets, [2]int{offs[i].Start, offs[i].End})
	}
	wantJSON, _ := json.Marshal(want)
	got, err := runWithStdin(t, text, "tokenize", "--tokenizer", gpt2Dir, "--json", "--keep-newline")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(wantJSON)+"\n" {
		t.Errorf("streamed JSON differs from encoding/json's (%d vs %d bytes)", len(got), len(wantJSON)+1)
	}
	table, err := runWithStdin(t, text, "tokenize", "--tokenizer", gpt2Dir, "--keep-newline")
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(table, "\n"); rows != len(ids)+2 || !strings.HasSuffix(table, fmt.Sprintf("%d tokens, %d bytes\n", len(ids), len(text))) {
		t.Errorf("table has %d lines for %d tokens", rows, len(ids))
	}
}

// TestTokenizeLimits checks that an input over --max-bytes fails before it
// is encoded, with a bounded amount of memory.
func TestTokenizeLimits(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"over --max-bytes", big, []string{"--max-bytes", "1000"}, "stdin holds more than --max-bytes 1000 bytes; encode it line by line with --lines"},
		{"bad --max-bytes", "x", []string{"--max-bytes", "0"}, "--max-bytes 0: expected a positive size"},
	}
	for _, c := range cases {
		var err error
		n := memtest.AllocatedBytes(func() {
			_, err = runWithStdin(t, c.stdin, append([]string{"tokenize", "--tokenizer", gpt2Dir}, c.args...)...)
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		// Loading the GPT-2 tokenizer takes about 20 MB; encoding 1 MiB
		// would take 40 more.
		if n > 32<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, n)
		}
	}
}
