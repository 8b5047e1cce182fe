package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeCommand starts fmkit serve on a free port, asks it for a
// completion, and stops it as Ctrl-C would.
func TestServeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"serve", "--model", "../../serve/testdata/tiny", "--port", "0", "--served-model-name", "tiny"}, io.Discard, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("serve printed nothing")
	}
	first := lines.Text()
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(first, "on http://")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	url := "http://" + strings.Fields(rest)[0]
	resp, err := http.Post(url+"/completions", "application/json", strings.NewReader(`{"model": "tiny", "prompt": "Hello", "max_tokens": 4, "temperature": 0}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Model   string `json:"model"`
		Choices []struct {
			Text string `json:"text"`
		} `json:"choices"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out.Model != "tiny" || len(out.Choices) != 1 {
		t.Fatalf("%d %+v", resp.StatusCode, out)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit code %d after Ctrl-C", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "--model is required"},
		{[]string{"serve", "--model", "../../serve/testdata/tiny", "--port", "70000"}, "--port 70000"},
		{[]string{"serve", "--model", "/nonexistent/model"}, "/nonexistent/model"},
		{[]string{"serve", "--model", "../../serve/testdata/tiny", "--kv-cache-gib", "0"}, "--kv-cache-gib 0"},
	} {
		_, errOut, code := runCLI(t, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want one line containing %q", tt.args, code, errOut, tt.want)
		}
	}
}
