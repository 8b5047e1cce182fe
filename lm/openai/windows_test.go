package openai

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRollingWindowsMatchLMEval compares the windows with those of
// lm-evaluation-harness, from testdata/gen/servers/make_windows.py.
func TestRollingWindowsMatchLMEval(t *testing.T) {
	var cases []struct {
		N       int `json:"n"`
		MaxLen  int `json:"max_len"`
		Windows []struct {
			Context      []int `json:"context"`
			Continuation []int `json:"continuation"`
		} `json:"windows"`
	}
	readJSON(t, filepath.Join("testdata", "rolling_windows.json"), &cases)
	for _, c := range cases {
		tokens := make([]int, c.N)
		for i := range tokens {
			tokens[i] = 100 + i
		}
		got := rollingWindows(tokens, 1, c.MaxLen)
		if len(got) != len(c.Windows) {
			t.Errorf("n=%d max_len=%d: %d windows, want %d", c.N, c.MaxLen, len(got), len(c.Windows))
			continue
		}
		for k, w := range c.Windows {
			if !reflect.DeepEqual(got[k].context, w.Context) || !reflect.DeepEqual(got[k].continuation, w.Continuation) {
				t.Errorf("n=%d max_len=%d window %d: got %v|%v, want %v|%v", c.N, c.MaxLen, k,
					got[k].context, got[k].continuation, w.Context, w.Continuation)
			}
		}
	}
}

func TestEncodePair(t *testing.T) {
	// A word-level tokenizer: a token is a run of spaces followed by
	// non-spaces, so "a b" is ["a", " b"].
	words := func(s string) ([]int, error) {
		var ids []int
		for len(s) > 0 {
			i := 0
			for i < len(s) && s[i] == ' ' {
				i++
			}
			for i < len(s) && s[i] != ' ' {
				i++
			}
			ids = append(ids, len(ids)*1000+len(s[:i])) // id encodes position and length
			s = s[i:]
		}
		return ids, nil
	}
	tests := []struct {
		context, continuation string
		ctxN, contN           int
	}{
		{"Answer:", " yes", 1, 1},
		{"Answer: ", "yes", 1, 1},    // trailing space moves: " yes" is one token
		{"Answer:  \t", "yes", 1, 1}, // all trailing whitespace moves
		{"", "yes no", 1, 2},         // empty context: the prefix token alone
		{"a b", " c d", 2, 2},
	}
	for _, tt := range tests {
		ctx, cont, err := encodePair(words, 7, tt.context, tt.continuation)
		if err != nil {
			t.Fatal(err)
		}
		if len(ctx) != tt.ctxN || len(cont) != tt.contN {
			t.Errorf("encodePair(%q, %q) = %v, %v; want %d and %d tokens", tt.context, tt.continuation, ctx, cont, tt.ctxN, tt.contN)
		}
		if tt.context == "" && ctx[0] != 7 {
			t.Errorf("empty context = %v, want the prefix token 7", ctx)
		}
	}
	failing := func(string) ([]int, error) { return nil, fmt.Errorf("boom") }
	if _, _, err := encodePair(failing, 7, "a", "b"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("tokenizer error lost: %v", err)
	}
}
