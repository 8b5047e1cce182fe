// Package native implements lm.Model on the in-process engine of package
// model, with lm-evaluation-harness conventions for tokenisation, scoring,
// rolling windows and stop sequences, so that its numbers are the numbers
// the harness's Hugging Face backend computes for the same checkpoint.
//
// Open builds a backend from a model spec, as the command line's --model
// takes it (a directory or GGUF file, builtin:NAME, hf:ORG/NAME; see
// models.Resolve), loading the weights and the tokenizer beside them; New
// builds one on a model and tokenizer the caller has loaded.
package native

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
	"github.com/fmkit/fmkit/tokenizer"
)

// Tokenizer is what the backend needs from a tokenizer; *tokenizer.Tokenizer
// satisfies it.
type Tokenizer interface {
	Encode(text string, addSpecial bool) []int
	Decode(ids []int, skipSpecial bool) string
	BOS() (int, bool)
	EOS() (int, bool)
}

// Options configures a backend. A nil *Options means the defaults.
type Options struct {
	// MaxLength is the longest input scored or generated from, in tokens.
	// The default is the model's max_position_embeddings, as the harness's
	// max_length.
	MaxLength int
	// BatchTokens bounds the tokens of one forward step. The default is 4096.
	BatchTokens int
	// AddSpecialTokens tokenises with the tokenizer's special tokens (BOS);
	// the harness's default for causal models is false.
	AddSpecialTokens bool
	// PrefixToken is the token scored texts are conditioned on when there is
	// no context (empty contexts, the first rolling window). The default,
	// nil, uses BOS if the tokenizer has one, else EOS, as the harness does.
	// (A pointer because token 0 is a real choice: Pythia's EOS is 0.)
	PrefixToken *int
	// MaxGenTokens caps generation when a request gives no MaxTokens. The
	// default is 256.
	MaxGenTokens int
	// Name identifies the model in results and caches; the default is
	// "native:" + the model directory.
	Name string
}

// Model answers lm requests with a loaded model and its tokenizer.
type Model struct {
	m    *model.Model
	tok  Tokenizer
	opts Options
	eos  []int
	// prefix is the resolved Options.PrefixToken.
	prefix int
	// chat is the tokenizer's chat template, nil when it has none; chatErr
	// is why it could not be parsed, reported when a chat prompt is asked.
	chat    *jinja.ChatTemplate
	chatErr error
}

var (
	_ lm.Model         = (*Model)(nil)
	_ lm.ChatTemplater = (*Model)(nil)
)

// chatTokenizer is a tokenizer that carries a chat template and the
// special-token strings templates insert; *tokenizer.Tokenizer is one.
type chatTokenizer interface {
	ChatTemplate() string
	Config() tokenizer.Config
}

// New returns a backend for m and tok. tok may be nil: the backend then
// answers only token-level requests (LoglikelihoodTokens), and its text
// methods return an error.
func New(m *model.Model, tok Tokenizer, opts *Options) (*Model, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxLength <= 0 {
		o.MaxLength = m.Config.MaxPositions
	}
	if o.MaxLength > m.Config.PositionLimit() {
		return nil, fmt.Errorf("native: max length %d exceeds the model's %d positions", o.MaxLength, m.Config.PositionLimit())
	}
	if o.BatchTokens <= 0 {
		o.BatchTokens = 4096
	}
	if o.MaxGenTokens <= 0 {
		o.MaxGenTokens = 256
	}
	if o.Name == "" {
		o.Name = "native:" + m.Dir
	}
	n := &Model{m: m, tok: tok, opts: o}
	if tok == nil {
		tok = noTokenizer{}
	}
	n.tok = tok
	switch id, bosOK := tok.BOS(); {
	case o.PrefixToken != nil:
		n.prefix = *o.PrefixToken
	case bosOK:
		n.prefix = id
	default:
		if id, ok := tok.EOS(); ok {
			n.prefix = id
		} else if m.Config.BOS >= 0 {
			n.prefix = m.Config.BOS
		} else {
			return nil, fmt.Errorf("native: the tokenizer has neither BOS nor EOS; set Options.PrefixToken")
		}
	}
	if id, ok := tok.EOS(); ok {
		n.eos = []int{id}
	}
	for _, id := range m.Config.EOS {
		if !containsInt(n.eos, id) {
			n.eos = append(n.eos, id)
		}
	}
	if ct, ok := tok.(chatTokenizer); ok && ct.ChatTemplate() != "" {
		cfg := ct.Config()
		n.chat, n.chatErr = jinja.NewChatTemplate(ct.ChatTemplate(), cfg.BOSToken, cfg.EOSToken)
	}
	return n, nil
}

// ApplyChatTemplate renders messages with the tokenizer's chat template, as
// transformers' apply_chat_template(tokenize=False) does.
func (n *Model) ApplyChatTemplate(messages []lm.Message, addGenerationPrompt bool) (string, error) {
	if n.chatErr != nil {
		return "", n.chatErr
	}
	if n.chat == nil {
		return "", fmt.Errorf("native: %s: the tokenizer has no chat_template: %w", n.opts.Name, lm.ErrUnsupported)
	}
	msgs := make([]jinja.ChatMessage, len(messages))
	for i, m := range messages {
		msgs[i] = jinja.ChatMessage{Role: m.Role, Content: m.Content}
	}
	return n.chat.Render(msgs, addGenerationPrompt)
}

// noTokenizer stands in for a missing tokenizer: it has no special tokens
// and its text methods are never reached, because every text entry point
// checks for it first.
type noTokenizer struct{}

func (noTokenizer) Encode(string, bool) []int { return nil }
func (noTokenizer) Decode([]int, bool) string { return "" }
func (noTokenizer) BOS() (int, bool)          { return 0, false }
func (noTokenizer) EOS() (int, bool)          { return 0, false }

// errNoTokenizer is returned by text methods of a backend built without one.
var errNoTokenizer = fmt.Errorf("native: this backend has no tokenizer; only token-level requests are possible")

func (n *Model) checkTokenizer() error {
	if _, ok := n.tok.(noTokenizer); ok {
		return errNoTokenizer
	}
	return nil
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// PrefixToken returns the token that texts without a context are
// conditioned on.
func (n *Model) PrefixToken() int { return n.prefix }

// MaxLength returns the longest input scored or generated from, in tokens.
func (n *Model) MaxLength() int { return n.opts.MaxLength }

// MaxGenTokens returns the generation cap used when a request gives none.
func (n *Model) MaxGenTokens() int { return n.opts.MaxGenTokens }

// StopTokens returns the tokens that end generation: the tokenizer's EOS
// and the config's eos_token_id(s).
func (n *Model) StopTokens() []int { return slices.Clone(n.eos) }

// Name returns the configured name.
func (n *Model) Name() string { return n.opts.Name }

// Engine returns the underlying model, for callers that need steps, forks
// and hooks directly.
func (n *Model) Engine() *model.Model { return n.m }

// Capabilities reports all three request types.
func (n *Model) Capabilities() lm.Capabilities {
	c := lm.Capabilities{Loglikelihood: true, Rolling: true, Generate: true}
	c.ChatTemplate = n.chat != nil
	return c
}

// encode tokenises as the harness's tok_encode.
func (n *Model) encode(s string) []int { return n.tok.Encode(s, n.opts.AddSpecialTokens) }

// Encode tokenises a generation prompt as Generate does (with special
// tokens if Options.AddSpecialTokens).
func (n *Model) Encode(text string) ([]int, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	return n.encode(text), nil
}

// Decoder returns the tokenizer, for turning generated tokens into text
// (lm.NewTextStream) as Generate does.
func (n *Model) Decoder() (lm.Decoder, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	return n.tok, nil
}

// EncodePair splits a (context, continuation) pair into tokens as the
// harness does: trailing whitespace of the context moves to the
// continuation, the two are tokenised together and split at the length of
// the context's own tokenisation. An empty context becomes the prefix token.
func (n *Model) EncodePair(context, continuation string) (ctx, cont []int) {
	if context == "" {
		return []int{n.prefix}, n.encode(continuation)
	}
	trimmed := strings.TrimRightFunc(context, isSpace)
	if k := len(context) - len(trimmed); k > 0 {
		continuation = context[len(trimmed):] + continuation
		context = trimmed
	}
	whole := n.encode(context + continuation)
	ctxEnc := n.encode(context)
	if len(ctxEnc) > len(whole) {
		return ctxEnc, nil
	}
	return ctxEnc, whole[len(ctxEnc):]
}

// isSpace matches Python's str.rstrip() default: Unicode whitespace.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// Loglikelihood answers each request with the summed log-probability of the
// continuation and whether greedy decoding would produce it.
func (n *Model) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	treqs := make([]TokenRequest, len(reqs))
	for i, r := range reqs {
		c, k := n.EncodePair(r.Context, r.Continuation)
		if len(k) == 0 {
			return nil, fmt.Errorf("native: request %d: continuation %q has no tokens of its own", i, r.Continuation)
		}
		treqs[i] = TokenRequest{Context: c, Continuation: k}
	}
	return n.LoglikelihoodTokens(ctx, treqs, progress)
}

// LoglikelihoodRolling scores whole texts with disjoint windows of at most
// MaxLength tokens, every token predicted exactly once, the first window
// conditioned on the prefix token.
func (n *Model) LoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, progress lm.Progress) ([]float64, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	var treqs []TokenRequest
	owner := []int{}
	for i, r := range reqs {
		for _, w := range RollingWindows(n.encode(r.Text), n.prefix, n.opts.MaxLength) {
			treqs = append(treqs, w)
			owner = append(owner, i)
		}
	}
	res, err := n.LoglikelihoodTokens(ctx, treqs, nil)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(reqs))
	for i, r := range res {
		out[owner[i]] += r.LogProb
	}
	if progress != nil {
		progress(len(reqs))
	}
	return out, nil
}

// RollingWindows splits tokens into lm-evaluation-harness's disjoint rolling
// windows (get_rolling_token_windows with context_len 1, then
// make_disjoint_window): the first window predicts up to maxLen tokens from
// the prefix token; each later one predicts the next up-to-maxLen tokens
// from the maxLen tokens before its last, so contexts stay full.
func RollingWindows(tokens []int, prefix, maxLen int) []TokenRequest {
	if len(tokens) == 0 {
		return nil
	}
	var out []TokenRequest
	first := min(maxLen, len(tokens))
	out = append(out, TokenRequest{Context: []int{prefix}, Continuation: tokens[:first]})
	for done := first; done < len(tokens); {
		k := min(len(tokens)-done, maxLen)
		end := done + k
		input := tokens[max(0, end-maxLen-1) : end-1]
		out = append(out, TokenRequest{Context: input[:len(input)-k+1], Continuation: tokens[end-k : end]})
		done = end
	}
	return out
}

// logProbOf returns log softmax(logits)[target] and whether target is the
// argmax (the first maximum, as torch.argmax).
func logProbOf(logits []float32, target int) (float64, bool) {
	arg, logSum := tensor.LogSoftmaxParts(logits)
	return float64(logits[target]-logits[arg]) - logSum, arg == target
}
