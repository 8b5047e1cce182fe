package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/jinja"
)

func post(t testing.TB, url, body string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("POST %s: status %d, body is not JSON: %s", url, resp.StatusCode, b)
	}
	return resp.StatusCode, m, resp.Header
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func TestBadRequests(t *testing.T) {
	_, url, _, _ := tinyServer(t, &Options{MaxRequestBytes: 4096})
	big := `{"prompt": "` + strings.Repeat("a", 5000) + `"}`
	tests := []struct {
		path, body string
		status     int
		want       string
	}{
		{"/completions", `{"prompt": "hi"`, 400, "not valid JSON"},
		{"/completions", `[1, 2]`, 400, "expected"},
		{"/completions", `{"prompt": "hi", "max_tokens": "ten"}`, 400, `field "max_tokens": expected an integer`},
		{"/completions", `{"max_tokens": 3}`, 400, "prompt is required"},
		{"/completions", `{"prompt": []}`, 400, "empty array"},
		{"/completions", `{"prompt": [1, "a"]}`, 400, "prompt[0] must be"},
		{"/completions", `{"prompt": [[]]}`, 400, "empty list of token ids"},
		{"/completions", `{"prompt": [5, 999]}`, 400, "token id 999 is outside the vocabulary (0 to 95)"},
		{"/completions", `{"prompt": {"a": 1}}`, 400, "prompt must be"},
		{"/completions", `{"prompt": "hi", "max_tokens": -1}`, 400, "max_tokens must be at least 0"},
		{"/completions", `{"prompt": "hi", "temperature": -0.5}`, 400, "temperature"},
		{"/completions", `{"prompt": "hi", "top_p": 0}`, 400, "top_p"},
		{"/completions", `{"prompt": "hi", "top_k": -5}`, 400, "top_k"},
		{"/completions", `{"prompt": "hi", "n": 0}`, 400, "n must be between 1 and 16"},
		{"/completions", `{"prompt": "hi", "logprobs": 50}`, 400, "logprobs must be between 0 and 20"},
		{"/completions", `{"prompt": "hi", "stop": 5}`, 400, "stop must be a string or an array"},
		{"/completions", `{"prompt": "hi", "suffix": "x"}`, 400, "suffix is not supported"},
		{"/completions", `{"prompt": "hi", "model": "gpt-4"}`, 404, `the model "gpt-4" does not exist`},
		{"/completions", `{"prompt": "hi", "max_tokens": 100}`, 400, "maximum context length is 64 tokens. However, you requested 102 tokens (2 in the prompt, 100 in the completion)"},
		{"/completions", big, 413, "larger than 4096 bytes"},
		{"/chat/completions", `{"messages": []}`, 400, "messages must be a non-empty array"},
		{"/chat/completions", `{"messages": [{"role": "robot", "content": "x"}]}`, 400, `role "robot"`},
		{"/chat/completions", `{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}`, 400, `type "image_url" is not supported`},
		{"/chat/completions", `{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3}`, 400, "needs logprobs true"},
		{"/nowhere", `{}`, 404, "no endpoint POST /nowhere"},
	}
	for _, tt := range tests {
		status, m, _ := post(t, strings.TrimSuffix(url, "/v1")+"/v1"+tt.path, tt.body)
		if tt.path == "/nowhere" {
			status, m, _ = post(t, strings.TrimSuffix(url, "/v1")+tt.path, tt.body)
		}
		if status != tt.status || !strings.Contains(errMessage(m), tt.want) {
			t.Errorf("POST %s %.60s: %d %q, want %d and a message containing %q", tt.path, tt.body, status, errMessage(m), tt.status, tt.want)
		}
	}
	resp, err := http.Get(url + "/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /v1/completions: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestCompletionEchoLogprobs(t *testing.T) {
	_, url, _, tok := tinyServer(t, nil)
	status, m, _ := post(t, url+"/completions", `{"prompt": "abc", "echo": true, "logprobs": 2, "max_tokens": 1, "temperature": 0}`)
	if status != 200 {
		t.Fatalf("%d %v", status, m)
	}
	ch := m["choices"].([]any)[0].(map[string]any)
	lp := ch["logprobs"].(map[string]any)
	tokens := lp["tokens"].([]any)
	tlp := lp["token_logprobs"].([]any)
	top := lp["top_logprobs"].([]any)
	off := lp["text_offset"].([]any)
	if len(tokens) != 4 || tokens[0] != "a" || tokens[1] != "b" || tokens[2] != "c" {
		t.Fatalf("tokens %v: want the prompt's a, b, c and one generated token", tokens)
	}
	if tlp[0] != nil || top[0] != nil {
		t.Errorf("first prompt token has log-prob %v, top %v; want null", tlp[0], top[0])
	}
	if off[0] != 0.0 || off[1] != 1.0 || off[2] != 2.0 || off[3] != 3.0 {
		t.Errorf("text_offset %v", off)
	}
	for i := 1; i < 4; i++ {
		v := tlp[i].(float64)
		tp := top[i].(map[string]any)
		if _, ok := tp[tokens[i].(string)]; !ok || len(tp) < 2 || len(tp) > 3 {
			t.Errorf("top_logprobs[%d] = %v: want the token and its 2 most likely alternatives", i, tp)
		}
		mx := -1e9
		for _, x := range tp {
			mx = max(mx, x.(float64))
		}
		if v > mx+1e-12 || v >= 0 {
			t.Errorf("token_logprobs[%d] = %v above the best alternative %v", i, v, mx)
		}
	}
	// The generated token is greedy: its log-prob is the maximum.
	gen := tlp[3].(float64)
	for _, x := range top[3].(map[string]any) {
		if x.(float64) > gen {
			t.Errorf("greedy token %q has %v but an alternative %v", tokens[3], gen, x)
		}
	}
	if text := ch["text"].(string); !strings.HasPrefix(text, "abc") || len(text) < 3 {
		t.Errorf("echoed text %q", text)
	}
	usage := m["usage"].(map[string]any)
	if usage["prompt_tokens"] != 3.0 || usage["completion_tokens"] != 1.0 {
		t.Errorf("usage %v", usage)
	}
	_ = tok

	// max_tokens 0: the prompt alone.
	status, m, _ = post(t, url+"/completions", `{"prompt": [40, 73, 0], "echo": true, "logprobs": 0, "max_tokens": 0}`)
	if status != 200 {
		t.Fatalf("%d %v", status, m)
	}
	ch = m["choices"].([]any)[0].(map[string]any)
	if ch["text"] != "Hi " || len(ch["logprobs"].(map[string]any)["tokens"].([]any)) != 3 || ch["finish_reason"] != "length" {
		t.Errorf("echo with max_tokens 0: %v", ch)
	}
}

func TestSamplingSeedAndN(t *testing.T) {
	_, url, _, _ := tinyServer(t, nil)
	body := `{"prompt": "Once", "max_tokens": 12, "temperature": 1.5, "seed": 7, "n": 3}`
	texts := func() []string {
		status, m, _ := post(t, url+"/completions", body)
		if status != 200 {
			t.Fatalf("%d %v", status, m)
		}
		var out []string
		for _, c := range m["choices"].([]any) {
			out = append(out, c.(map[string]any)["text"].(string))
		}
		return out
	}
	a, b := texts(), texts()
	if len(a) != 3 || strings.Join(a, "|") != strings.Join(b, "|") {
		t.Fatalf("same seed gave %q then %q", a, b)
	}
	if a[0] == a[1] && a[1] == a[2] {
		t.Errorf("three sampled choices are identical: %q", a)
	}
}

func TestStopStrings(t *testing.T) {
	_, url, _, _ := tinyServer(t, nil)
	status, m, _ := post(t, url+"/completions", `{"prompt": "Once", "max_tokens": 20, "temperature": 0}`)
	if status != 200 {
		t.Fatal(m)
	}
	full := m["choices"].([]any)[0].(map[string]any)["text"].(string)
	if len(full) < 6 {
		t.Skipf("greedy text %q too short to cut", full)
	}
	stop := full[3:5]
	want := full[:strings.Index(full, stop)]
	b, _ := json.Marshal(map[string]any{"prompt": "Once", "max_tokens": 20, "temperature": 0, "stop": []string{"zzzz", stop}})
	_, m, _ = post(t, url+"/completions", string(b))
	ch := m["choices"].([]any)[0].(map[string]any)
	if ch["text"] != want || ch["finish_reason"] != "stop" {
		t.Errorf("with stop %q: %q (%v), want %q (stop)", stop, ch["text"], ch["finish_reason"], want)
	}
	// Streamed, the same text arrives, never showing the stop string.
	b, _ = json.Marshal(map[string]any{"prompt": "Once", "max_tokens": 20, "temperature": 0, "stop": stop, "stream": true,
		"stream_options": map[string]any{"include_usage": true}})
	chunks := stream(t, url+"/completions", string(b))
	var got strings.Builder
	var finish any
	var usage map[string]any
	for _, c := range chunks {
		if u, ok := c["usage"].(map[string]any); ok {
			usage = u
		}
		for _, ch := range c["choices"].([]any) {
			got.WriteString(ch.(map[string]any)["text"].(string))
			if f := ch.(map[string]any)["finish_reason"]; f != nil {
				finish = f
			}
		}
	}
	if got.String() != want || finish != "stop" || usage == nil {
		t.Errorf("streamed %q finish %v usage %v; want %q, stop and usage", got.String(), finish, usage, want)
	}
}

// stream posts body and returns the JSON of every server-sent event before
// [DONE], failing if [DONE] never comes.
func stream(t testing.TB, url, body string) []map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("Content-Type %q: %s", ct, b)
	}
	var out []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if data == "[DONE]" {
			return out
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("bad chunk %q: %v", data, err)
		}
		out = append(out, m)
	}
	t.Fatal("stream ended without [DONE]")
	return nil
}

func TestChat(t *testing.T) {
	s, url, _, tok := tinyServer(t, nil)
	prompt, err := s.chat.Render([]jinja.ChatMessage{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if prompt != "[Be brief.]\nU:Hi\nA:" {
		t.Fatalf("rendered %q", prompt)
	}
	body := `{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}], "max_tokens": 6, "temperature": 0, "logprobs": true, "top_logprobs": 2}`
	status, m, _ := post(t, url+"/chat/completions", body)
	if status != 200 {
		t.Fatalf("%d %v", status, m)
	}
	ch := m["choices"].([]any)[0].(map[string]any)
	content := ch["message"].(map[string]any)["content"].(string)
	lp := ch["logprobs"].(map[string]any)["content"].([]any)
	if m["object"] != "chat.completion" || len(lp) == 0 || len(lp) > 6 {
		t.Fatalf("chat response %v", m)
	}
	var joined strings.Builder
	for _, e := range lp {
		joined.WriteString(e.(map[string]any)["token"].(string))
		if n := len(e.(map[string]any)["top_logprobs"].([]any)); n != 2 {
			t.Errorf("%d top_logprobs, want 2", n)
		}
	}
	if joined.String() != content {
		t.Errorf("log-prob tokens %q do not spell the content %q", joined.String(), content)
	}
	usage := m["usage"].(map[string]any)
	if int(usage["prompt_tokens"].(float64)) != len(tok.Encode(prompt, false)) {
		t.Errorf("usage %v", usage)
	}
	// Streamed: role first, then the same content.
	chunks := stream(t, url+"/chat/completions", strings.Replace(body, `"temperature": 0`, `"temperature": 0, "stream": true`, 1))
	var got strings.Builder
	for i, c := range chunks {
		delta := c["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
		if i == 0 && delta["role"] != "assistant" {
			t.Errorf("first delta %v", delta)
		}
		if s, ok := delta["content"].(string); ok {
			got.WriteString(s)
		}
	}
	if got.String() != content {
		t.Errorf("streamed %q, want %q", got.String(), content)
	}
}

func TestModelsHealthMetrics(t *testing.T) {
	s, url, _, _ := tinyServer(t, &Options{Name: "tiny-gpt2"})
	resp, err := http.Get(url + "/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Data) != 1 || list.Data[0].ID != "tiny-gpt2" || list.Data[0].MaxModelLen != 64 {
		t.Fatalf("models %+v", list)
	}
	post(t, url+"/completions", `{"prompt": "hello", "max_tokens": 3, "model": "tiny-gpt2"}`)
	post(t, url+"/completions", `{"prompt": 7}`)
	base := strings.TrimSuffix(url, "/v1")
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`fmkit_serve_requests_total{endpoint="/v1/completions",code="200"} 1`,
		`fmkit_serve_requests_total{endpoint="/v1/completions",code="400"} 1`,
		`fmkit_serve_prompt_tokens_total 5`,
		`fmkit_serve_generation_tokens_total 3`,
		`fmkit_serve_request_duration_seconds_bucket{endpoint="/v1/completions",le="+Inf"} 2`,
		"# TYPE fmkit_serve_queue_depth gauge",
		"fmkit_serve_batch_sequences_count",
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
	resp, _ = http.Get(base + "/health")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health %d", resp.StatusCode)
	}
	s.closing.Store(true)
	resp, _ = http.Get(base + "/health")
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("health while closing: %d", resp.StatusCode)
	}
	status, m, h := post(t, url+"/completions", `{"prompt": "hi"}`)
	if status != 503 || h.Get("Retry-After") == "" || !strings.Contains(errMessage(m), "shutting down") {
		t.Errorf("request while closing: %d %v", status, m)
	}
	s.closing.Store(false)
}

func TestGracefulShutdown(t *testing.T) {
	m, tok := loadTiny(t)
	s, err := New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, url := listenLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, 10*time.Second) }()
	type result struct {
		status int
		text   string
	}
	done := make(chan result, 1)
	go func() {
		status, m, _ := post(t, url+"/completions", `{"prompt": "a", "max_tokens": 40, "temperature": 0}`)
		text := ""
		if status == 200 {
			text = m["choices"].([]any)[0].(map[string]any)["text"].(string)
		}
		done <- result{status, text}
	}()
	for s.metrics.generatedTokens.get() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel() // shut down while the request runs
	r := <-done
	if r.status != 200 || len(r.text) == 0 {
		t.Fatalf("in-flight request during shutdown: %d %q", r.status, r.text)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/models"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}
