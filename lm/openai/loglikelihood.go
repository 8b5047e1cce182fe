package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/fmkit/fmkit/lm"
)

// ErrNoPromptLogprobs is returned (wrapped, naming the request and server)
// when a server answers a loglikelihood request without the log-probs of
// the prompt's tokens, as llama.cpp's server does with echo. Scoring on
// without them would rank every answer choice the same.
var ErrNoPromptLogprobs = errors.New("server returned no log-probabilities for the prompt tokens")

// ErrAlignment is returned (wrapped) when the tokens a server echoes cannot
// be matched with the request: a different tokenizer on the client and the
// server, or a continuation that does not end on a token boundary.
var ErrAlignment = errors.New("cannot align the echoed tokens with the request")

// scored is one prompt to score: the server returns log-probs for its
// tokens and the tail that is the continuation is summed.
type scored struct {
	req int // the lm request it belongs to

	// Token mode: ids are sent, and the last len(ids)-ctxlen are summed.
	ids    []int
	ctxlen int
	// Text mode: text is sent, and the tokens covering the final cont are
	// summed.
	text string
	cont string
}

func (s *scored) prompt() any {
	if s.ids != nil {
		return s.ids
	}
	return s.text
}

// cost estimates the tokens a request uses, for TokensPerMinute.
func (s *scored) cost() float64 {
	if s.ids != nil {
		return float64(len(s.ids) + 1)
	}
	return float64(len(s.text)/4 + 2)
}

// StreamLoglikelihood implements lm.Streamer.
//
// Prompts are built (and tokenized) by the workers, batch by batch, so the
// memory a run takes beyond its requests and results does not grow with
// their number.
func (m *Model) StreamLoglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, emit func(int, lm.LoglikelihoodResult)) error {
	jobs := batches(len(reqs), m.opts.BatchSize)
	return m.run(ctx, len(jobs), func(ctx context.Context, j int) error {
		batch := make([]scored, 0, jobs[j][1]-jobs[j][0])
		for i := jobs[j][0]; i < jobs[j][1]; i++ {
			u, err := m.prepare(i, reqs[i])
			if err != nil {
				return err
			}
			batch = append(batch, u)
		}
		return m.scoreJob(ctx, "loglikelihood", batch, func(u *scored, r lm.LoglikelihoodResult) { emit(u.req, r) })
	})
}

// StreamLoglikelihoodRolling implements lm.Streamer. With a tokenizer, texts
// longer than MaxLength are scored in disjoint windows as
// lm-evaluation-harness does; without one, each text is one prompt and the
// server must add a BOS token so that the first token is predicted too.
func (m *Model) StreamLoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, emit func(int, float64)) error {
	perReq := make([][]scored, len(reqs))
	err := parallel(len(reqs), func(i int) error {
		if m.opts.Tokenize == nil {
			perReq[i] = []scored{{req: i, text: reqs[i].Text, cont: reqs[i].Text}}
			return nil
		}
		ids, err := m.opts.Tokenize(reqs[i].Text)
		if err != nil {
			return fmt.Errorf("openai: loglikelihood_rolling request %d: tokenize: %w", i, err)
		}
		// A window's prompt is its context and its predicted tokens, at most
		// one more than it predicts, and must leave room for the tokens
		// the request generates.
		for _, w := range rollingWindows(ids, *m.opts.PrefixToken, m.room()-1) {
			perReq[i] = append(perReq[i], scored{req: i, ids: append(w.context, w.continuation...), ctxlen: len(w.context)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	var units []scored
	remaining := make([]int, len(reqs))
	sums := make([]float64, len(reqs))
	for i, us := range perReq {
		units = append(units, us...)
		remaining[i] = len(us)
		if len(us) == 0 { // empty text: nothing to predict
			emit(i, 0)
		}
	}
	var mu sync.Mutex
	return m.score(ctx, "loglikelihood_rolling", units, func(u *scored, r lm.LoglikelihoodResult) {
		mu.Lock()
		sums[u.req] += r.LogProb
		remaining[u.req]--
		done := remaining[u.req] == 0
		total := sums[u.req]
		mu.Unlock()
		if done {
			emit(u.req, total)
		}
	})
}

// prepare builds the prompt of one loglikelihood request.
func (m *Model) prepare(i int, r lm.LoglikelihoodRequest) (scored, error) {
	if isPackedChat(r.Context) {
		return scored{}, fmt.Errorf("openai: loglikelihood request %d: the context holds chat messages, and chat endpoints return no prompt log-probabilities; score without --apply-chat-template", i)
	}
	if m.opts.Tokenize == nil {
		return scored{req: i, text: r.Context + r.Continuation, cont: r.Continuation}, nil
	}
	ctxIDs, contIDs, err := encodePair(m.opts.Tokenize, *m.opts.PrefixToken, r.Context, r.Continuation)
	if err != nil {
		return scored{}, fmt.Errorf("openai: loglikelihood request %d: tokenize: %w", i, err)
	}
	// Keep the last tokens that leave room for the one token that
	// max_tokens 1 generates, as lm-evaluation-harness does.
	all := append(ctxIDs, contIDs...)
	keep := m.room()
	ctxlen := len(ctxIDs)
	if len(all) > keep {
		ctxlen -= len(all) - keep
		all = all[len(all)-keep:]
	}
	if ctxlen < 1 {
		return scored{}, fmt.Errorf("openai: loglikelihood request %d: continuation of %d tokens leaves no context within max_length %d", i, len(contIDs), m.opts.MaxLength)
	}
	return scored{req: i, ids: all, ctxlen: ctxlen}, nil
}

// room is the longest prompt a loglikelihood request may send: MaxLength
// less the tokens it makes the server generate.
func (m *Model) room() int {
	if m.opts.PromptLogprobs {
		return m.opts.MaxLength - 1
	}
	return m.opts.MaxLength - m.opts.EchoMaxTokens
}

// encodePair splits context and continuation into tokens as
// lm-evaluation-harness does: trailing whitespace of the context moves to
// the continuation, the pair is tokenized whole, and the continuation is
// what follows the context's own tokens. An empty context is the prefix
// token alone.
func encodePair(tokenize func(string) ([]int, error), prefix int, context, continuation string) ([]int, []int, error) {
	if context == "" {
		cont, err := tokenize(continuation)
		return []int{prefix}, cont, err
	}
	trimmed := strings.TrimRightFunc(context, unicode.IsSpace)
	if n := len(context) - len(trimmed); n > 0 {
		continuation = context[len(trimmed):] + continuation
		context = trimmed
	}
	whole, err := tokenize(context + continuation)
	if err != nil {
		return nil, nil, err
	}
	ctx, err := tokenize(context)
	if err != nil {
		return nil, nil, err
	}
	if len(ctx) > len(whole) {
		return nil, nil, fmt.Errorf("context has %d tokens but context and continuation only %d", len(ctx), len(whole))
	}
	return whole[:len(ctx):len(ctx)], whole[len(ctx):], nil
}

type window struct{ context, continuation []int }

// rollingWindows covers tokens with windows of at most maxLen predicted
// tokens, each predicted once, with as much preceding text as fits as
// context: lm-evaluation-harness's get_rolling_token_windows with
// context_len 1 followed by make_disjoint_window.
func rollingWindows(tokens []int, prefix, maxLen int) []window {
	if len(tokens) == 0 {
		return nil
	}
	var ws []window
	first := min(maxLen, len(tokens))
	ws = append(ws, window{
		context:      []int{prefix},
		continuation: tokens[:first],
	})
	// The first window's full input is prefix + tokens[:first-1]; made
	// disjoint, its context is just the prefix.
	for predicted := first; predicted < len(tokens); {
		n := min(len(tokens)-predicted, maxLen)
		end := predicted + n
		input := tokens[max(0, end-maxLen-1) : end-1]
		cont := tokens[end-n : end]
		ws = append(ws, window{context: input[:len(input)-(len(cont)-1)], continuation: cont})
		predicted = end
	}
	return ws
}

// score sends the units in requests of up to BatchSize prompts and hands
// each unit's result to done.
func (m *Model) score(ctx context.Context, kind string, units []scored, done func(*scored, lm.LoglikelihoodResult)) error {
	jobs := batches(len(units), m.opts.BatchSize)
	return m.run(ctx, len(jobs), func(ctx context.Context, j int) error {
		return m.scoreJob(ctx, kind, units[jobs[j][0]:jobs[j][1]], done)
	})
}

// scoreJob sends one request for batch and hands each result to done.
func (m *Model) scoreJob(ctx context.Context, kind string, batch []scored, done func(*scored, lm.LoglikelihoodResult)) error {
	results, err := m.scoreBatch(ctx, batch)
	if err != nil {
		if len(batch) == 1 {
			return fmt.Errorf("openai: %s request %d: %w", kind, batch[0].req, err)
		}
		return fmt.Errorf("openai: %s requests %d..%d: %w", kind, batch[0].req, batch[len(batch)-1].req, err)
	}
	for k := range batch {
		done(&batch[k], results[k])
	}
	return nil
}

func (m *Model) scoreBatch(ctx context.Context, batch []scored) ([]lm.LoglikelihoodResult, error) {
	req := completionRequest{Model: m.model, Temperature: 0, Seed: m.opts.Seed}
	one := 1
	if m.opts.PromptLogprobs {
		req.PromptLogprobs = &one
		req.MaxTokens = 1
	} else {
		req.Echo = true
		req.Logprobs = &one
		req.MaxTokens = m.opts.EchoMaxTokens
	}
	cost := 0.0
	if len(batch) == 1 {
		req.Prompt = batch[0].prompt()
		cost = batch[0].cost()
	} else {
		prompts := make([]any, len(batch))
		for k := range batch {
			prompts[k] = batch[k].prompt()
			cost += batch[k].cost()
		}
		req.Prompt = prompts
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	results := make([]lm.LoglikelihoodResult, len(batch))
	_, err = m.c.do(ctx, "POST", "/completions", body, cost, func(b []byte) (int, error) {
		var resp completionResponse
		if err := json.Unmarshal(b, &resp); err != nil {
			return 0, fmt.Errorf("malformed completions response: %w", err)
		}
		choices, err := byIndex(resp.Choices, len(batch))
		if err != nil {
			return 0, err
		}
		for k := range batch {
			if m.opts.PromptLogprobs {
				results[k], err = scorePromptLogprobs(choices[k], &batch[k])
			} else {
				results[k], err = scoreEcho(choices[k], &batch[k], m.opts.EchoMaxTokens)
			}
			if err != nil {
				if len(batch) > 1 {
					err = fmt.Errorf("prompt %d of the batch: %w", k, err)
				}
				return 0, err
			}
		}
		if resp.Usage != nil {
			return resp.Usage.TotalTokens, nil
		}
		return 0, nil
	})
	var se *StatusError
	if errors.As(err, &se) && se.Status/100 == 4 && strings.Contains(strings.ToLower(se.Message), "echo") {
		// Older llama.cpp servers refuse echo outright ("Only no echo is
		// supported").
		return nil, fmt.Errorf("%w: the server refuses echo: %v; loglikelihood needs a server that echoes prompt log-probs, such as vLLM or fmkit serve", ErrNoPromptLogprobs, err)
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// byIndex orders choices by their index and checks there is one per prompt.
func byIndex(choices []completionChoice, n int) ([]*completionChoice, error) {
	if len(choices) != n {
		return nil, fmt.Errorf("%d choices for %d prompts", len(choices), n)
	}
	out := make([]*completionChoice, n)
	for k := range choices {
		i := choices[k].Index
		if i < 0 || i >= n || out[i] != nil {
			return nil, fmt.Errorf("choice index %d out of range or repeated", i)
		}
		out[i] = &choices[k]
	}
	return out, nil
}

// scoreEcho sums the echoed log-probs of the continuation's tokens. gen is
// the number of generated tokens that follow the prompt's (max_tokens).
func scoreEcho(ch *completionChoice, u *scored, gen int) (lm.LoglikelihoodResult, error) {
	lp := ch.Logprobs
	if lp == nil {
		return lm.LoglikelihoodResult{}, fmt.Errorf("%w: logprobs is null", ErrNoPromptLogprobs)
	}
	if lp.TokenLogprobs.len() == 0 && lp.Content.len() > 0 {
		return lm.LoglikelihoodResult{}, fmt.Errorf("%w: with echo it sent %d generated tokens' log-probs in logprobs.content and none for the prompt (llama.cpp's server does this); loglikelihood needs a server that echoes prompt log-probs, such as vLLM or fmkit serve",
			ErrNoPromptLogprobs, lp.Content.len())
	}
	n := lp.TokenLogprobs.len() - gen // prompt tokens echoed
	if lp.Tokens.len() != lp.TokenLogprobs.len() {
		return lm.LoglikelihoodResult{}, fmt.Errorf("malformed logprobs: %d tokens but %d token_logprobs", lp.Tokens.len(), lp.TokenLogprobs.len())
	}
	if n <= 0 {
		return lm.LoglikelihoodResult{}, fmt.Errorf("%w: with echo it returned %d token log-probs, the generated tokens' only (llama.cpp's server does this); loglikelihood needs a server that echoes prompt log-probs, such as vLLM or fmkit serve",
			ErrNoPromptLogprobs, lp.TokenLogprobs.len())
	}
	first, err := continuationStart(u, n, lp.Tokens.str)
	if err != nil {
		return lm.LoglikelihoodResult{}, err
	}
	res := lm.LoglikelihoodResult{IsGreedy: true}
	for i := first; i < n; i++ {
		v, ok := lp.TokenLogprobs.float(i)
		if !ok {
			return lm.LoglikelihoodResult{}, missingLogprob(i)
		}
		res.LogProb += v
		var top map[string]float64
		if i >= lp.TopLogprobs.len() || json.Unmarshal(lp.TopLogprobs.elem(i), &top) != nil || top == nil {
			return lm.LoglikelihoodResult{}, fmt.Errorf("%w: no top_logprobs for prompt token %d", ErrNoPromptLogprobs, i)
		}
		for _, alt := range top {
			if alt > v {
				res.IsGreedy = false
			}
		}
	}
	return res, nil
}

// scorePromptLogprobs sums vLLM's prompt_logprobs of the continuation.
func scorePromptLogprobs(ch *completionChoice, u *scored) (lm.LoglikelihoodResult, error) {
	pl := &ch.PromptLogprobs
	if pl.len() == 0 {
		return lm.LoglikelihoodResult{}, fmt.Errorf("%w: prompt_logprobs is missing (it is a vLLM extension)", ErrNoPromptLogprobs)
	}
	// actual is the prompt's own token at position i: known by id in token
	// mode; in text mode the entry whose rank is not 1 when there are two
	// (the top-1 alternative is the other), or the only one.
	actual := func(i int) (promptLogprob, bool) {
		var entry map[string]promptLogprob
		if json.Unmarshal(pl.elem(i), &entry) != nil || entry == nil {
			return promptLogprob{}, false
		}
		if u.ids != nil {
			p, ok := entry[strconv.Itoa(u.ids[i])]
			return p, ok
		}
		if len(entry) == 1 {
			for _, p := range entry {
				return p, true
			}
		}
		var found promptLogprob
		n := 0
		for _, p := range entry {
			if p.Rank != 1 {
				found, n = p, n+1
			}
		}
		return found, n == 1
	}
	first, err := continuationStart(u, pl.len(), func(i int) string {
		p, _ := actual(i)
		return p.DecodedToken
	})
	if err != nil {
		return lm.LoglikelihoodResult{}, err
	}
	res := lm.LoglikelihoodResult{IsGreedy: true}
	for i := first; i < pl.len(); i++ {
		if pl.isNull(i) {
			return lm.LoglikelihoodResult{}, missingLogprob(i)
		}
		p, ok := actual(i)
		if !ok {
			return lm.LoglikelihoodResult{}, fmt.Errorf("%w: prompt_logprobs of token %d do not name the prompt's token", ErrAlignment, i)
		}
		res.LogProb += p.Logprob
		if p.Rank != 1 {
			res.IsGreedy = false
		}
	}
	return res, nil
}

// continuationStart returns the index of the first echoed prompt token of
// the continuation, given n echoed prompt tokens and their text.
//
// In token mode the server must have echoed exactly the ids sent. In text
// mode the tokens are walked back from the end until their text covers the
// continuation; this is alignment by text_offset, robust to a BOS token the
// server adds in front. A token that straddles the context/continuation
// boundary counts as continuation, as lm-evaluation-harness's moving of
// trailing spaces into the continuation makes it.
func continuationStart(u *scored, n int, token func(int) string) (int, error) {
	if u.ids != nil {
		if n != len(u.ids) {
			return 0, fmt.Errorf("%w: the server echoed %d prompt tokens for the %d token ids sent (the client and server tokenizers differ, or the server added special tokens)", ErrAlignment, n, len(u.ids))
		}
		return u.ctxlen, nil
	}
	covered := 0
	first := n
	var tail []string
	for first > 0 && covered < len(u.cont) {
		first--
		t := token(first)
		covered += len(t)
		tail = append(tail, t)
	}
	var text strings.Builder
	for k := len(tail) - 1; k >= 0; k-- {
		text.WriteString(tail[k])
	}
	if !strings.HasSuffix(text.String(), u.cont) {
		return 0, fmt.Errorf("%w: the last echoed tokens read %q, which does not end with the continuation %q; set a tokenizer to align by token ids", ErrAlignment, text.String(), u.cont)
	}
	return first, nil
}

func missingLogprob(i int) error {
	if i == 0 {
		return fmt.Errorf("%w: the first prompt token has no log-probability, since nothing precedes it: the server adds no BOS token, so set a tokenizer and fmkit adds the prefix token", ErrNoPromptLogprobs)
	}
	return fmt.Errorf("%w: prompt token %d has a null log-probability", ErrNoPromptLogprobs, i)
}

// parallel runs f for 0..n-1 on GOMAXPROCS goroutines and returns the
// first error.
func parallel(n int, f func(i int) error) error {
	var next int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := int(next)
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
