package openai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// toyServer is an OpenAI-compatible server over a toy model, for tests of
// the client's behaviour (retries, failover, batching); the formats
// themselves are checked against recorded bodies in TestContract.
//
// The toy model's tokens are bytes (id = byte+3), text prompts get a BOS
// token "<s>" (id 1) as vLLM adds one, and the log-prob of byte c after byte
// p is -(1 + (31p+c) mod 17)/8, so the top-1 alternative always has -1/8.
type toyServer struct {
	mu       sync.Mutex
	arrivals int
	// fault, when set, may take over a request by its arrival number
	// (from 1) before it is answered; it returns false to let it through.
	fault func(n int, w http.ResponseWriter, r *http.Request) bool
	// answered counts the 200 answers per prompt (its JSON).
	answered map[string]int
	delay    time.Duration
}

func newToyServer() *toyServer { return &toyServer{answered: map[string]int{}} }

func toyLogprob(prev, cur int) float64 { return -float64(1+(31*prev+cur)%17) / 8 }

func (s *toyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.arrivals++
	n := s.arrivals
	s.mu.Unlock()
	if s.fault != nil && s.fault(n, w, r) {
		return
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	switch r.URL.Path {
	case "/v1/models":
		io.WriteString(w, `{"object":"list","data":[{"id":"toy-model","object":"model","owned_by":"vllm"}]}`)
	case "/v1/completions":
		s.completions(w, r)
	case "/v1/chat/completions":
		s.chat(w, r)
	default:
		http.NotFound(w, r)
	}
}

func badRequest(w http.ResponseWriter, msg string) {
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"object": "error", "message": msg, "type": "BadRequestError", "code": 400})
}

// toyTokens turns a prompt (string or token ids) into token ids.
func toyTokens(p any) ([]int, bool) {
	switch v := p.(type) {
	case string:
		ids := []int{1}
		for _, b := range []byte(v) {
			ids = append(ids, int(b)+3)
		}
		return ids, true
	case []any:
		var ids []int
		for _, x := range v {
			f, ok := x.(float64)
			if !ok {
				return nil, false
			}
			ids = append(ids, int(f))
		}
		return ids, true
	}
	return nil, false
}

func toyText(id int) string {
	if id == 1 {
		return "<s>"
	}
	return string([]byte{byte(id - 3)})
}

// toyGenerate is the toy model's continuation: the prompt's last five
// bytes reversed, a newline, and the seed when sampling.
func toyGenerate(prompt string, sample bool, seed int64) string {
	tail := []byte(prompt[max(0, len(prompt)-5):])
	for i, j := 0, len(tail)-1; i < j; i, j = i+1, j-1 {
		tail[i], tail[j] = tail[j], tail[i]
	}
	out := string(tail) + "\nmore"
	if sample {
		out += fmt.Sprintf(" seed=%d", seed)
	}
	return out
}

func (s *toyServer) completions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prompt      any      `json:"prompt"`
		Echo        bool     `json:"echo"`
		Logprobs    *int     `json:"logprobs"`
		MaxTokens   int      `json:"max_tokens"`
		Temperature float64  `json:"temperature"`
		Seed        int64    `json:"seed"`
		Stop        []string `json:"stop"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		badRequest(w, err.Error())
		return
	}
	prompts := []any{req.Prompt}
	if list, ok := req.Prompt.([]any); ok && len(list) > 0 {
		if _, isNum := list[0].(float64); !isNum {
			prompts = list
		}
	}
	var choices []map[string]any
	for i, p := range prompts {
		key, _ := json.Marshal(p)
		s.mu.Lock()
		s.answered[string(key)]++
		s.mu.Unlock()
		if !req.Echo {
			text, ok := p.(string)
			if !ok {
				badRequest(w, "toy server generates from text prompts only")
				return
			}
			choices = append(choices, map[string]any{"index": i, "text": toyGenerate(text, req.Temperature > 0, req.Seed), "finish_reason": "length"})
			continue
		}
		ids, ok := toyTokens(p)
		if !ok {
			badRequest(w, "bad prompt")
			return
		}
		gen := 13 + 3 // the toy model always generates "\n"
		if req.MaxTokens == 1 {
			ids = append(ids, gen)
		}
		var tokens []string
		var lps []any
		var tops []any
		var offsets []int
		off := 0
		for k, id := range ids {
			t := toyText(id)
			tokens = append(tokens, t)
			offsets = append(offsets, off)
			off += len(t)
			if k == 0 {
				lps, tops = append(lps, nil), append(tops, nil)
				continue
			}
			lp := toyLogprob(ids[k-1], id)
			lps = append(lps, lp)
			top := map[string]float64{t: lp}
			if lp != -0.125 {
				top["alt"] = -0.125
			}
			tops = append(tops, top)
		}
		choices = append(choices, map[string]any{"index": i, "text": strings.Join(tokens, ""), "finish_reason": "length",
			"logprobs": map[string]any{"tokens": tokens, "token_logprobs": lps, "top_logprobs": tops, "text_offset": offsets}})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "text_completion", "model": "toy-model", "choices": choices,
		"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})
}

func (s *toyServer) chat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		Temperature float64 `json:"temperature"`
		Seed        int64   `json:"seed"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
		badRequest(w, "bad chat request")
		return
	}
	key, _ := json.Marshal(req.Messages)
	s.mu.Lock()
	s.answered[string(key)]++
	s.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"object": "chat.completion", "choices": []any{map[string]any{
		"index": 0, "message": map[string]any{"role": "assistant", "content": toyGenerate(req.Messages[0].Content, req.Temperature > 0, req.Seed)},
		"finish_reason": "stop"}}})
}

// expectedLoglikelihood is the toy model's answer for text-mode requests.
func expectedLoglikelihood(ctx, cont string) (float64, bool) {
	ids, _ := toyTokens(ctx + cont)
	sum, greedy := 0.0, true
	for k := len(ids) - len(cont); k < len(ids); k++ {
		lp := toyLogprob(ids[k-1], ids[k])
		sum += lp
		greedy = greedy && lp == -0.125
	}
	return sum, greedy
}

// drop closes the connection without an answer, after reading the request
// so that the close is a clean FIN.
func drop(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// stall holds the request until the client gives up, answering nothing.
func stall(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
	drop(w, r)
}
