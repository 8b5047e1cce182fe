package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/serve"
	"github.com/fmkit/fmkit/tokenizer"
)

// TestEvalThroughServerWithCache evaluates a multiple-choice task with
// --model openai:URL against fmkit serve, then again with the same --cache:
// the second run must report the same results without sending the server
// a single completions request.
func TestEvalThroughServerWithCache(t *testing.T) {
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs.jsonl")
	var lines []string
	for _, q := range []string{"2+2?", "Capital of France?", "Color of the sky?", "1+1?", "Opposite of up?"} {
		b, _ := json.Marshal(map[string]any{"question": q, "choices": []string{" four", " Paris", " blue", " down"}, "answer": len(lines) % 4})
		lines = append(lines, string(b))
	}
	os.WriteFile(docs, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "tiny_mc.yaml"), []byte(`task: tiny_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: `+docs+`
output_type: multiple_choice
test_split: test
doc_to_text: "Q: {{question}}\nA:"
doc_to_target: "{{answer}}"
doc_to_choice: "{{choices}}"
metric_list:
  - metric: acc
`), 0o644)

	m, err := model.Load("../../serve/testdata/tiny", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load("../../serve/testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.New(m, tok, &serve.Options{Name: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	var completions atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/completions" {
			completions.Add(1)
		}
		s.ServeHTTP(w, r)
	})}
	go hs.Serve(ln)
	defer func() { hs.Shutdown(context.Background()); s.Close() }()

	cachePath := filepath.Join(dir, "answers.db")
	args := []string{"eval", "--model", "openai:http://" + ln.Addr().String() + "/v1,model=tiny,tokenizer=../../serve/testdata/tiny",
		"--tasks", "tiny_mc", "--include-path", dir, "--cache", cachePath, "--concurrency", "4", "--json"}
	first, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	sent := completions.Load()
	if sent == 0 {
		t.Fatal("the first run sent no completions request")
	}
	second, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errOut)
	}
	if n := completions.Load() - sent; n != 0 {
		t.Fatalf("the cached rerun sent %d completions requests", n)
	}
	acc := func(out string) any {
		var r struct {
			Results map[string]map[string]any `json:"results"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("--json output: %v\n%s", err, out)
		}
		return r.Results["tiny_mc"]["acc,none"]
	}
	if a, b := acc(first), acc(second); a == nil || a != b {
		t.Fatalf("accuracy %v then %v", a, b)
	}
	stats, _, _ := runCLI(t, "cache", "stats", cachePath, "--json")
	if !strings.Contains(stats, `"model": "openai:tiny"`) || !strings.Contains(stats, `"entries": 20`) {
		t.Errorf("cache stats after 5 questions x 4 choices:\n%s", stats)
	}
}
