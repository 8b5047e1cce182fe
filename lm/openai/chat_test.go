package openai

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
)

func TestChatMessagesReachTheServer(t *testing.T) {
	toy := newToyServer()
	srv := httptest.NewServer(toy)
	defer srv.Close()
	opts := fastOptions(srv.URL + "/v1")
	opts.Chat = true
	m, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []lm.Message{{Role: "system", Content: "Be brief"}, {Role: "user", Content: "2+2?"}}
	ctxText, err := m.ApplyChatTemplate(msgs, true)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.GenerateUntil(context.Background(), []lm.GenerateRequest{{Context: ctxText, MaxTokens: 5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != toyGenerate("Be brief", false, 0) {
		t.Errorf("generated %q", out[0])
	}
	want := `[{"role":"system","content":"Be brief"},{"role":"user","content":"2+2?"}]`
	if toy.answered[want] != 1 {
		t.Errorf("server got %v, want the two messages %s", toy.answered, want)
	}

	_, err = m.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: ctxText, Continuation: " 4"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "chat endpoints return no prompt log-probabilities") {
		t.Errorf("loglikelihood of chat messages: %v", err)
	}
	opts.Chat = false
	plain, _ := New(context.Background(), opts)
	if _, err := plain.ApplyChatTemplate(msgs, true); err == nil || !strings.Contains(err.Error(), "chat=true") {
		t.Errorf("ApplyChatTemplate without chat: %v", err)
	}
}
