package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCompletion serves a completion of 50 new tokens (most of the tiny
// checkpoint's whole context) through the handler, scheduler and text
// stream, without a network in between.
func BenchmarkCompletion(b *testing.B) {
	m, tok := loadTiny(b)
	s, err := New(m, tok, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const body = `{"prompt": "Once upon", "max_tokens": 50, "temperature": 0, "ignore_eos": true, "stop": ["~~~"]}`
	b.ResetTimer()
	for range b.N {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/completions", strings.NewReader(body)))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50), "ns/token")
}
