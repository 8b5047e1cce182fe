package serve

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
)

// TestGuidance serves guided completions and chat and compares them with
// lm/guided on the same model, alone and while other requests, guided and
// not, share the scheduler's steps.
func TestGuidance(t *testing.T) {
	_, url, m, tok := tinyServer(t, nil)
	b, err := native.New(m, tok, &native.Options{AddSpecialTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fields string
		scale  float64
		opts   *guided.Options
		prompt string
	}{
		{`"guidance_scale": 1.5`, 1.5, nil, "Once upon a time"},
		{`"guidance_scale": 3, "negative_prompt": "The end."`, 3, &guided.Options{NegativePrompt: "The end."}, "Once upon a time"},
		{`"guidance_scale": 2`, 2, nil, "The cat"},
		{`"guidance_scale": 1`, 1, nil, "The cat"},
		{``, 1, nil, "Q: why?"},
	}
	want := make([]string, len(cases))
	for i, c := range cases {
		g, err := guided.New(b, c.scale, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := g.Generate(context.Background(), []string{c.prompt}, guided.GenerateOptions{MaxTokens: 12}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = texts[0]
	}
	complete := func(i int) string {
		c := cases[i]
		body := fmt.Sprintf(`{"prompt": %q, "max_tokens": 12, "temperature": 0`, c.prompt)
		if c.fields != "" {
			body += ", " + c.fields
		}
		status, resp, _ := post(t, url+"/completions", body+"}")
		if status != 200 {
			t.Errorf("case %d: %d %v", i, status, resp)
			return ""
		}
		return resp["choices"].([]any)[0].(map[string]any)["text"].(string)
	}
	for i := range cases {
		if got := complete(i); got != want[i] {
			t.Errorf("case %d (%s) alone: %q, lm/guided %q", i, cases[i].fields, got, want[i])
		}
	}
	if want[0] == want[4] && want[1] == want[4] {
		t.Error("guidance changed nothing; the test cannot tell guided from unguided")
	}
	var wg sync.WaitGroup
	got := make([]string, 3*len(cases))
	for k := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[k] = complete(k % len(cases))
		}()
	}
	wg.Wait()
	for k, g := range got {
		if i := k % len(cases); g != want[i] {
			t.Errorf("case %d together with others: %q, alone %q", i, g, want[i])
		}
	}

	// Chat: guidance applies to the rendered conversation.
	chat := func(fields string) string {
		status, resp, _ := post(t, url+"/chat/completions", `{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, "temperature": 0`+fields+`}`)
		if status != 200 {
			t.Fatalf("chat: %d %v", status, resp)
		}
		return resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	}
	if chat("") != chat(`, "guidance_scale": 1`) {
		t.Error("chat: guidance_scale 1 differs from no guidance")
	}
	chat(`, "guidance_scale": 3, "negative_prompt": "Bye"`)

	// Log-probabilities are the guided distribution's: at γ = 0 (the
	// unconditional branch alone) with the prompt's last token as the
	// branch, they are those of an unguided request for that token.
	lp := func(body string) float64 {
		status, resp, _ := post(t, url+"/completions", body)
		if status != 200 {
			t.Fatalf("%d %v", status, resp)
		}
		l := resp["choices"].([]any)[0].(map[string]any)["logprobs"].(map[string]any)["token_logprobs"].([]any)
		return l[0].(float64)
	}
	last := tok.Encode("The cat", true)
	guidedLP := lp(fmt.Sprintf(`{"prompt": %s, "max_tokens": 1, "temperature": 0, "logprobs": 1, "guidance_scale": 0}`, idsJSON(last)))
	plainLP := lp(fmt.Sprintf(`{"prompt": %s, "max_tokens": 1, "temperature": 0, "logprobs": 1}`, idsJSON(last[len(last)-1:])))
	if d := guidedLP - plainLP; d > 1e-4 || d < -1e-4 {
		t.Errorf("γ=0 log-prob %v, unconditional branch alone %v", guidedLP, plainLP)
	}
}

func idsJSON(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func TestGuidanceBadRequests(t *testing.T) {
	_, url, _, _ := tinyServer(t, nil)
	long := strings.Repeat("a", 60)
	for _, tt := range []struct {
		path, body, want string
	}{
		{"/completions", `{"prompt": "hi", "negative_prompt": "x"}`, "negative_prompt needs guidance_scale"},
		{"/completions", `{"prompt": "hi", "guidance_scale": "big"}`, `field "guidance_scale": expected a number`},
		{"/completions", `{"prompt": "hi", "guidance_scale": 1000}`, "guidance_scale must be between -100 and 100"},
		{"/completions", `{"prompt": "hi", "max_tokens": 10, "guidance_scale": 3, "negative_prompt": "` + long + `"}`, "exceeds the context length 64"},
		{"/chat/completions", `{"messages": [{"role": "user", "content": "hi"}], "negative_prompt": "x"}`, "negative_prompt needs guidance_scale"},
	} {
		status, resp, _ := post(t, url+tt.path, tt.body)
		if status != 400 || !strings.Contains(errMessage(resp), tt.want) {
			t.Errorf("%s %s: %d %q, want 400 containing %q", tt.path, tt.body, status, errMessage(resp), tt.want)
		}
	}
}
