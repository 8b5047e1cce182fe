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
			"--port", "0", "--flags", filepath.Join(tmp, "flags.jsonl")}, pw, &errb)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v (stderr %q)", err, errb.String())
	}
	// --port keeps --addr's loopback host.
	if !strings.Contains(line, "http://127.0.0.1:") {
		t.Fatalf("serve printed %q, want a loopback address", line)
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
		{"search", "serve", "--index", "a=" + idx, "--addr", "127.0.0.1"},
		{"search", "serve", "--index", "a=" + idx, "--port", "70000"},
		{"search", "serve", "--index", "a=" + idx, "--port", "-1"},
	} {
		if _, errOut, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code %d, stderr %q (want one error line)", args, code, errOut)
		}
	}
}

func TestListenAddr(t *testing.T) {
	for _, c := range []struct {
		addr    string
		port    int
		portSet bool
		want    string
	}{
		{"127.0.0.1:8080", 8080, false, "127.0.0.1:8080"},
		{"127.0.0.1:8080", 9000, true, "127.0.0.1:9000"},
		{"0.0.0.0", 9000, true, "0.0.0.0:9000"},
		{"::1", 9000, true, "[::1]:9000"},
		{"[::1]:80", 0, true, "[::1]:0"},
		{"localhost", 0, false, ""},
		{"127.0.0.1:1", 65536, true, ""},
	} {
		got, err := listenAddr(c.addr, c.port, c.portSet)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("listenAddr(%q, %d, %v) = %q, %v; want %q", c.addr, c.port, c.portSet, got, err, c.want)
		}
	}
}
