package serve

import (
	"context"
	"math"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/lm/openai"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tokenizer"
)

func loadTiny(t testing.TB) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	m, err := model.Load("testdata/tiny", nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, tok
}

func listenLoopback(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String() + "/v1"
}

// tinyServer serves testdata/tiny on a loopback port for the duration of
// the test.
func tinyServer(t testing.TB, opts *Options) (*Server, string, *model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	m, tok := loadTiny(t)
	s, err := New(m, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, url := listenLoopback(t)
	hs := &http.Server{Handler: s}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		s.Close()
	})
	return s, url, m, tok
}

// closeTo compares log-probabilities to float32 precision. They cannot be
// bit-identical: lm/native runs a context once and its continuations in
// forks of its cache, while the server runs each prompt whole, so the
// kernels see batches of other shapes and round differently.
func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-6*max(1, math.Abs(b)) }

// TestOpenAIBackendMatchesNative runs the same requests through lm/native
// in process and through lm/openai against fmkit serve over loopback HTTP:
// the numbers must be the same.
func TestOpenAIBackendMatchesNative(t *testing.T) {
	_, url, m, tok := tinyServer(t, nil)
	nat, err := native.New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	bos, _ := tok.BOS()
	ctx := context.Background()
	ll := []lm.LoglikelihoodRequest{
		{Context: "The cat sat on the", Continuation: " mat"},
		{Context: "The cat sat on the", Continuation: " hat"},
		{Context: "2+2=", Continuation: "4"},
		{Context: "Question: why?\nAnswer:", Continuation: " because"},
		{Context: "", Continuation: "Hello"},
		{Context: "abc ", Continuation: "def"},
	}
	rolling := []lm.RollingRequest{{Text: "the quick brown fox"}, {Text: "a"}}
	gen := []lm.GenerateRequest{
		{Context: "Once upon a time", Until: []string{"\n"}, MaxTokens: 12},
		{Context: "Q: 1+1?\nA:", Until: []string{"."}, MaxTokens: 8},
	}
	wantLL, err := nat.Loglikelihood(ctx, ll, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRoll, err := nat.LoglikelihoodRolling(ctx, rolling, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantGen, err := nat.GenerateUntil(ctx, gen, nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, mode := range []struct {
		name   string
		tokens bool
		prompt bool
	}{{"token ids, echo", true, false}, {"token ids, prompt_logprobs", true, true}, {"text, echo", false, false}} {
		t.Run(mode.name, func(t *testing.T) {
			opts := openai.Options{BaseURLs: []string{url}, Concurrency: 4, BatchSize: 2, MaxLength: 64, PromptLogprobs: mode.prompt}
			if mode.tokens {
				opts.Tokenize = func(s string) ([]int, error) { return tok.Encode(s, false), nil }
				opts.PrefixToken = &bos
			}
			client, err := openai.New(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			reqs := ll
			want := wantLL
			if !mode.tokens {
				// Without a tokenizer on the client and without a BOS added by
				// the server, an empty context cannot be scored: see
				// TestTextModeEmptyContext.
				reqs, want = ll[:4], wantLL[:4]
			}
			got, err := client.Loglikelihood(ctx, reqs, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range reqs {
				if !closeTo(got[i].LogProb, want[i].LogProb) || got[i].IsGreedy != want[i].IsGreedy {
					t.Errorf("request %d %q|%q: HTTP %+v, native %+v", i, reqs[i].Context, reqs[i].Continuation, got[i], want[i])
				}
			}
			if mode.tokens {
				roll, err := client.LoglikelihoodRolling(ctx, rolling, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := range rolling {
					if !closeTo(roll[i], wantRoll[i]) {
						t.Errorf("rolling %d: HTTP %v, native %v", i, roll[i], wantRoll[i])
					}
				}
			}
			texts, err := client.GenerateUntil(ctx, gen, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range gen {
				if texts[i] != wantGen[i] {
					t.Errorf("generation %d: HTTP %q, native %q", i, texts[i], wantGen[i])
				}
			}
		})
	}
}
