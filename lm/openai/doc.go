// Package openai is an lm.Model backend for servers that speak the OpenAI
// completions API: vLLM, Text Generation Inference, llama.cpp's server and
// fmkit's own serve package.
//
// # Requests
//
// Loglikelihood is computed as lm-evaluation-harness's local-completions
// model computes it: a POST to /v1/completions with echo, logprobs 1,
// max_tokens 1 (or 0) and temperature 0, summing the echoed log-probabilities
// of the continuation's tokens; with Options.PromptLogprobs it uses vLLM's
// prompt_logprobs field instead. Context and continuation are told apart by
// tokenizing locally when Options.Tokenize is set (the prompt is then sent as
// token ids, as lm-evaluation-harness does), or otherwise by the text_offset
// of each echoed token. A server that echoes no prompt log-probabilities
// (llama.cpp's server answers echo with the generated token's only, which
// makes an evaluation score at chance without any error) is detected and
// the run stops with an error that says so.
//
// GenerateUntil uses /v1/completions, or /v1/chat/completions with
// Options.Chat, and cuts the output at the first stop string. With Chat,
// the Model is an lm.ChatTemplater whose "rendering" packs the messages so
// that they reach the server as messages and the server applies its own
// chat template, as lm-evaluation-harness's local-chat-completions does.
//
// # Throughput and failures
//
// Up to Options.Concurrency HTTP requests are in flight at once, each
// carrying up to Options.BatchSize prompts. Requests go round-robin over the
// base URLs; a URL that refuses connections or answers 5xx is skipped for a
// while and its requests go to the others. 429, 5xx, dropped connections and
// requests that pass Options.Timeout are retried with exponential backoff and
// jitter, honouring Retry-After. Optional limits cap requests per second and
// tokens per minute. Each answer is handed over once, as soon as it is known
// (the Model implements lm.Streamer), so lm/cache keeps finished work when a
// run is interrupted.
package openai
