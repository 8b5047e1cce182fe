// Package lm defines the language-model interface that the evaluation
// harness and the steering tools talk to, with the request and result types
// of lm-evaluation-harness: loglikelihood of a continuation, rolling
// loglikelihood of a whole text, and generation until a stop sequence.
//
// Backends live in sub-packages: lm/native runs checkpoints in process,
// lm/openai talks to OpenAI-compatible servers, lm/cache and lm/guided wrap
// any backend.
package lm

import (
	"context"
	"errors"
	"sync"
)

// ErrUnsupported is returned (wrapped, naming the backend and the request
// type) by a backend asked for a request type it cannot answer, such as
// loglikelihood from a chat-only server.
var ErrUnsupported = errors.New("lm: request type not supported by this model")

// LoglikelihoodRequest asks for log P(Continuation | Context).
type LoglikelihoodRequest struct {
	Context      string
	Continuation string
}

// LoglikelihoodResult is the summed log-probability of the continuation's
// tokens and whether greedy decoding from the context would have produced
// exactly those tokens.
type LoglikelihoodResult struct {
	LogProb  float64
	IsGreedy bool
}

// RollingRequest asks for the log-probability of a whole text, every token
// predicted once (perplexity-style scoring).
type RollingRequest struct {
	Text string
}

// GenerateRequest asks for a continuation of Context.
type GenerateRequest struct {
	Context string
	// Until lists stop strings; the output is cut before the first one.
	Until []string
	// MaxTokens caps the number of generated tokens. Zero means the
	// backend's default (256, as lm-evaluation-harness uses).
	MaxTokens int
	// DoSample selects sampling; otherwise decoding is greedy and the
	// sampling fields are ignored.
	DoSample    bool
	Temperature float64
	TopP        float64
	TopK        int
	// Seed makes sampling reproducible.
	Seed int64
}

// Progress is called as requests finish with the number done so far.
type Progress func(done int)

// Model answers lm-evaluation-harness requests. Each method answers a whole
// batch so that backends can sort, batch and share work; results come back in
// request order. The eval harness sends deduplicated Loglikelihood requests
// with every request that shares a Context next to the others and holding
// the same string, longest first, so that a backend can score all choices
// of a question from one cached forward pass over their context. On error (including cancellation of ctx) the results are
// nil: callers that need to keep partial work wrap the model in lm/cache.
type Model interface {
	// Name identifies the model and its settings, for caches and results.
	Name() string
	Capabilities() Capabilities
	Loglikelihood(ctx context.Context, reqs []LoglikelihoodRequest, progress Progress) ([]LoglikelihoodResult, error)
	LoglikelihoodRolling(ctx context.Context, reqs []RollingRequest, progress Progress) ([]float64, error)
	GenerateUntil(ctx context.Context, reqs []GenerateRequest, progress Progress) ([]string, error)
}

// Streamer is implemented by models that can hand over each answer as soon
// as it is known, not only when the whole batch is done. lm/cache uses it to
// store finished work at once, so that an interrupted run repeats no finished
// request; models without it are called in smaller chunks instead.
//
// Each method calls emit exactly once for every request it answers, with i
// indexing reqs, in any order and possibly from several goroutines at once.
// On error (including cancellation) the requests already emitted stay
// answered; the others are not.
type Streamer interface {
	StreamLoglikelihood(ctx context.Context, reqs []LoglikelihoodRequest, emit func(i int, r LoglikelihoodResult)) error
	StreamLoglikelihoodRolling(ctx context.Context, reqs []RollingRequest, emit func(i int, logprob float64)) error
	StreamGenerateUntil(ctx context.Context, reqs []GenerateRequest, emit func(i int, text string)) error
}

// Capabilities says which request types a model can answer, so that a run
// can stop before it starts instead of failing half way.
type Capabilities struct {
	Loglikelihood bool
	Rolling       bool
	Generate      bool
	// ChatTemplate is set when the model can render chat messages.
	ChatTemplate bool
}

// Message is one chat turn for a chat template.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// ChatTemplater is implemented by models that can render chat messages
// with their own chat template (the tokenizer's chat_template), as
// lm-evaluation-harness's --apply_chat_template needs. addGenerationPrompt
// appends the template's opening of the assistant turn.
type ChatTemplater interface {
	ApplyChatTemplate(messages []Message, addGenerationPrompt bool) (string, error)
}

// Collect answers a batch through one of a Streamer's methods, for the
// Model methods of a Streamer: it gathers the emitted results in request
// order and reports progress as they arrive, one call at a time.
func Collect[R, T any](ctx context.Context, reqs []R, progress Progress,
	stream func(ctx context.Context, reqs []R, emit func(i int, r T)) error) ([]T, error) {
	out := make([]T, len(reqs))
	var mu sync.Mutex
	done := 0
	emit := func(i int, r T) {
		mu.Lock()
		defer mu.Unlock()
		out[i] = r
		done++
		if progress != nil {
			progress(done)
		}
	}
	if err := stream(ctx, reqs, emit); err != nil {
		return nil, err
	}
	return out, nil
}
