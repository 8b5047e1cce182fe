package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fmkit/fmkit/lm"
)

// completionLogprobs is the legacy logprobs object of a completion choice.
type completionLogprobs struct {
	TextOffset    []int                `json:"text_offset"`
	TokenLogprobs []*float64           `json:"token_logprobs"`
	Tokens        []string             `json:"tokens"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
}

type promptLogprobEntry struct {
	Logprob      float64 `json:"logprob"`
	Rank         int     `json:"rank"`
	DecodedToken string  `json:"decoded_token"`
}

type completionChoice struct {
	Index          int                             `json:"index"`
	Text           string                          `json:"text"`
	Logprobs       *completionLogprobs             `json:"logprobs"`
	FinishReason   *string                         `json:"finish_reason"`
	PromptLogprobs []map[string]promptLogprobEntry `json:"prompt_logprobs,omitempty"`
}

type usageInfo struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// completionPlan is a validated completions request.
type completionPlan struct {
	prompts    []prompt
	ids        [][]int
	maxNew     []int
	st         settings
	logprobs   int // -1: none
	promptLP   int // -1: none (vLLM prompt_logprobs)
	echo       bool
	promptToks int
}

func (s *Server) planCompletion(body []byte) (*completionRequest, *completionPlan, *apiError) {
	var req completionRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, nil, err
	}
	if err := s.checkModel(req.Model); err != nil {
		return nil, nil, err
	}
	st, aerr := req.sampling.validate(s.opts.MaxN, 1)
	if aerr != nil {
		return nil, nil, aerr
	}
	if req.Suffix != "" {
		return nil, nil, badRequest("suffix", "suffix is not supported")
	}
	if req.BestOf != nil && *req.BestOf != st.n {
		return nil, nil, badRequest("best_of", "best_of other than n is not supported")
	}
	p := &completionPlan{st: st, logprobs: -1, promptLP: -1, echo: req.Echo}
	for _, f := range []struct {
		name string
		v    *int
		dst  *int
	}{{"logprobs", req.Logprobs, &p.logprobs}, {"prompt_logprobs", req.PromptLogprobs, &p.promptLP}} {
		if f.v == nil {
			continue
		}
		if *f.v < 0 || *f.v > s.opts.MaxLogprobs {
			return nil, nil, badRequest(f.name, "%s must be between 0 and %d, got %d", f.name, s.opts.MaxLogprobs, *f.v)
		}
		*f.dst = *f.v
	}
	if st.stream && st.n > 1 && req.Echo {
		return nil, nil, badRequest("echo", "echo with n > 1 is not supported when streaming")
	}
	prompts, aerr := parsePrompts(req.Prompt, s.vocab)
	if aerr != nil {
		return nil, nil, aerr
	}
	p.prompts = prompts
	for _, pr := range prompts {
		ids := pr.ids
		if pr.isText {
			if aerr := s.checkPromptBytes("prompt", len(pr.text)); aerr != nil {
				return nil, nil, aerr
			}
			ids = s.tok.Encode(pr.text, true)
			if len(ids) == 0 {
				return nil, nil, badRequest("prompt", "prompt is empty after tokenization")
			}
		}
		maxNew := st.maxTokens
		if maxNew < 0 {
			maxNew = s.opts.DefaultMaxTokens
		}
		if len(ids)+maxNew > s.limit {
			return nil, nil, s.contextError(len(ids), maxNew)
		}
		p.ids = append(p.ids, ids)
		p.maxNew = append(p.maxNew, maxNew)
		p.promptToks += len(ids)
	}
	return &req, p, nil
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	_, p, aerr := s.planCompletion(body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	ready := make(chan struct{}, 1)
	var jobs []*job
	for i, ids := range p.ids {
		for c := range p.st.n {
			j, aerr := s.newJob(r.Context(), ids, p.maxNew[i], p.st, c, ready)
			if aerr != nil {
				writeError(w, aerr)
				return
			}
			j.promptLogprobs = (p.echo && p.logprobs >= 0) || p.promptLP >= 0
			j.logprobs = p.logprobs >= 0
			j.top = max(p.logprobs, p.promptLP, 0)
			if j.logprobs {
				j.tokText = lm.NewDetokenizer(s.tok, false)
			}
			jobs = append(jobs, j)
		}
	}
	if aerr := s.submit(jobs); aerr != nil {
		writeError(w, aerr)
		return
	}
	id, created := requestID("cmpl-"), time.Now().Unix()
	if p.st.stream {
		s.streamCompletion(w, r, p, jobs, ready, id, created)
		return
	}
	choices := make([]*choiceBuilder, len(jobs))
	for k := range jobs {
		choices[k] = s.newChoiceBuilder(p, k/p.st.n)
	}
	err := collect(r.Context(), jobs, ready, func(k int, evs []event) { choices[k].add(evs) })
	if err != nil {
		writeError(w, &apiError{Status: http.StatusInternalServerError, Message: err.Error()})
		return
	}
	out := make([]completionChoice, len(jobs))
	completion := 0
	for k, c := range choices {
		out[k] = c.choice(k)
		completion += c.generated
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "text_completion", "created": created, "model": s.name, "choices": out,
		"usage": usageInfo{PromptTokens: p.promptToks, CompletionTokens: completion, TotalTokens: p.promptToks + completion},
	})
}

// choiceBuilder accumulates one choice's text and log-probs from its events.
type choiceBuilder struct {
	s         *Server
	p         *completionPlan
	prompt    int
	text      strings.Builder
	lp        *completionLogprobs
	promptLP  []map[string]promptLogprobEntry
	promptTok *lm.Detokenizer
	offset    int
	generated int
	finish    string
}

func (s *Server) newChoiceBuilder(p *completionPlan, promptIndex int) *choiceBuilder {
	c := &choiceBuilder{s: s, p: p, prompt: promptIndex, promptTok: lm.NewDetokenizer(s.tok, false)}
	if p.logprobs >= 0 {
		c.lp = &completionLogprobs{TextOffset: []int{}, TokenLogprobs: []*float64{}, Tokens: []string{}, TopLogprobs: []map[string]float64{}}
	}
	if p.echo {
		c.text.WriteString(c.promptText())
	}
	return c
}

func (c *choiceBuilder) promptText() string {
	pr := c.p.prompts[c.prompt]
	if pr.isText {
		return pr.text
	}
	return c.s.tok.Decode(pr.ids, true)
}

func (c *choiceBuilder) addLogprob(token string, lp float64, top []tokenProb, chosen int) {
	c.lp.Tokens = append(c.lp.Tokens, token)
	c.lp.TextOffset = append(c.lp.TextOffset, c.offset)
	c.offset += utf8.RuneCountInString(token)
	if math.IsNaN(lp) {
		c.lp.TokenLogprobs = append(c.lp.TokenLogprobs, nil)
		c.lp.TopLogprobs = append(c.lp.TopLogprobs, nil)
		return
	}
	v := max(lp, -9999)
	c.lp.TokenLogprobs = append(c.lp.TokenLogprobs, &v)
	m := map[string]float64{token: v}
	for _, t := range top {
		if t.ID == chosen {
			continue
		}
		m[c.s.tok.Decode([]int{t.ID}, false)] = max(t.Logprob, -9999)
	}
	c.lp.TopLogprobs = append(c.lp.TopLogprobs, m)
}

func (c *choiceBuilder) add(evs []event) {
	for _, e := range evs {
		if e.Finish != "" {
			c.finish = e.Finish
		}
		switch {
		case e.Prompt:
			tokText := c.promptTok.Add(e.Token)
			if c.p.promptLP >= 0 {
				c.addPromptLogprob(e, tokText)
			}
			if c.p.echo && c.lp != nil {
				c.addLogprob(tokText, e.Logprob, e.Top, e.Token)
			}
		case e.NoToken:
			c.text.WriteString(e.Text)
		default:
			c.text.WriteString(e.Text)
			c.generated++
			if c.lp != nil && !math.IsNaN(e.Logprob) {
				c.addLogprob(e.TokenText, e.Logprob, e.Top, e.Token)
			}
		}
	}
}

// drain returns the text and log-probs added since the last drain, for a
// streamed chunk.
func (c *choiceBuilder) drain() (string, *completionLogprobs) {
	text := c.text.String()
	c.text.Reset()
	lp := c.lp
	if lp != nil {
		c.lp = &completionLogprobs{TextOffset: []int{}, TokenLogprobs: []*float64{}, Tokens: []string{}, TopLogprobs: []map[string]float64{}}
	}
	return text, lp
}

func (c *choiceBuilder) addPromptLogprob(e event, text string) {
	if math.IsNaN(e.Logprob) {
		c.promptLP = append(c.promptLP, nil)
		return
	}
	m := map[string]promptLogprobEntry{strconv.Itoa(e.Token): {Logprob: max(e.Logprob, -9999), Rank: e.Rank, DecodedToken: text}}
	for rank, t := range e.Top {
		if t.ID == e.Token {
			continue
		}
		m[strconv.Itoa(t.ID)] = promptLogprobEntry{Logprob: max(t.Logprob, -9999), Rank: rank + 1, DecodedToken: c.s.tok.Decode([]int{t.ID}, false)}
	}
	c.promptLP = append(c.promptLP, m)
}

func (c *choiceBuilder) choice(index int) completionChoice {
	ch := completionChoice{Index: index, Text: c.text.String(), Logprobs: c.lp, PromptLogprobs: c.promptLP}
	if c.finish != "" {
		f := c.finish
		ch.FinishReason = &f
	}
	return ch
}

// sse writes server-sent events.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sse{w: w, f: f}
}

func (s *sse) send(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(s.w, "data: %s\n\n", b)
	if s.f != nil {
		s.f.Flush()
	}
}

func (s *sse) done() {
	fmt.Fprint(s.w, "data: [DONE]\n\n")
	if s.f != nil {
		s.f.Flush()
	}
}

func (s *Server) streamCompletion(w http.ResponseWriter, r *http.Request, p *completionPlan, jobs []*job, ready chan struct{}, id string, created int64) {
	out := newSSE(w)
	builders := make([]*choiceBuilder, len(jobs))
	for k := range jobs {
		builders[k] = s.newChoiceBuilder(p, k/p.st.n) // holds the echoed prompt, sent with the first chunk
	}
	err := collect(r.Context(), jobs, ready, func(k int, evs []event) {
		c := builders[k]
		c.add(evs)
		text, lp := c.drain()
		if text == "" && c.finish == "" && (lp == nil || len(lp.Tokens) == 0) {
			return
		}
		ch := completionChoice{Index: k, Text: text, Logprobs: lp}
		if c.finish != "" {
			f := c.finish
			ch.FinishReason = &f
		}
		out.send(map[string]any{"id": id, "object": "text_completion", "created": created, "model": s.name, "choices": []completionChoice{ch}})
	})
	if err != nil {
		out.send((&apiError{Status: http.StatusInternalServerError, Message: err.Error()}).body())
		out.done()
		return
	}
	if p.st.usage {
		completion := 0
		for _, c := range builders {
			completion += c.generated
		}
		out.send(map[string]any{"id": id, "object": "text_completion", "created": created, "model": s.name, "choices": []any{},
			"usage": usageInfo{PromptTokens: p.promptToks, CompletionTokens: completion, TotalTokens: p.promptToks + completion}})
	}
	out.done()
}
