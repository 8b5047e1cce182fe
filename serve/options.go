package serve

import (
	"errors"
	"fmt"
	"time"
)

// Options configure a Server. Zero fields take the defaults documented on
// each field; a nil *Options means all defaults.
type Options struct {
	// Name is the model id clients send and /v1/models lists. The default
	// is the base name of the model's directory.
	Name string
	// MaxSequences caps the sequences in one forward step. The default is
	// 64.
	MaxSequences int
	// MaxBatchTokens caps the tokens of one forward step: one per decoding
	// sequence plus the prompt tokens being prefilled. The default is 2048.
	MaxBatchTokens int
	// CacheBytes caps the key/value cache of the running sequences
	// together; a waiting sequence is admitted when its cache fits. The
	// default is 4 GiB. One sequence is always admitted, whatever its size.
	CacheBytes int64
	// MaxQueue is how many sequences may wait before new requests get 503.
	// The default is 4096.
	MaxQueue int
	// MaxRequestBytes limits a request body. The default is 16 MiB.
	MaxRequestBytes int64
	// MaxPromptBytes limits a text prompt (each prompt of a completion,
	// the rendered chat, a negative prompt) before it is tokenized, so that
	// tokenizer work and memory are bounded by the context rather than by
	// the body size (a 16 MB prompt took 650 MB to tokenize, only to be
	// refused). The default is the context length times the tokenizer's
	// longest token in bytes (tokenizer.MaxTokenBytes; 256 for GPT-2), past
	// which no prompt fits, unless the tokenizer's normalizer deletes
	// characters.
	MaxPromptBytes int64
	// BodyTimeout bounds the time to read a request body, so that a client
	// sending it a byte at a time cannot hold a connection open (headers
	// have their own 30-second limit). The default is 30 seconds.
	BodyTimeout time.Duration
	// MaxLogprobs caps logprobs and top_logprobs. The default is 20.
	MaxLogprobs int
	// MaxN caps n, the choices per prompt. The default is 16.
	MaxN int
	// DefaultMaxTokens is max_tokens of a completion that sets none. The
	// default is 16, as the OpenAI API and vLLM use. Chat completions
	// default to the room left in the context.
	DefaultMaxTokens int
	// MaxModelLen caps the context (prompt plus completion, in tokens)
	// below the model's position limit, as vLLM's --max-model-len. The
	// default, 0, is the model's limit; a larger value is an error.
	MaxModelLen int
	// APIKey, when set, is required of every /v1 request as
	// "Authorization: Bearer KEY" (vLLM's --api-key); others get 401.
	// /health and /metrics stay open.
	APIKey string
	// ChatTemplate replaces the tokenizer's chat template (Jinja source,
	// vLLM's --chat-template). The default is the tokenizer's own.
	ChatTemplate string
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&r.MaxSequences, 64)
	def(&r.MaxBatchTokens, 2048)
	def(&r.MaxQueue, 4096)
	def(&r.MaxLogprobs, 20)
	def(&r.MaxN, 16)
	def(&r.DefaultMaxTokens, 16)
	if r.CacheBytes <= 0 {
		r.CacheBytes = 4 << 30
	}
	if r.MaxRequestBytes <= 0 {
		r.MaxRequestBytes = 16 << 20
	}
	if r.BodyTimeout <= 0 {
		r.BodyTimeout = 30 * time.Second
	}
	return r
}

// Validate reports every negative field at once.
func (o *Options) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxSequences", int64(o.MaxSequences)}, {"MaxBatchTokens", int64(o.MaxBatchTokens)},
		{"CacheBytes", o.CacheBytes}, {"MaxQueue", int64(o.MaxQueue)}, {"MaxRequestBytes", o.MaxRequestBytes},
		{"MaxLogprobs", int64(o.MaxLogprobs)}, {"MaxN", int64(o.MaxN)}, {"DefaultMaxTokens", int64(o.DefaultMaxTokens)},
		{"MaxPromptBytes", o.MaxPromptBytes}, {"BodyTimeout", int64(o.BodyTimeout)}, {"MaxModelLen", int64(o.MaxModelLen)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s (%d) must be >= 0", f.name, f.v))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("serve: invalid options: %w", errors.Join(errs...))
	}
	return nil
}
