package openai

// The JSON of the OpenAI completions and chat completions APIs, as far as
// this package sends and reads it, with vLLM's prompt_logprobs.

type completionRequest struct {
	Model          string   `json:"model"`
	Prompt         any      `json:"prompt"` // string, []string, []int or [][]int
	MaxTokens      int      `json:"max_tokens"`
	Temperature    float64  `json:"temperature"`
	TopP           *float64 `json:"top_p,omitempty"`
	TopK           *int     `json:"top_k,omitempty"` // vLLM, llama.cpp
	Logprobs       *int     `json:"logprobs,omitempty"`
	Echo           bool     `json:"echo,omitempty"`
	PromptLogprobs *int     `json:"prompt_logprobs,omitempty"` // vLLM
	Stop           []string `json:"stop,omitempty"`
	Seed           *int64   `json:"seed,omitempty"`
}

type chatMessage struct {
	Role    string  `json:"role"`
	Content *string `json:"content"`
}

type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
	// AddGenerationPrompt and ContinueFinalMessage are vLLM's, sent only
	// to continue a final assistant message (a gen_prefix).
	AddGenerationPrompt  *bool    `json:"add_generation_prompt,omitempty"`
	ContinueFinalMessage bool     `json:"continue_final_message,omitempty"`
	MaxTokens            int      `json:"max_tokens"`
	Temperature          float64  `json:"temperature"`
	TopP                 *float64 `json:"top_p,omitempty"`
	TopK                 *int     `json:"top_k,omitempty"`
	Stop                 []string `json:"stop,omitempty"`
	Seed                 *int64   `json:"seed,omitempty"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type completionResponse struct {
	Choices []completionChoice `json:"choices"`
	Usage   *usage             `json:"usage"`
}

type completionChoice struct {
	Index int `json:"index"`
	// Text is decoded only for generation: with echo it is the whole prompt.
	Text     rawString        `json:"text"`
	Logprobs *completionProbs `json:"logprobs"`
	// PromptLogprobs is vLLM's: one entry per prompt token, the first null;
	// each maps token ids to their log-probability and rank.
	PromptLogprobs rawArray `json:"prompt_logprobs"`
	FinishReason   string   `json:"finish_reason"`
}

// completionProbs is the legacy completions logprobs object. llama.cpp's
// server sends the chat-style content array instead, which is kept only to
// tell what happened.
type completionProbs struct {
	Tokens        rawArray `json:"tokens"`
	TokenLogprobs rawArray `json:"token_logprobs"`
	TopLogprobs   rawArray `json:"top_logprobs"`
	Content       rawArray `json:"content"`
}

type promptLogprob struct {
	Logprob      float64 `json:"logprob"`
	Rank         int     `json:"rank"`
	DecodedToken string  `json:"decoded_token"`
}

type chatResponse struct {
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Content *string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

type modelList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
}
