package serve

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIKey: with APIKey set, /v1 requests without the bearer key (or
// with another) get 401; with it they are answered; /health stays open.
func TestAPIKey(t *testing.T) {
	_, url, _, _ := tinyServer(t, &Options{APIKey: "sk-test"})
	for _, c := range []struct {
		method, path, auth string
		want               int
	}{
		{"GET", "/v1/models", "", 401},
		{"GET", "/v1/models", "Bearer wrong", 401},
		{"GET", "/v1/models", "sk-test", 401}, // not a bearer token
		{"GET", "/v1/models", "Bearer sk-test", 200},
		{"POST", "/v1/completions", "", 401},
		{"POST", "/v1/completions", "Bearer sk-test", 200},
		{"POST", "/v1/chat/completions", "Bearer nope", 401},
		{"GET", "/health", "", 200},
	} {
		req, _ := http.NewRequest(c.method, strings.TrimSuffix(url, "/v1")+c.path, strings.NewReader(`{"prompt": "hi", "max_tokens": 1}`))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s with %q: %d, want %d", c.method, c.path, c.auth, resp.StatusCode, c.want)
		}
	}
}

// TestMaxModelLenAndChatTemplate: MaxModelLen narrows the context the
// server admits and reports; ChatTemplate replaces the tokenizer's.
func TestMaxModelLenAndChatTemplate(t *testing.T) {
	_, url, _, _ := tinyServer(t, &Options{MaxModelLen: 16, ChatTemplate: "{% for m in messages %}[{{ m.content }}]{% endfor %}"})
	status, m, _ := post(t, url+"/completions", `{"prompt": "hi", "max_tokens": 20}`)
	if status != 400 || !strings.Contains(errMessage(m), "maximum context length is 16 tokens") {
		t.Errorf("past --max-model-len: %d %q", status, errMessage(m))
	}
	status, m, _ = post(t, url+"/chat/completions", `{"messages": [{"role": "user", "content": "ab"}], "max_tokens": 1}`)
	if status != 200 {
		t.Fatalf("chat with a replacement template: %d %v", status, m)
	}
	usage, _ := m["usage"].(map[string]any)
	// "[ab]" under the test tokenizer, whose vocabulary has one token per
	// character: 4 prompt tokens.
	if pt, _ := usage["prompt_tokens"].(float64); pt != 4 {
		t.Errorf("prompt_tokens %v, want the 4 of \"[ab]\"", usage["prompt_tokens"])
	}
	m2, tok := loadTiny(t)
	if _, err := New(m2, tok, &Options{MaxModelLen: 65}); err == nil || !strings.Contains(err.Error(), "MaxModelLen 65") {
		t.Errorf("MaxModelLen past the model: %v", err)
	}
}
