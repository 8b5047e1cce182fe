package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/fmkit/fmkit/jinja"
)

// apiError is an error answered to the client, in the OpenAI format.
type apiError struct {
	Status  int
	Message string
	Param   string
}

func (e *apiError) Error() string { return e.Message }

func badRequest(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Param: param, Message: fmt.Sprintf(format, args...)}
}

func (e *apiError) body() any {
	typ := "invalid_request_error"
	switch {
	case e.Status == http.StatusServiceUnavailable || e.Status >= 500:
		typ = "server_error"
	case e.Status == http.StatusNotFound:
		typ = "not_found_error"
	}
	var param any
	if e.Param != "" {
		param = e.Param
	}
	return map[string]any{"error": map[string]any{"message": e.Message, "type": typ, "param": param, "code": nil}}
}

// sampling holds the request fields shared by completions and chat.
type sampling struct {
	MaxTokens   *int            `json:"max_tokens"`
	Temperature *float64        `json:"temperature"`
	TopP        *float64        `json:"top_p"`
	TopK        *int            `json:"top_k"`
	N           *int            `json:"n"`
	Seed        *int64          `json:"seed"`
	Stop        json.RawMessage `json:"stop"`
	Stream      bool            `json:"stream"`
	StreamOpts  *streamOptions  `json:"stream_options"`
	IgnoreEOS   bool            `json:"ignore_eos"`
	// GuidanceScale turns on classifier-free guidance (lm/guided) with
	// this γ; NegativePrompt conditions its unconditional branch, which is
	// otherwise the prompt's last token.
	GuidanceScale  *float64 `json:"guidance_scale"`
	NegativePrompt *string  `json:"negative_prompt"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type completionRequest struct {
	Model  string          `json:"model"`
	Prompt json.RawMessage `json:"prompt"`
	sampling
	Logprobs       *int   `json:"logprobs"`
	Echo           bool   `json:"echo"`
	PromptLogprobs *int   `json:"prompt_logprobs"`
	Suffix         string `json:"suffix"`
	BestOf         *int   `json:"best_of"`
}

type chatRequest struct {
	Model    string            `json:"model"`
	Messages []json.RawMessage `json:"messages"`
	sampling
	MaxCompletionTokens *int  `json:"max_completion_tokens"`
	Logprobs            bool  `json:"logprobs"`
	TopLogprobs         *int  `json:"top_logprobs"`
	AddGenerationPrompt *bool `json:"add_generation_prompt"`
}

// settings are validated sampling fields.
type settings struct {
	maxTokens   int // -1: not given
	temperature float64
	topP        float64
	topK        int
	n           int
	seed        *int64
	stop        []string
	stream      bool
	usage       bool // stream_options.include_usage
	ignoreEOS   bool
	// guidance is the classifier-free guidance scale; 1 is none.
	guidance float64
	negative *string
}

// decodeJSON reads a request body into v with the errors a client can act
// on: too large, not JSON, or a field of the wrong type.
func decodeJSON(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := strings.TrimPrefix(te.Field, "sampling.") // the embedded struct is not the client's business
			return badRequest(field, "field %q: expected %s, got JSON %s", field, jsonKind(te.Type.String()), te.Value)
		}
		return badRequest("", "request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return badRequest("", "request body has data after the JSON object")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "an integer"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "another type"
}

func (s *sampling) validate(maxN int, defaultTemp float64) (settings, *apiError) {
	st := settings{maxTokens: -1, temperature: defaultTemp, topP: 1, n: 1, seed: s.Seed, stream: s.Stream, ignoreEOS: s.IgnoreEOS, guidance: 1}
	if s.GuidanceScale != nil {
		g := *s.GuidanceScale
		if math.IsNaN(g) || g < -100 || g > 100 {
			return st, badRequest("guidance_scale", "guidance_scale must be between -100 and 100, got %v", g)
		}
		st.guidance = g
	}
	if s.NegativePrompt != nil {
		if s.GuidanceScale == nil {
			return st, badRequest("negative_prompt", "negative_prompt needs guidance_scale (the paper uses about 3 for steering)")
		}
		st.negative = s.NegativePrompt
	}
	if s.MaxTokens != nil {
		if *s.MaxTokens < 0 {
			return st, badRequest("max_tokens", "max_tokens must be at least 0, got %d", *s.MaxTokens)
		}
		st.maxTokens = *s.MaxTokens
	}
	if s.Temperature != nil {
		t := *s.Temperature
		if math.IsNaN(t) || t < 0 || t > 100 {
			return st, badRequest("temperature", "temperature must be between 0 and 100, got %v", t)
		}
		st.temperature = t
	}
	if s.TopP != nil {
		p := *s.TopP
		if !(p > 0 && p <= 1) {
			return st, badRequest("top_p", "top_p must be in (0, 1], got %v", p)
		}
		st.topP = p
	}
	if s.TopK != nil {
		k := *s.TopK
		if k < -1 {
			return st, badRequest("top_k", "top_k must be -1 (off) or at least 1, got %d", k)
		}
		st.topK = max(k, 0)
	}
	if s.N != nil {
		if *s.N < 1 || *s.N > maxN {
			return st, badRequest("n", "n must be between 1 and %d, got %d", maxN, *s.N)
		}
		st.n = *s.N
	}
	if s.StreamOpts != nil {
		st.usage = s.StreamOpts.IncludeUsage
	}
	stop, err := parseStop(s.Stop)
	if err != nil {
		return st, err
	}
	st.stop = stop
	return st, nil
}

func parseStop(raw json.RawMessage) ([]string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, badRequest("stop", "stop must be a string or an array of strings")
	}
	if len(many) > 64 {
		return nil, badRequest("stop", "stop has %d strings; at most 64", len(many))
	}
	var out []string
	for _, s := range many {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// prompt is one prompt of a completions request: text or token ids.
type prompt struct {
	text   string
	ids    []int
	isText bool
}

// parsePrompts reads the prompt field: a string, an array of strings, an
// array of token ids, or an array of arrays of token ids.
func parsePrompts(raw json.RawMessage, vocab int) ([]prompt, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("prompt", "prompt is required")
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []prompt{{text: one, isText: true}}, nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, badRequest("prompt", "prompt must be a string, an array of strings, an array of token ids or an array of arrays of token ids")
	}
	if len(list) == 0 {
		return nil, badRequest("prompt", "prompt is an empty array")
	}
	var ids []int
	if json.Unmarshal(raw, &ids) == nil {
		if err := checkIDs(ids, vocab, "prompt"); err != nil {
			return nil, err
		}
		return []prompt{{ids: ids}}, nil
	}
	var out []prompt
	for i, el := range list {
		var s string
		var ids []int
		switch {
		case json.Unmarshal(el, &s) == nil:
			out = append(out, prompt{text: s, isText: true})
		case json.Unmarshal(el, &ids) == nil:
			if err := checkIDs(ids, vocab, fmt.Sprintf("prompt[%d]", i)); err != nil {
				return nil, err
			}
			out = append(out, prompt{ids: ids})
		default:
			return nil, badRequest("prompt", "prompt[%d] must be a string or an array of token ids", i)
		}
	}
	return out, nil
}

func checkIDs(ids []int, vocab int, param string) *apiError {
	if len(ids) == 0 {
		return badRequest("prompt", "%s is an empty list of token ids", param)
	}
	for _, id := range ids {
		if id < 0 || id >= vocab {
			return badRequest("prompt", "%s: token id %d is outside the vocabulary (0 to %d)", param, id, vocab-1)
		}
	}
	return nil
}

// chatMessage is a message after its content parts are joined.
type chatMessage = jinja.ChatMessage

func parseMessages(raw []json.RawMessage) ([]chatMessage, *apiError) {
	if len(raw) == 0 {
		return nil, badRequest("messages", "messages must be a non-empty array")
	}
	out := make([]chatMessage, len(raw))
	for i, r := range raw {
		var m struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, badRequest("messages", "messages[%d] must be an object with role and content", i)
		}
		switch m.Role {
		case "system", "user", "assistant", "developer", "tool":
		default:
			return nil, badRequest("messages", "messages[%d].role %q: expected system, user, assistant, developer or tool", i, m.Role)
		}
		var text string
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		switch {
		case len(m.Content) == 0 || string(m.Content) == "null":
		case json.Unmarshal(m.Content, &text) == nil:
		case json.Unmarshal(m.Content, &parts) == nil:
			var b strings.Builder
			for k, p := range parts {
				if p.Type != "text" {
					return nil, badRequest("messages", "messages[%d].content[%d]: type %q is not supported; only text", i, k, p.Type)
				}
				b.WriteString(p.Text)
			}
			text = b.String()
		default:
			return nil, badRequest("messages", "messages[%d].content must be a string or an array of text parts", i)
		}
		out[i] = chatMessage{Role: m.Role, Content: text}
	}
	return out, nil
}
