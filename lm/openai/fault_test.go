package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
)

func toyRequests(n int) []lm.LoglikelihoodRequest {
	reqs := make([]lm.LoglikelihoodRequest, n)
	for i := range reqs {
		reqs[i] = lm.LoglikelihoodRequest{Context: fmt.Sprintf("Q%d: say %d.\nA:", i, i*7), Continuation: fmt.Sprintf(" %d", i*7)}
	}
	return reqs
}

func fastOptions(urls ...string) Options {
	return Options{BaseURLs: urls, Model: "toy-model", Concurrency: 8, MaxRetries: 15,
		BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond, Timeout: 2 * time.Second}
}

// streamOnce runs a streamed loglikelihood and fails the test if any index
// is emitted twice.
func streamOnce(t *testing.T, m *Model, ctx context.Context, reqs []lm.LoglikelihoodRequest) ([]lm.LoglikelihoodResult, []int, error) {
	t.Helper()
	out := make([]lm.LoglikelihoodResult, len(reqs))
	times := make([]int, len(reqs))
	var mu sync.Mutex
	err := m.StreamLoglikelihood(ctx, reqs, func(i int, r lm.LoglikelihoodResult) {
		mu.Lock()
		defer mu.Unlock()
		out[i] = r
		times[i]++
	})
	for i, n := range times {
		if n > 1 {
			t.Errorf("request %d emitted %d times", i, n)
		}
	}
	return out, times, err
}

func checkToyResults(t *testing.T, reqs []lm.LoglikelihoodRequest, got []lm.LoglikelihoodResult) {
	t.Helper()
	for i, r := range reqs {
		lp, greedy := expectedLoglikelihood(r.Context, r.Continuation)
		if got[i].LogProb != lp || got[i].IsGreedy != greedy {
			t.Fatalf("request %d: got %+v, want logprob %v greedy %v", i, got[i], lp, greedy)
		}
	}
}

// TestRetriesEveryFault sends requests to a server that drops connections,
// answers 429, 500 and 503 and stalls past the timeout on a fixed share of
// arrivals. Every request must be answered once, correctly, and the server
// must have answered each prompt exactly once.
func TestRetriesEveryFault(t *testing.T) {
	toy := newToyServer()
	var faults sync.Map
	toy.fault = func(n int, w http.ResponseWriter, r *http.Request) bool {
		kind := ""
		switch {
		case n%9 == 1:
			kind = "drop"
			drop(w, r)
		case n%10 == 2:
			kind = "429"
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"message":"rate limited","type":"rate_limit_error"}}`)
		case n%13 == 3:
			kind = "500"
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"object":"error","message":"engine hiccup","code":500}`)
		case n%17 == 4:
			kind = "stall"
			stall(w, r)
		case n%19 == 5:
			kind = "503"
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			return false
		}
		v, _ := faults.LoadOrStore(kind, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		return true
	}
	srv := httptest.NewServer(toy)
	defer srv.Close()
	opts := fastOptions(srv.URL + "/v1")
	opts.Timeout = 300 * time.Millisecond
	m, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	reqs := toyRequests(150)
	got, times, err := streamOnce(t, m, context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range times {
		if n != 1 {
			t.Fatalf("request %d emitted %d times", i, n)
		}
	}
	checkToyResults(t, reqs, got)
	for _, kind := range []string{"drop", "429", "500", "stall", "503"} {
		if _, ok := faults.Load(kind); !ok {
			t.Errorf("fault %s never happened: the test did not exercise it", kind)
		}
	}
	for prompt, n := range toy.answered {
		if n != 1 {
			t.Errorf("prompt %s answered %d times", prompt, n)
		}
	}
	if len(toy.answered) != len(reqs) {
		t.Errorf("%d prompts answered, want %d", len(toy.answered), len(reqs))
	}
}

func TestFailoverAndRoundRobin(t *testing.T) {
	good1, good2 := newToyServer(), newToyServer()
	s1, s2 := httptest.NewServer(good1), httptest.NewServer(good2)
	defer s1.Close()
	defer s2.Close()
	var deadHits int
	var mu sync.Mutex
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		deadHits++
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer dead.Close()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/v1"
	refused.Close() // its port now refuses connections

	m, err := New(context.Background(), fastOptions(s1.URL+"/v1", dead.URL+"/v1", refusedURL, s2.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	reqs := toyRequests(200)
	got, _, err := streamOnce(t, m, context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	checkToyResults(t, reqs, got)
	n1, n2 := len(good1.answered), len(good2.answered)
	if n1+n2 != 200 || n1 < 50 || n2 < 50 {
		t.Errorf("healthy servers answered %d and %d of 200: not shared round-robin", n1, n2)
	}
	if deadHits > 30 {
		t.Errorf("the failing server was tried %d times for 200 requests: no cooldown", deadHits)
	}
}

func TestErrorsNameRequestAndServer(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/v1"
	refused.Close()
	stalled := httptest.NewServer(http.HandlerFunc(stall))
	defer stalled.Close()
	malformed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices": [{"index": 0, "text": "x", "logprobs": {`)
	}))
	defer malformed.Close()
	badRequest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"detail":[{"loc":["body","prompt"],"msg":"field required"}]}`)
	}))
	defer badRequest.Close()

	tests := []struct {
		name, url string
		timeout   time.Duration
		want      []string
	}{
		{"nothing listens", refusedURL, time.Second, []string{"connection refused", "no server has answered"}},
		{"timeout", stalled.URL + "/v1", 100 * time.Millisecond, []string{"no answer within 100ms"}},
		{"malformed JSON", malformed.URL + "/v1", time.Second, []string{"malformed completions response"}},
		{"4xx not retried", badRequest.URL + "/v1", time.Second, []string{"HTTP 422", "field required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := fastOptions(tt.url)
			opts.MaxRetries = 2
			opts.Timeout = tt.timeout
			m, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Loglikelihood(context.Background(), toyRequests(1), nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, "loglikelihood request 0", tt.url) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	toy := newToyServer()
	toy.delay = 50 * time.Millisecond
	srv := httptest.NewServer(toy)
	defer srv.Close()
	m, err := New(context.Background(), fastOptions(srv.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reqs := toyRequests(400)
	var emitted int
	var mu sync.Mutex
	err = m.StreamLoglikelihood(ctx, reqs, func(int, lm.LoglikelihoodResult) {
		mu.Lock()
		defer mu.Unlock()
		if emitted++; emitted == 20 {
			cancel()
		}
	})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want a cancellation", err)
	}
	if emitted >= 100 {
		t.Fatalf("%d answers after cancelling at 20", emitted)
	}
}

func TestNewAsksServedModel(t *testing.T) {
	srv := httptest.NewServer(newToyServer())
	defer srv.Close()
	opts := fastOptions(srv.URL + "/v1/")
	opts.Model = ""
	m, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "openai:toy-model" {
		t.Fatalf("Name() = %q", m.Name())
	}
	opts.Chat = true
	m, _ = New(context.Background(), opts)
	if m.Name() != "openai:toy-model+chat" {
		t.Fatalf("chat Name() = %q", m.Name())
	}

	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"object":"list","data":[]}`)
	}))
	defer empty.Close()
	opts = fastOptions(empty.URL + "/v1")
	opts.Model = ""
	if _, err := New(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "lists no model") {
		t.Fatalf("err = %v, want 'lists no model'", err)
	}
}

func TestAPIKeySent(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		io.WriteString(w, `{"choices":[{"index":0,"text":"ok"}]}`)
	}))
	defer srv.Close()
	opts := fastOptions(srv.URL + "/v1")
	opts.APIKey = "sk-test"
	m, _ := New(context.Background(), opts)
	if _, err := m.GenerateUntil(context.Background(), []lm.GenerateRequest{{Context: "hi"}}, nil); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer sk-test" {
		t.Fatalf("Authorization = %q", got)
	}
}

func TestGenerate(t *testing.T) {
	toy := newToyServer()
	srv := httptest.NewServer(toy)
	defer srv.Close()
	reqs := []lm.GenerateRequest{
		{Context: "hello world", Until: []string{"\n"}},
		{Context: "abcdef", Until: []string{"\n"}},
		{Context: "abcdef", Until: []string{"zz"}},
		{Context: "sampled", DoSample: true, Temperature: 0.7, Seed: 42},
		{Context: "xyz12", Until: []string{"\n"}},
	}
	want := []string{"dlrow", "fedcb", "fedcb\nmore", "delpm\nmore seed=42", "21zyx"}
	for _, tt := range []struct {
		name      string
		batch     int
		chat      bool
		wantCalls int
	}{
		{"one per request", 1, false, 5},
		{"batched by settings", 4, false, 3},
		{"chat", 4, true, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := toy.arrivals
			opts := fastOptions(srv.URL + "/v1")
			opts.BatchSize, opts.Chat = tt.batch, tt.chat
			m, _ := New(context.Background(), opts)
			var calls []int
			got, err := m.GenerateUntil(context.Background(), reqs, func(done int) { calls = append(calls, done) })
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("request %d: %q, want %q", i, got[i], want[i])
				}
			}
			if n := toy.arrivals - before; n != tt.wantCalls {
				t.Errorf("%d HTTP requests, want %d", n, tt.wantCalls)
			}
			if len(calls) != len(reqs) || calls[len(calls)-1] != len(reqs) {
				t.Errorf("progress %v, want 1..%d", calls, len(reqs))
			}
		})
	}
}

// TestBatchedLoglikelihood sends several prompts per request, in text and
// token mode, and rolling loglikelihood with and without a tokenizer.
func TestBatchedLoglikelihoodAndRolling(t *testing.T) {
	toy := newToyServer()
	srv := httptest.NewServer(toy)
	defer srv.Close()
	bytesTok := func(s string) ([]int, error) {
		ids := make([]int, len(s))
		for i := range len(s) {
			ids[i] = int(s[i]) + 3
		}
		return ids, nil
	}
	bos := 1
	reqs := toyRequests(37)
	text := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 3)
	wantRoll, _ := expectedLoglikelihood("", text)
	for _, tt := range []struct {
		name   string
		tok    bool
		batch  int
		maxLen int
	}{
		{"text batch 5", false, 5, 0},
		{"tokens batch 4", true, 4, 0},
		{"tokens windows of 16", true, 3, 16},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := fastOptions(srv.URL + "/v1")
			opts.BatchSize, opts.MaxLength = tt.batch, tt.maxLen
			if tt.tok {
				opts.Tokenize, opts.PrefixToken = bytesTok, &bos
			}
			m, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.maxLen == 0 {
				got, _, err := streamOnce(t, m, context.Background(), reqs)
				if err != nil {
					t.Fatal(err)
				}
				checkToyResults(t, reqs, got)
			}
			roll, err := m.LoglikelihoodRolling(context.Background(), []lm.RollingRequest{{Text: text}, {Text: ""}, {Text: "hi"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantHi, _ := expectedLoglikelihood("", "hi")
			if roll[0] != wantRoll || roll[1] != 0 || roll[2] != wantHi {
				t.Fatalf("rolling = %v, want [%v 0 %v]", roll, wantRoll, wantHi)
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	var sent []map[string]any
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		sent = append(sent, m)
		mu.Unlock()
		io.WriteString(w, `{"choices":[{"index":0,"text":"ok"}]}`)
	}))
	defer srv.Close()
	m, _ := New(context.Background(), fastOptions(srv.URL+"/v1"))
	_, err := m.GenerateUntil(context.Background(), []lm.GenerateRequest{
		{Context: "greedy", Temperature: 0.9, Seed: 5, TopP: 0.5},
		{Context: "sampled", DoSample: true, Temperature: 0.9, TopP: 0.5, TopK: 40, Seed: 5, MaxTokens: 7},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byPrompt := map[string]map[string]any{}
	for _, s := range sent {
		byPrompt[s["prompt"].(string)] = s
	}
	g := byPrompt["greedy"]
	if g["temperature"] != 0.0 || g["seed"] != 1234.0 || g["max_tokens"] != 256.0 || g["top_p"] != nil {
		t.Errorf("greedy request %v: want temperature 0, seed 1234, max_tokens 256, no top_p", g)
	}
	s := byPrompt["sampled"]
	if s["temperature"] != 0.9 || s["seed"] != 5.0 || s["max_tokens"] != 7.0 || s["top_p"] != 0.5 || s["top_k"] != 40.0 {
		t.Errorf("sampled request %v", s)
	}
}

func TestBucket(t *testing.T) {
	b := newBucket(100, 10) // 100 per second, 10 at once
	ctx := context.Background()
	start := time.Now()
	if err := b.take(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := b.take(ctx, 5); err != nil { // 5 in debt: 50ms
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("took 15 units of a 10-unit bucket at 100/s in %v, want at least 50ms", d)
	}
	b.adjust(-20) // the server used less than estimated: credit, capped at the burst
	start = time.Now()
	b.take(ctx, 1)
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Fatalf("a credited bucket made a take wait %v", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.take(cctx, 1000); err == nil {
		t.Fatal("take into a long debt ignored cancellation")
	}
}

// A server that answered once and then refuses connections is restarting:
// requests are retried until MaxRetries, not failed at once as when
// nothing ever listened.
func TestRefusedAfterAnswerIsRetried(t *testing.T) {
	srv := httptest.NewServer(newToyServer())
	opts := fastOptions(srv.URL + "/v1")
	opts.Model = "" // New asks the server, which answers
	opts.MaxRetries = 2
	m, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err = m.Loglikelihood(context.Background(), toyRequests(1), nil)
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || strings.Contains(err.Error(), "no server has answered") {
		t.Fatalf("err = %v, want retries ending in 'gave up after 3 attempts'", err)
	}
}
