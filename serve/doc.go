// Package serve is an OpenAI-compatible HTTP server over the native engine
// (package model): any OpenAI client, lm-evaluation-harness's
// local-completions and fmkit's own lm/openai backend can use a model that
// fmkit runs.
//
// # Endpoints
//
//	GET  /v1/models             the one served model
//	POST /v1/completions        prompt (text, token ids, or lists of either),
//	                            echo, logprobs, max_tokens, temperature,
//	                            top_p, top_k, seed, n, stop, stream
//	POST /v1/chat/completions   messages rendered with the tokenizer's chat
//	                            template, logprobs/top_logprobs, stream
//	GET  /health                200 while serving, 503 while shutting down
//	GET  /metrics               Prometheus text: requests, tokens, latency
//	                            histograms, queue depth, batch sizes
//
// The response bodies follow vLLM's: with echo, a completion's logprobs
// start with the prompt's tokens (the first has null log-prob), text_offset
// is the running length of the decoded tokens, and top_logprobs holds the
// chosen token and the most likely alternatives.
//
// Both generation endpoints also take guidance_scale and negative_prompt:
// classifier-free guidance (lm/guided) with that γ, the unconditional branch
// the prompt's last token or the negative prompt. The branch is a second
// sequence in the same steps; the returned log-probabilities are those of
// the guided distribution the tokens are sampled from.
//
// # Continuous batching
//
// One scheduler goroutine owns the model. Every request becomes one
// sequence per choice, with its own key/value cache. Each step, the
// scheduler admits waiting sequences while the running ones fit
// Options.MaxSequences and Options.CacheBytes, then runs one forward pass
// over every running sequence: one token for each sequence that is
// decoding, and as much of each new prompt as Options.MaxBatchTokens leaves
// room for (long prompts are prefilled over several steps). Sequences join
// and leave between steps, so concurrent requests share forward passes
// instead of queueing behind each other.
//
// # Limits and errors
//
// Bodies over Options.MaxRequestBytes are refused with 413, bad JSON and
// bad parameters with a 400 whose message names the field, prompts longer
// than the model's context with a 400 that gives the numbers (as vLLM
// words it), and a full queue with 503. A client that disconnects cancels
// its sequences. Shutdown stops accepting requests and lets the running
// ones finish.
package serve
