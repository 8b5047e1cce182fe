package serve

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/lm"
)

type chatTopLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

type chatTokenLogprob struct {
	chatTopLogprob
	TopLogprobs []chatTopLogprob `json:"top_logprobs"`
}

type chatLogprobs struct {
	Content []chatTokenLogprob `json:"content"`
}

func tokenBytes(s string) []int {
	b := make([]int, len(s))
	for i := range len(s) {
		b[i] = int(s[i])
	}
	return b
}

// chatChoice accumulates one chat choice.
type chatChoice struct {
	s         *Server
	text      strings.Builder
	lp        *chatLogprobs
	generated int
	finish    string
}

func (c *chatChoice) add(evs []event) {
	for _, e := range evs {
		if e.Finish != "" {
			c.finish = e.Finish
		}
		c.text.WriteString(e.Text)
		if e.NoToken || e.Prompt {
			continue
		}
		c.generated++
		if c.lp != nil && !math.IsNaN(e.Logprob) {
			t := chatTokenLogprob{chatTopLogprob: chatTopLogprob{Token: e.TokenText, Logprob: max(e.Logprob, -9999), Bytes: tokenBytes(e.TokenText)}, TopLogprobs: []chatTopLogprob{}}
			for _, alt := range e.Top {
				text := c.s.tok.Decode([]int{alt.ID}, false)
				t.TopLogprobs = append(t.TopLogprobs, chatTopLogprob{Token: text, Logprob: max(alt.Logprob, -9999), Bytes: tokenBytes(text)})
			}
			c.lp.Content = append(c.lp.Content, t)
		}
	}
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req chatRequest
	if aerr := decodeJSON(body, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if aerr := s.checkModel(req.Model); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.MaxCompletionTokens != nil {
		req.MaxTokens = req.MaxCompletionTokens
	}
	st, aerr := req.sampling.validate(s.opts.MaxN, 1)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	top := 0
	if req.TopLogprobs != nil {
		if !req.Logprobs || *req.TopLogprobs < 0 || *req.TopLogprobs > s.opts.MaxLogprobs {
			writeError(w, badRequest("top_logprobs", "top_logprobs must be between 0 and %d and needs logprobs true", s.opts.MaxLogprobs))
			return
		}
		top = *req.TopLogprobs
	}
	msgs, aerr := parseMessages(req.Messages)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if s.chat == nil {
		writeError(w, badRequest("messages", "model %s has no chat template (tokenizer_config.json has no chat_template); use /v1/completions", s.name))
		return
	}
	// The rendered chat holds every message, so their total alone may
	// already be too long; the template's own output is checked after.
	total := 0
	for _, m := range msgs {
		total += len(m.Content)
	}
	if aerr := s.checkPromptBytes("messages", total); aerr != nil {
		writeError(w, aerr)
		return
	}
	addGen := req.AddGenerationPrompt == nil || *req.AddGenerationPrompt
	promptText, err := s.chat.Render(msgs, addGen)
	if err != nil {
		if errors.Is(err, jinja.ErrChatTemplate) {
			writeError(w, badRequest("messages", "%v", err))
		} else {
			writeError(w, &apiError{Status: http.StatusInternalServerError, Message: err.Error()})
		}
		return
	}
	if aerr := s.checkPromptBytes("messages", len(promptText)); aerr != nil {
		writeError(w, aerr)
		return
	}
	ids := s.tok.Encode(promptText, false)
	if len(ids) == 0 {
		writeError(w, badRequest("messages", "the rendered chat prompt is empty"))
		return
	}
	maxNew := st.maxTokens
	if maxNew < 0 {
		maxNew = s.limit - len(ids)
	}
	if maxNew < 0 || len(ids)+maxNew > s.limit {
		writeError(w, s.contextError(len(ids), max(maxNew, 0)))
		return
	}
	ready := make(chan struct{}, 1)
	jobs := make([]*job, st.n)
	choices := make([]*chatChoice, st.n)
	for c := range st.n {
		j, aerr := s.newJob(r.Context(), ids, maxNew, st, c, ready)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		j.logprobs, j.top = req.Logprobs, top
		if j.logprobs {
			j.tokText = lm.NewDetokenizer(s.tok, false)
		}
		jobs[c] = j
		choices[c] = &chatChoice{s: s}
		if req.Logprobs {
			choices[c].lp = &chatLogprobs{Content: []chatTokenLogprob{}}
		}
	}
	if aerr := s.submit(jobs); aerr != nil {
		writeError(w, aerr)
		return
	}
	id, created := requestID("chatcmpl-"), time.Now().Unix()
	if st.stream {
		s.streamChat(w, r, st, len(ids), jobs, choices, ready, id, created)
		return
	}
	if err := collect(r.Context(), jobs, ready, func(k int, evs []event) { choices[k].add(evs) }); err != nil {
		writeError(w, &apiError{Status: http.StatusInternalServerError, Message: err.Error()})
		return
	}
	out := make([]map[string]any, st.n)
	completion := 0
	for k, c := range choices {
		var lp any
		if c.lp != nil {
			lp = c.lp
		}
		out[k] = map[string]any{"index": k, "message": map[string]any{"role": "assistant", "content": c.text.String()},
			"logprobs": lp, "finish_reason": c.finish}
		completion += c.generated
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": created, "model": s.name, "choices": out,
		"usage": usageInfo{PromptTokens: len(ids), CompletionTokens: completion, TotalTokens: len(ids) + completion},
	})
}

func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, st settings, promptToks int, jobs []*job, choices []*chatChoice, ready chan struct{}, id string, created int64) {
	out := newSSE(w)
	send := func(k int, delta map[string]any, lp *chatLogprobs, finish string) {
		ch := map[string]any{"index": k, "delta": delta, "finish_reason": nil}
		if lp != nil {
			ch["logprobs"] = lp
		}
		if finish != "" {
			ch["finish_reason"] = finish
		}
		out.send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": s.name, "choices": []any{ch}})
	}
	for k := range jobs {
		send(k, map[string]any{"role": "assistant", "content": ""}, nil, "")
	}
	err := collect(r.Context(), jobs, ready, func(k int, evs []event) {
		c := choices[k]
		c.add(evs)
		text := c.text.String()
		c.text.Reset()
		var lp *chatLogprobs
		if c.lp != nil && len(c.lp.Content) > 0 {
			lp = c.lp
			c.lp = &chatLogprobs{Content: []chatTokenLogprob{}}
		}
		if text == "" && lp == nil && c.finish == "" {
			return
		}
		delta := map[string]any{}
		if text != "" {
			delta["content"] = text
		}
		send(k, delta, lp, c.finish)
	})
	if err != nil {
		out.send((&apiError{Status: http.StatusInternalServerError, Message: err.Error()}).body())
		out.done()
		return
	}
	if st.usage {
		completion := 0
		for _, c := range choices {
			completion += c.generated
		}
		out.send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": s.name, "choices": []any{},
			"usage": usageInfo{PromptTokens: promptToks, CompletionTokens: completion, TotalTokens: promptToks + completion}})
	}
	out.done()
}
