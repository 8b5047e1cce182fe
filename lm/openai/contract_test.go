package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
)

// contractCase is one entry of testdata/contract/cases.json, written by
// testdata/gen/servers/make_contract.py: a server response body in vLLM's
// or llama.cpp's format, the request fields the client must send, and what
// lm-evaluation-harness's parsing makes of the body.
type contractCase struct {
	Name     string         `json:"name"`
	Status   int            `json:"status"`
	Body     string         `json:"body"`
	Request  map[string]any `json:"request"`
	Settings struct {
		Tokenizer      bool `json:"tokenizer"`
		BatchSize      int  `json:"batch_size"`
		PromptLogprobs bool `json:"prompt_logprobs"`
		Chat           bool `json:"chat"`
	} `json:"settings"`
	Expect struct {
		Requests []struct {
			Context      string `json:"context"`
			Continuation string `json:"continuation"`
		} `json:"requests"`
		Results []struct {
			Logprob float64 `json:"logprob"`
			Greedy  bool    `json:"greedy"`
		} `json:"results"`
		Generate []struct {
			Context     string   `json:"context"`
			Until       []string `json:"until"`
			MaxTokens   int      `json:"max_tokens"`
			DoSample    bool     `json:"do_sample"`
			Temperature float64  `json:"temperature"`
			Seed        int64    `json:"seed"`
		} `json:"generate"`
		Texts []string `json:"texts"`
		Error string   `json:"error"`
	} `json:"expect"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// vocabTokenizer tokenizes by longest match over a vocabulary slice; it
// stands in for the model's tokenizer on the fixtures' texts.
func vocabTokenizer(vocab map[string]int) func(string) ([]int, error) {
	keys := make([]string, 0, len(vocab))
	for k := range vocab {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	return func(s string) ([]int, error) {
		var ids []int
	next:
		for s != "" {
			for _, k := range keys {
				if strings.HasPrefix(s, k) {
					ids = append(ids, vocab[k])
					s = s[len(k):]
					continue next
				}
			}
			return nil, fmt.Errorf("no token for %q", s)
		}
		return ids, nil
	}
}

func TestContract(t *testing.T) {
	dir := filepath.Join("testdata", "contract")
	var cases []contractCase
	readJSON(t, filepath.Join(dir, "cases.json"), &cases)
	var vocab map[string]int
	readJSON(t, filepath.Join(dir, "vocab.json"), &vocab)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tc.Body))
			if err != nil {
				t.Fatal(err)
			}
			var sent map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &sent); err != nil {
					t.Errorf("client sent malformed JSON: %v", err)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.Status)
				w.Write(body)
			}))
			defer srv.Close()
			opts := Options{BaseURLs: []string{srv.URL + "/v1"}, Model: "m", MaxRetries: -1,
				BatchSize: tc.Settings.BatchSize, PromptLogprobs: tc.Settings.PromptLogprobs, Chat: tc.Settings.Chat}
			if tc.Settings.Tokenizer {
				bos := 1
				opts.Tokenize, opts.PrefixToken = vocabTokenizer(vocab), &bos
			}
			m, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			var got any
			if len(tc.Expect.Generate) > 0 {
				var reqs []lm.GenerateRequest
				for _, g := range tc.Expect.Generate {
					reqs = append(reqs, lm.GenerateRequest{Context: g.Context, Until: g.Until, MaxTokens: g.MaxTokens,
						DoSample: g.DoSample, Temperature: g.Temperature, Seed: g.Seed})
				}
				texts, gerr := m.GenerateUntil(ctx, reqs, nil)
				got, err = texts, gerr
			} else {
				var reqs []lm.LoglikelihoodRequest
				for _, r := range tc.Expect.Requests {
					reqs = append(reqs, lm.LoglikelihoodRequest{Context: r.Context, Continuation: r.Continuation})
				}
				res, lerr := m.Loglikelihood(ctx, reqs, nil)
				got, err = res, lerr
			}

			if tc.Expect.Error != "" {
				if err == nil {
					t.Fatalf("no error, want one containing %q", tc.Expect.Error)
				}
				if !strings.Contains(err.Error(), tc.Expect.Error) || !strings.Contains(err.Error(), srv.URL) {
					t.Fatalf("error %q, want it to contain %q and name the server %s", err, tc.Expect.Error, srv.URL)
				}
				t.Logf("error: %v", err)
				if !strings.Contains(err.Error(), "request 0") {
					t.Fatalf("error %q does not name the request", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.Request {
				if !reflect.DeepEqual(sent[k], want) {
					t.Errorf("request field %q = %#v, want %#v", k, sent[k], want)
				}
			}
			if sent["model"] != "m" {
				t.Errorf("request model = %v, want m", sent["model"])
			}
			switch g := got.(type) {
			case []lm.LoglikelihoodResult:
				if tc.Expect.Error != "" {
					return
				}
				if len(g) != len(tc.Expect.Results) {
					t.Fatalf("%d results, want %d", len(g), len(tc.Expect.Results))
				}
				for i, w := range tc.Expect.Results {
					if math.Abs(g[i].LogProb-w.Logprob) > 1e-12 || g[i].IsGreedy != w.Greedy {
						t.Errorf("result %d = %+v, want logprob %v greedy %v", i, g[i], w.Logprob, w.Greedy)
					}
				}
			case []string:
				if !reflect.DeepEqual(g, tc.Expect.Texts) {
					t.Errorf("texts %q, want %q", g, tc.Expect.Texts)
				}
			}
		})
	}
}
