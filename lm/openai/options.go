package openai

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options configure a Model. Zero fields take the defaults documented on
// each field.
type Options struct {
	// BaseURLs are the servers' API roots, such as http://gpu1:8000/v1;
	// requests go round-robin over them. At least one is required.
	BaseURLs []string
	// Model is the served model name sent with every request. If empty, the
	// first model that GET /models lists is used.
	Model string
	// APIKey is sent as a bearer token when not empty.
	APIKey string

	// Concurrency is how many HTTP requests are in flight at once. The
	// default is 32.
	Concurrency int
	// BatchSize is how many prompts one completions request carries (the
	// prompt field as a list, which vLLM and the OpenAI API accept). Chat
	// requests always carry one. The default is 1.
	BatchSize int
	// MaxRetries is how many times a failed request is retried. The default
	// is 8; -1 means never retry.
	MaxRetries int
	// Timeout bounds each attempt of each request. The default is 5 minutes,
	// as lm-evaluation-harness uses.
	Timeout time.Duration
	// BackoffBase and BackoffMax bound the exponential backoff between
	// retries: attempt k waits a random time between half and all of
	// min(BackoffMax, BackoffBase·2^k). The defaults are 250ms and 30s.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// RequestsPerSecond and TokensPerMinute limit the load sent to the
	// servers together; zero means no limit. Tokens are counted as the
	// server reports them in usage, estimated before sending.
	RequestsPerSecond float64
	TokensPerMinute   float64

	// Chat sends generation requests to /v1/chat/completions with the
	// context as one user message. Loglikelihood always uses
	// /v1/completions, since chat endpoints return no prompt log-probs.
	Chat bool
	// PromptLogprobs computes loglikelihoods from vLLM's prompt_logprobs
	// field instead of echo.
	PromptLogprobs bool
	// EchoMaxTokens is max_tokens of an echo loglikelihood request: 1, as
	// lm-evaluation-harness sends, or 0 for servers that accept it. The
	// default is 1; set -1 for 0.
	EchoMaxTokens int

	// Tokenize turns text into the served model's token ids without adding
	// special tokens. When set, loglikelihood prompts are sent as token ids
	// and the context/continuation split is the local tokenizer's, exactly
	// as lm-evaluation-harness computes it; rolling loglikelihood of long
	// texts is then split into windows of MaxLength tokens.
	Tokenize func(text string) ([]int, error)
	// PrefixToken is the token put before an empty context and before the
	// first rolling window when Tokenize is set: the model's BOS token, or
	// its EOS token if it has none. It is required with Tokenize.
	PrefixToken *int
	// MaxLength is the model's context length in tokens; longer inputs are
	// cut from the left as lm-evaluation-harness does. The default is 2048.
	MaxLength int
	// MaxGenTokens is max_tokens for a generation request that sets none.
	// The default is 256.
	MaxGenTokens int
	// Seed is sent with deterministic requests. The default is 1234, as
	// lm-evaluation-harness sends.
	Seed *int64

	// Client sends the requests. The default is a client whose transport
	// keeps Concurrency idle connections per host: with Go's default of two,
	// a highly concurrent run opens and closes connections constantly and
	// can exhaust the ports of the machine.
	Client *http.Client
}

func (o *Options) withDefaults() Options {
	r := *o
	if r.Concurrency <= 0 {
		r.Concurrency = 32
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 1
	}
	switch {
	case r.MaxRetries == 0:
		r.MaxRetries = 8
	case r.MaxRetries < 0:
		r.MaxRetries = 0
	}
	if r.Timeout <= 0 {
		r.Timeout = 5 * time.Minute
	}
	if r.BackoffBase <= 0 {
		r.BackoffBase = 250 * time.Millisecond
	}
	if r.BackoffMax <= 0 {
		r.BackoffMax = 30 * time.Second
	}
	switch {
	case r.EchoMaxTokens == 0:
		r.EchoMaxTokens = 1
	case r.EchoMaxTokens < 0:
		r.EchoMaxTokens = 0
	}
	if r.MaxLength <= 0 {
		r.MaxLength = 2048
	}
	if r.MaxGenTokens <= 0 {
		r.MaxGenTokens = 256
	}
	if r.Seed == nil {
		seed := int64(1234)
		r.Seed = &seed
	}
	if r.Client == nil {
		r.Client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConns:        r.Concurrency * len(r.BaseURLs),
			MaxIdleConnsPerHost: r.Concurrency,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}}
	}
	r.BaseURLs = append([]string(nil), r.BaseURLs...)
	for i, u := range r.BaseURLs {
		r.BaseURLs[i] = strings.TrimRight(u, "/")
	}
	return r
}

// Validate reports every invalid field at once.
func (o *Options) Validate() error {
	var errs []error
	if len(o.BaseURLs) == 0 {
		errs = append(errs, errors.New("no base URL"))
	}
	for _, u := range o.BaseURLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("base URL %q: want http://host[:port]/path", u))
		}
	}
	if o.EchoMaxTokens > 1 {
		errs = append(errs, fmt.Errorf("EchoMaxTokens (%d) must be 0, 1 or -1", o.EchoMaxTokens))
	}
	if o.Tokenize != nil && o.PrefixToken == nil {
		errs = append(errs, errors.New("PrefixToken must be set with Tokenize"))
	}
	if o.RequestsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("RequestsPerSecond (%g) must be >= 0", o.RequestsPerSecond))
	}
	if o.TokensPerMinute < 0 {
		errs = append(errs, fmt.Errorf("TokensPerMinute (%g) must be >= 0", o.TokensPerMinute))
	}
	if o.MaxLength < 0 || (o.MaxLength > 0 && o.MaxLength < 2) {
		errs = append(errs, fmt.Errorf("MaxLength (%d) must be at least 2", o.MaxLength))
	}
	if len(errs) > 0 {
		return fmt.Errorf("openai: invalid options: %w", errors.Join(errs...))
	}
	return nil
}

// Spec is the part of a model spec "openai:..." that is not a plain
// Options field: what the caller must resolve (a tokenizer to load).
type Spec struct {
	Options
	// Tokenizer is the tokenizer= setting: a directory or tokenizer.json
	// that the caller loads into Options.Tokenize and PrefixToken.
	Tokenizer string
}

// ParseSpec parses a model spec of the form
//
//	openai:URL[,URL...][,key=value...]
//
// Elements containing "://" are base URLs; the others are settings: model,
// tokenizer, api_key_env (the variable holding the API key; default
// OPENAI_API_KEY), concurrency, batch_size, max_retries, timeout (a Go
// duration), rps, tpm, chat, prompt_logprobs, echo_max_tokens, max_length,
// max_gen_toks and seed. The API key is read from the environment through
// getenv (os.Getenv when nil), never from the spec, so that it stays out of
// shell history and results files.
func ParseSpec(spec string, getenv func(string) string) (Spec, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	rest, ok := strings.CutPrefix(spec, "openai:")
	if !ok {
		return Spec{}, fmt.Errorf("openai: model spec %q: want openai:URL[,URL...][,key=value...]", spec)
	}
	var s Spec
	keyEnv := "OPENAI_API_KEY"
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "://") {
			s.BaseURLs = append(s.BaseURLs, part)
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Spec{}, fmt.Errorf("openai: model spec %q: element %q is neither a URL nor key=value", spec, part)
		}
		if err := s.set(k, v, &keyEnv); err != nil {
			return Spec{}, fmt.Errorf("openai: model spec %q: %w", spec, err)
		}
	}
	s.APIKey = getenv(keyEnv)
	if err := s.Validate(); err != nil {
		return Spec{}, fmt.Errorf("openai: model spec %q: %w", spec, err)
	}
	return s, nil
}

func (s *Spec) set(k, v string, keyEnv *string) error {
	var err error
	integer := func(dst *int) { *dst, err = strconv.Atoi(v) }
	float := func(dst *float64) { *dst, err = strconv.ParseFloat(v, 64) }
	boolean := func(dst *bool) { *dst, err = strconv.ParseBool(v) }
	switch k {
	case "model":
		s.Model = v
	case "tokenizer":
		s.Tokenizer = v
	case "api_key_env":
		*keyEnv = v
	case "concurrency":
		integer(&s.Concurrency)
	case "batch_size":
		integer(&s.BatchSize)
	case "max_retries":
		integer(&s.MaxRetries)
	case "timeout":
		s.Timeout, err = time.ParseDuration(v)
	case "rps":
		float(&s.RequestsPerSecond)
	case "tpm":
		float(&s.TokensPerMinute)
	case "chat":
		boolean(&s.Chat)
	case "prompt_logprobs":
		boolean(&s.PromptLogprobs)
	case "echo_max_tokens":
		var n int
		integer(&n)
		if err == nil {
			switch n {
			case 0:
				s.EchoMaxTokens = -1
			case 1:
				s.EchoMaxTokens = 1
			default:
				err = errors.New("must be 0 or 1")
			}
		}
	case "max_length":
		integer(&s.MaxLength)
	case "max_gen_toks":
		integer(&s.MaxGenTokens)
	case "seed":
		var n int64
		n, err = strconv.ParseInt(v, 10, 64)
		s.Seed = &n
	default:
		return fmt.Errorf("unknown setting %q", k)
	}
	if err != nil {
		return fmt.Errorf("setting %s=%q: %v", k, v, err)
	}
	return nil
}
