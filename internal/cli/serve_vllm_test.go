package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeVLLMCommandLine starts fmkit serve the way vLLM is started: the
// model as a positional argument, --dtype bfloat16, --max-model-len,
// --api-key, --chat-template FILE and --tokenizer DIR.
func TestServeVLLMCommandLine(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "chat.jinja")
	writeFile(t, tmpl, "{% for m in messages %}{{ m.content }}{% endfor %}")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"serve", "../../serve/testdata/tiny", "--port", "0", "--dtype", "bfloat16", "--max-model-len", "32",
			"--api-key", "sk-local", "--chat-template", tmpl, "--tokenizer", "../../serve/testdata/tiny"}, io.Discard, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var first string
	for lines.Scan() {
		if first = lines.Text(); strings.Contains(first, "on http://") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(first, "on http://")
	if !ok {
		t.Fatalf("serve printed %q", first)
	}
	url := "http://" + strings.Fields(rest)[0]
	for _, c := range []struct {
		path, auth, body string
		want             int
	}{
		{"/completions", "", `{"prompt": "Hello", "max_tokens": 2}`, 401},
		{"/completions", "Bearer sk-local", `{"prompt": "Hello", "max_tokens": 2}`, 200},
		{"/completions", "Bearer sk-local", `{"prompt": "Hello", "max_tokens": 40}`, 400}, // past --max-model-len 32
		{"/chat/completions", "Bearer sk-local", `{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}`, 200},
	} {
		req, _ := http.NewRequest("POST", url+c.path, strings.NewReader(c.body))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("POST %s %s (auth %q): %d, want %d", c.path, c.body, c.auth, resp.StatusCode, c.want)
		}
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeVLLMFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "../../serve/testdata/tiny", "--model", "x"}, 2, "the model is given twice"},
		{[]string{"serve", "../../serve/testdata/tiny", "--dtype", "int4"}, 1, "or bfloat16, float16, float32, auto"},
		{[]string{"serve", "../../serve/testdata/tiny", "--max-model-len", "100000"}, 1, "--max-model-len 100000"},
		{[]string{"serve", "../../serve/testdata/tiny", "--chat-template", "/no/such.jinja"}, 1, "--chat-template"},
		{[]string{"serve", "../../serve/testdata/tiny", "--tokenizer", os.DevNull}, 1, "--tokenizer"},
	} {
		_, stderr, code := run(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want %d with %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
