package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSearchServe(t *testing.T) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a", "contents": "The cat sat on the mat; mail cat@example.com", "text": "The cat sat on the mat."}`+"\n"), 0o644)
	idx, ng := filepath.Join(tmp, "idx"), filepath.Join(tmp, "ng")
	if _, errOut, code := run(t, "search", "index", "--input", corpus, "--index", idx, "--quiet"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := run(t, "search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", ng, "--quiet"); code != 0 {
		t.Fatal(errOut)
	}

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	var errb strings.Builder
	go func() {
		exit <- Main(ctx, []string{"search", "serve", "--index", "cats=" + idx, "--ngram", "counts=" + ng,
			"--addr", "127.0.0.1:0", "--flags", filepath.Join(tmp, "flags.jsonl")}, pw, &errb)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v (stderr %q)", err, errb.String())
	}
	base := strings.TrimSpace(line[strings.Index(line, "http://"):])
	go io.Copy(io.Discard, pr)

	get := func(path string) (int, string) {
		r, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, body := get("api/search?corpus=cats&q=cat"); code != 200 || !strings.Contains(body, `"text":"PI:EMAIL","pii":true`) {
		t.Errorf("search: %d %s", code, body)
	}
	code, body := get("api/count?corpus=counts&q=%20cat")
	var c struct{ Count int }
	if json.Unmarshal([]byte(body), &c); code != 200 || c.Count != 1 { // the ngram index reads "text"
		t.Errorf("count: %d %s", code, body)
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, "<title>fmkit search</title>") {
		t.Errorf("page: %d", code)
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}

	for _, args := range [][]string{
		{"search", "serve"},
		{"search", "serve", "--index", "cats"},
		{"search", "serve", "--index", "cats=" + filepath.Join(tmp, "nope")},
		{"search", "serve", "--index", "a=" + idx, "--index", "a=" + idx},
		{"search", "serve", "--index", "a=" + idx, "--rate", "NaN"},
		{"search", "serve", "--index", "a=" + idx, "--addr", "256.1.1.1:99999"},
	} {
		if _, errOut, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code %d, stderr %q (want one error line)", args, code, errOut)
		}
	}
}
