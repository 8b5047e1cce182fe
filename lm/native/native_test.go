package native

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/chartok"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
)

type fixtureRef struct {
	Greedy struct {
		Prompt []int `json:"prompt"`
		Tokens []int `json:"tokens"`
	} `json:"greedy"`
	Loglikelihood []struct {
		Context      []int   `json:"context"`
		Continuation []int   `json:"continuation"`
		LogProb      float64 `json:"logprob"`
		Greedy       bool    `json:"greedy"`
	} `json:"loglikelihood"`
	Rolling struct {
		Tokens    []int   `json:"tokens"`
		Prefix    int     `json:"prefix"`
		MaxLength int     `json:"max_length"`
		LogProb   float64 `json:"logprob"`
	} `json:"rolling"`
}

func open(t *testing.T, name string, opts *Options) (*Model, *fixtureRef) {
	t.Helper()
	dir := filepath.Join("..", "..", "model", "testdata", name)
	m, err := model.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	n, err := New(m, chartok.Tokenizer{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref fixtureRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return n, &ref
}

var names = []string{"neox_parallel", "neox_sequential_tied", "llama_gqa", "llama3_mqa_bias", "llama_bf16_linear", "gpt2", "gpt2_scaled"}

func TestLoglikelihoodTokensMatchReference(t *testing.T) {
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			n, ref := open(t, name, nil)
			var reqs []TokenRequest
			for _, r := range ref.Loglikelihood {
				reqs = append(reqs, TokenRequest{Context: r.Context, Continuation: r.Continuation})
			}
			got, err := n.LoglikelihoodTokens(context.Background(), reqs, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range ref.Loglikelihood {
				if math.Abs(got[i].LogProb-r.LogProb) > 1e-4*math.Max(1, math.Abs(r.LogProb)) || got[i].IsGreedy != r.Greedy {
					t.Errorf("request %d: got (%.6f, %v), want (%.6f, %v)", i, got[i].LogProb, got[i].IsGreedy, r.LogProb, r.Greedy)
				}
			}
			if !ref.Loglikelihood[0].Greedy {
				t.Error("fixture's first continuation should be the greedy one")
			}
		})
	}
}

func TestRollingMatchesReference(t *testing.T) {
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			n, ref := open(t, name, nil)
			r := ref.Rolling
			windows := RollingWindows(r.Tokens, r.Prefix, r.MaxLength)
			predicted := 0
			for _, w := range windows {
				predicted += len(w.Continuation)
				if len(w.Context)+len(w.Continuation)-1 > r.MaxLength {
					t.Errorf("window input of %d tokens exceeds %d", len(w.Context)+len(w.Continuation)-1, r.MaxLength)
				}
			}
			if predicted != len(r.Tokens) {
				t.Errorf("windows predict %d tokens, want %d", predicted, len(r.Tokens))
			}
			res, err := n.LoglikelihoodTokens(context.Background(), windows, nil)
			if err != nil {
				t.Fatal(err)
			}
			var total float64
			for _, x := range res {
				total += x.LogProb
			}
			if math.Abs(total-r.LogProb) > 1e-4*math.Abs(r.LogProb) {
				t.Errorf("rolling log-prob %.6f, want %.6f", total, r.LogProb)
			}
		})
	}
}

// The harness's example: tokens 0..9, max length 4.
func TestRollingWindowsHarnessExample(t *testing.T) {
	got := RollingWindows([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, -1, 4)
	want := []TokenRequest{
		{Context: []int{-1}, Continuation: []int{0, 1, 2, 3}},
		{Context: []int{3}, Continuation: []int{4, 5, 6, 7}},
		{Context: []int{5, 6, 7}, Continuation: []int{8, 9}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if !slices.Equal(got[i].Context, want[i].Context) || !slices.Equal(got[i].Continuation, want[i].Continuation) {
			t.Errorf("window %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestEncodePair(t *testing.T) {
	n, _ := open(t, "gpt2", nil)
	tests := []struct {
		ctx, cont        string
		wantCtx, wantCon string
	}{
		{"Question: 2+2=", " 4", "Question: 2+2=", " 4"},
		{"Answer: ", "4", "Answer:", " 4"},
		{"tabs\t \n", "x", "tabs", "\t \nx"},
	}
	for _, tt := range tests {
		c, k := n.EncodePair(tt.ctx, tt.cont)
		tok := chartok.Tokenizer{}
		if tok.Decode(c, false) != tt.wantCtx || tok.Decode(k, false) != tt.wantCon {
			t.Errorf("EncodePair(%q, %q) = %q | %q", tt.ctx, tt.cont, tok.Decode(c, false), tok.Decode(k, false))
		}
	}
	c, k := n.EncodePair("", "ab")
	if !slices.Equal(c, []int{0}) || !slices.Equal(k, []int{66, 67}) {
		t.Errorf("empty context: %v %v", c, k)
	}
}

// Text-level loglikelihood equals the token-level answer for the same split,
// and left truncation keeps the last MaxLength+1 tokens.
func TestLoglikelihoodText(t *testing.T) {
	n, _ := open(t, "llama_gqa", &Options{MaxLength: 6})
	res, err := n.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{
		{Context: "hello there", Continuation: " you"},
		{Context: "hello there ", Continuation: "you"},
		{Context: "", Continuation: "hi"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res[0].LogProb-res[1].LogProb) > 1e-9 {
		t.Errorf("trailing space not moved: %v vs %v", res[0], res[1])
	}
	tok := chartok.Tokenizer{}
	whole := tok.Encode("hello there you", false)
	tr, _ := n.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: whole[len(whole)-7 : len(whole)-4], Continuation: whole[len(whole)-4:]}}, nil)
	if math.Abs(tr[0].LogProb-res[0].LogProb) > 1e-5 {
		t.Errorf("truncated to max length: %v, want %v", res[0].LogProb, tr[0].LogProb)
	}
	if res[2].LogProb >= 0 {
		t.Errorf("empty context: %v", res[2])
	}
}

func TestGenerateUntilAndStream(t *testing.T) {
	for _, name := range []string{"neox_parallel", "llama_gqa", "gpt2"} {
		t.Run(name, func(t *testing.T) {
			n, ref := open(t, name, nil)
			tok := chartok.Tokenizer{}
			prompt := tok.Decode(ref.Greedy.Prompt, false)
			if strings.Contains(prompt, "<eos>") {
				t.Skip("prompt has the special token")
			}
			want := ""
			for _, id := range ref.Greedy.Tokens {
				if id == 0 {
					break
				}
				want += tok.Decode([]int{id}, true)
			}
			got, err := n.GenerateUntil(context.Background(), []lm.GenerateRequest{{Context: prompt, MaxTokens: len(ref.Greedy.Tokens)}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != want {
				t.Errorf("greedy text %q, want %q", got[0], want)
			}
			if len(want) < 4 {
				return
			}
			stop := want[2:4]
			cut := want[:strings.Index(want, stop)]
			var streamed strings.Builder
			texts, err := n.Generate(context.Background(), []string{prompt}, GenerateOptions{MaxTokens: len(ref.Greedy.Tokens), Until: []string{stop}},
				func(i int, s string) error { streamed.WriteString(s); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if texts[0] != cut || streamed.String() != cut {
				t.Errorf("stop %q: text %q streamed %q, want %q", stop, texts[0], streamed.String(), cut)
			}
		})
	}
}

// PrefixToken defaults to BOS; an explicit token, zero included, wins.
func TestPrefixTokenOption(t *testing.T) {
	n, _ := open(t, "gpt2", nil)
	if got := n.PrefixToken(); got != 0 {
		t.Errorf("default prefix %d, want the tokenizer's BOS 0", got)
	}
	for _, want := range []int{0, 7} {
		n, _ := open(t, "gpt2", &Options{PrefixToken: &want})
		ctx, _ := n.EncodePair("", "ab")
		if n.PrefixToken() != want || len(ctx) != 1 || ctx[0] != want {
			t.Errorf("PrefixToken %d: got %d, empty context %v", want, n.PrefixToken(), ctx)
		}
	}
}
