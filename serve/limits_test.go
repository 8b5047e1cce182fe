package serve

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tokenizer"
)

// TestPromptLimits is issue 24's table for prompts: text that cannot fit
// the context is refused by its byte length before it is tokenized, with
// memory bounded by the body, not by the tokenizer.
func TestPromptLimits(t *testing.T) {
	s, url, _, tok := tinyServer(t, nil)
	limit := int(s.opts.MaxPromptBytes)
	if want := 64 * tok.MaxTokenBytes(); limit != want {
		t.Fatalf("default MaxPromptBytes %d, want 64 tokens × %d bytes", limit, tok.MaxTokenBytes())
	}
	long := strings.Repeat("a", 4<<20)
	cases := []struct {
		name, path, body, want string
		status                 int
		maxBytes               uint64
	}{
		{"4 MB completion prompt", "/completions", `{"prompt": "` + long + `"}`,
			"prompt is 4194304 bytes, more than this server's limit", 400, 48 << 20},
		{"one byte over", "/completions", `{"prompt": "` + strings.Repeat("b", limit+1) + `"}`,
			"more than this server's limit", 400, 1 << 20},
		{"long chat", "/chat/completions", `{"messages": [{"role": "user", "content": "` + long + `"}]}`,
			"messages is 4194304 bytes", 400, 48 << 20},
		{"long negative prompt", "/completions", `{"prompt": "hi", "guidance_scale": 2, "negative_prompt": "` + long + `"}`,
			"negative_prompt is 4194304 bytes", 400, 48 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var status int
			var m map[string]any
			n := memtest.AllocatedBytes(func() { status, m, _ = post(t, url+c.path, c.body) })
			if status != c.status || !strings.Contains(errMessage(m), c.want) {
				t.Errorf("status %d, %q; want %d with %q", status, errMessage(m), c.status, c.want)
			}
			if n > c.maxBytes {
				t.Errorf("allocated %d bytes for a %d-byte body (limit %d)", n, len(c.body), c.maxBytes)
			}
		})
	}
	// A prompt within the limit is still tokenized and gets vLLM's
	// context-length message when it is too many tokens.
	status, m, _ := post(t, url+"/completions", `{"prompt": "`+strings.Repeat("ab ", limit/3)+`"}`)
	if status != 400 || !strings.Contains(errMessage(m), "maximum context length is 64 tokens") {
		t.Errorf("prompt under the byte limit: %d %q", status, errMessage(m))
	}
}

// TestSlowBodyTimesOut is the client that sends its body a byte a second:
// the server answers 408 after BodyTimeout instead of holding the
// connection.
func TestSlowBodyTimesOut(t *testing.T) {
	_, url, _, _ := tinyServer(t, &Options{BodyTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(url, "/v1"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	go func() {
		for range 20 {
			time.Sleep(100 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(conn)
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 408")) || !bytes.Contains(b, []byte("request body not received within 300ms")) {
		t.Errorf("got %q, want 408", b)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("connection held for %v", d)
	}
}

// TestClientDisconnectIsNotAServerError checks the metrics: a client that
// goes away mid-request is counted with code 499, not 500. The request's
// context is cancelled before the handler runs, as net/http cancels it
// when the connection closes.
func TestClientDisconnectIsNotAServerError(t *testing.T) {
	s, _, _, _ := tinyServer(t, nil)
	for _, body := range []string{`{"prompt": "hello", "max_tokens": 40}`, `{"prompt": "hello", "max_tokens": 40, "stream": true}`} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest("POST", "/v1/completions", strings.NewReader(body)).WithContext(ctx)
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	rec := httptest.NewRecorder()
	s.metrics.write(rec)
	text := rec.Body.String()
	if !strings.Contains(text, `endpoint="/v1/completions",code="499"} 2`) || strings.Contains(text, `code="500"`) {
		t.Errorf("metrics after two disconnects:\n%s", text)
	}
}

// TestTinyTemperatureIsGreedy is issue 24's temperature 1e-320: it gave
// empty text with finish_reason "stop"; it now decodes greedily.
func TestTinyTemperatureIsGreedy(t *testing.T) {
	_, url, _, _ := tinyServer(t, nil)
	_, greedy, _ := post(t, url+"/completions", `{"prompt": "hello", "max_tokens": 8, "temperature": 0}`)
	status, tiny, _ := post(t, url+"/completions", `{"prompt": "hello", "max_tokens": 8, "temperature": 1e-320}`)
	text := func(m map[string]any) string {
		ch, _ := m["choices"].([]any)
		if len(ch) == 0 {
			return ""
		}
		s, _ := ch[0].(map[string]any)["text"].(string)
		return s
	}
	if status != 200 || text(tiny) == "" || text(tiny) != text(greedy) {
		t.Errorf("temperature 1e-320: %d %q, greedy %q", status, text(tiny), text(greedy))
	}
}

// TestTruncatedWeightsKeepServerUp truncates the weights under a running
// server: /health turns 503, requests fail with a message, and the server
// keeps answering.
func TestTruncatedWeightsKeepServerUp(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata/tiny", f))
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	m, err := model.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, _ := tokenizer.Load(dir)
	s, err := New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer s.Close()
	if status, _, _ := post(t, hs.URL+"/v1/completions", `{"prompt": "hello", "max_tokens": 2}`); status != 200 {
		t.Fatalf("before truncation: %d", status)
	}
	os.Truncate(filepath.Join(dir, "model.safetensors"), 64)
	resp, err := http.Get(hs.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("health after truncation: %d", resp.StatusCode)
	}
	for range 2 {
		status, body, _ := post(t, hs.URL+"/v1/completions", `{"prompt": "hello", "max_tokens": 2}`)
		if status != 503 || !strings.Contains(errMessage(body), "file changed on disk") {
			t.Errorf("request after truncation: %d %q", status, errMessage(body))
		}
	}
}
