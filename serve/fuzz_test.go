package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
)

// FuzzRequests sends arbitrary bodies to both generation endpoints through
// the whole handler, model included: every answer must be a 2xx or a 4xx,
// never a 500 (the handler turns panics into 500s) or a hang.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{
		`{"prompt": "hi", "max_tokens": 3}`,
		`{"prompt": [1, 2, 3], "echo": true, "logprobs": 2, "max_tokens": 0}`,
		`{"prompt": [[1], [2, 3]], "n": 2, "temperature": 0.5, "seed": 1, "stop": ["a", ""]}`,
		`{"prompt": ["x", "yz"], "prompt_logprobs": 1, "max_tokens": 1, "stream": true}`,
		`{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "logprobs": true, "top_logprobs": 1}`,
		`{"messages": [{"role": "system", "content": [{"type": "text", "text": "s"}]}], "stream": true, "max_tokens": 1}`,
		`{"prompt": "\u00e9\u0000", "top_k": 3, "top_p": 0.5}`,
		`{"prompt": "a", "max_tokens": 1e99}`,
		`{}`, `null`, `[`, `"x"`,
	} {
		f.Add(seed)
	}
	m, tok := loadTiny(f)
	s, err := New(m, tok, &Options{MaxRequestBytes: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/completions", "/v1/chat/completions"} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, strings.NewReader(body))
			rec := httptest.NewRecorder()
			// The tiny model's context is 64 tokens: whatever the body, a
			// request costs a bounded amount of memory.
			if n := memtest.AllocatedBytes(func() { s.ServeHTTP(rec, req) }); n > uint64(64*len(body)+32<<20) {
				t.Fatalf("POST %s with a %d-byte body allocated %d bytes", path, len(body), n)
			}
			hung := ctx.Err() != nil
			cancel()
			if hung {
				t.Fatalf("POST %s %q: no answer within 20s", path, body)
			}
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body.String())
			}
		}
	})
}
