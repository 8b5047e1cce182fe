package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

// tokenProb is a token and its log-probability.
type tokenProb struct {
	ID      int
	Logprob float64
}

// event is one token of a sequence, in order: the prompt's tokens first when
// prompt log-probs were asked for, then each generated token. The last event
// of a sequence has Finish set ("stop" or "length"), or Err.
type event struct {
	Token   int
	Logprob float64 // NaN for the first prompt token, which nothing predicts
	Top     []tokenProb
	// Rank is the token's rank among all (1 is the most likely); prompt
	// tokens only.
	Rank   int
	Prompt bool
	// Text is the generated text this event makes safe to show; TokenText
	// is the token's own text (with logprobs only).
	Text      string
	TokenText string
	// NoToken marks an event that only ends the sequence (a stop token,
	// which is not part of the output, or the end of an echo-only request).
	NoToken bool
	Finish  string
	Err     error
}

// job is one sequence: a prompt and how to continue it.
type job struct {
	ctx    context.Context
	prompt []int
	maxNew int
	// gen samples the next token (its zero sampler options are greedy
	// decoding) and keeps what was generated; genOpts holds its stop
	// tokens (the end-of-sequence ids unless ignored).
	gen     *model.Generation
	genOpts model.GenerateOptions
	// text detokenizes the generated tokens and finds stop strings; tokText
	// gives each token's own text, for logprobs.
	text    *lm.TextStream
	tokText *lm.Detokenizer
	// promptLogprobs asks for an event per prompt token (echo with
	// logprobs); logprobs asks for log-probs of the generated tokens; top
	// is how many alternatives each carries.
	promptLogprobs bool
	logprobs       bool
	top            int

	out *outbox

	// guide is set for classifier-free guidance.
	guide *guidance

	// Scheduler state.
	seq       *model.Sequence
	fed       int // prompt tokens in the cache
	cacheSize int64
	enqueued  time.Time
	firstTok  bool
}

// guidance is a job's classifier-free guidance: the unconditional branch,
// a second sequence fed every generated token and run in the same steps
// as the job's own, its row right after the job's row, so that the two
// rows of a position are combined with guided.LogProbsTo as they arrive.
type guidance struct {
	scale  float64
	prompt []int // the unconditional branch's prompt
	seq    *model.Sequence
	fed    int       // prompt tokens in its cache
	buf    []float32 // the conditional row, until the unconditional row arrives
}

// outbox queues a sequence's events without ever blocking the scheduler on
// a slow client.
type outbox struct {
	mu     sync.Mutex
	events []event
	ready  chan struct{} // capacity 1, shared by a request's sequences: signalled when events arrive
	closed bool
}

func (o *outbox) push(e ...event) {
	o.mu.Lock()
	o.events = append(o.events, e...)
	if e[len(e)-1].Finish != "" || e[len(e)-1].Err != nil {
		o.closed = true
	}
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// take returns the queued events and whether the sequence has ended.
func (o *outbox) take() ([]event, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := o.events
	o.events = nil
	return ev, o.closed
}

var errShutdown = errors.New("serve: the server is shutting down")

// errQueueFull is returned by submit when Options.MaxQueue sequences wait.
var errQueueFull = errors.New("serve: too many requests waiting; retry later")

// scheduler runs all sequences on one model with continuous batching.
type scheduler struct {
	m       *model.Model
	opts    Options
	metrics *metrics

	mu      sync.Mutex
	wake    chan struct{} // capacity 1
	queue   []*job
	closing bool
	done    chan struct{}

	// Owned by the loop goroutine.
	running   []*job
	cacheUsed int64
	batch     stepBatch
	fopts     model.ForwardOptions // its Logits is applyLogits
}

// stepBatch is one step's inputs and what came back for each, kept across
// steps so that a step allocates nothing of its own.
type stepBatch struct {
	inputs []model.Input
	owners []*job
	// uncond marks the inputs of guided jobs' unconditional branches; each
	// comes right after its job's own input.
	uncond  []bool
	pending [][]event // per input, the events its rows produced
	sampled []bool    // per input, whether a token was sampled for it
}

func (b *stepBatch) reset() {
	clear(b.inputs) // drop references to sequences and jobs
	clear(b.owners)
	b.inputs, b.owners, b.uncond, b.sampled = b.inputs[:0], b.owners[:0], b.uncond[:0], b.sampled[:0]
}

// add appends an input of j and returns its number of tokens.
func (b *stepBatch) add(j *job, in model.Input, uncond bool) int {
	b.inputs = append(b.inputs, in)
	b.owners = append(b.owners, j)
	b.uncond = append(b.uncond, uncond)
	b.sampled = append(b.sampled, false)
	if len(b.pending) < len(b.inputs) {
		b.pending = append(b.pending, nil)
	}
	k := len(b.inputs) - 1
	clear(b.pending[k])
	b.pending[k] = b.pending[k][:0]
	return len(in.Tokens)
}

func newScheduler(m *model.Model, opts Options, mt *metrics) *scheduler {
	s := &scheduler{m: m, opts: opts, metrics: mt, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.fopts.Logits = s.applyLogits
	go s.loop()
	return s
}

// submit queues the jobs of one request, all or none.
func (s *scheduler) submit(jobs []*job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShutdown
	}
	if len(s.queue)+len(jobs) > s.opts.MaxQueue {
		return errQueueFull
	}
	now := time.Now()
	for _, j := range jobs {
		j.enqueued = now
	}
	s.queue = append(s.queue, jobs...)
	s.metrics.queueDepth.set(float64(len(s.queue)))
	s.signal()
	return nil
}

func (s *scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// close stops admitting new requests; the loop ends once every queued and
// running sequence has finished.
func (s *scheduler) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.signal()
}

func (s *scheduler) loop() {
	defer close(s.done)
	for {
		if !s.admit() {
			return
		}
		if len(s.running) == 0 {
			<-s.wake
			continue
		}
		s.step()
	}
}

// admit moves waiting jobs into the running batch while they fit. It
// returns false when the scheduler is closed and has no work left.
func (s *scheduler) admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 && len(s.running) < s.opts.MaxSequences {
		j := s.queue[0]
		if err := j.ctx.Err(); err != nil {
			s.queue = s.queue[1:]
			j.out.push(event{Err: err})
			continue
		}
		capacity := len(j.prompt) + j.maxNew
		size := s.m.CacheBytes(capacity)
		if j.guide != nil {
			size += s.m.CacheBytes(len(j.guide.prompt) + j.maxNew)
		}
		if len(s.running) > 0 && s.cacheUsed+size > s.opts.CacheBytes {
			break
		}
		s.queue = s.queue[1:]
		seq, err := s.m.NewSequence(capacity)
		if err != nil {
			j.out.push(event{Err: err})
			continue
		}
		if j.guide != nil {
			if j.guide.seq, err = s.m.NewSequence(len(j.guide.prompt) + j.maxNew); err != nil {
				seq.Release()
				j.out.push(event{Err: err})
				continue
			}
		}
		j.seq, j.cacheSize = seq, size
		s.cacheUsed += size
		s.running = append(s.running, j)
		s.metrics.queueWait.observe(time.Since(j.enqueued).Seconds())
	}
	s.metrics.queueDepth.set(float64(len(s.queue)))
	s.metrics.running.set(float64(len(s.running)))
	return !(s.closing && len(s.queue) == 0 && len(s.running) == 0)
}

// step runs one forward pass over the running sequences and hands out the
// results: assemble the batch, run it (applyLogits samples as rows arrive),
// then advance each job.
func (s *scheduler) step() {
	s.dropCancelled()
	if len(s.running) == 0 {
		return
	}
	s.assemble()
	b := &s.batch
	tokens := 0
	for _, in := range b.inputs {
		tokens += len(in.Tokens)
	}
	s.metrics.batchTokens.observe(float64(tokens))
	s.metrics.batchSequences.observe(float64(len(b.inputs)))
	if err := s.m.Forward(context.Background(), b.inputs, &s.fopts); err != nil {
		for i, j := range b.owners {
			if !b.uncond[i] {
				s.finish(j, event{Err: fmt.Errorf("serve: forward step: %w", err)})
			}
		}
		s.running = slices.DeleteFunc(s.running, func(j *job) bool { return j.seq == nil })
		return
	}
	s.metrics.steps.inc()
	for i, j := range b.owners {
		if b.uncond[i] {
			j.guide.fed += len(b.inputs[i].Tokens)
			continue
		}
		s.advance(j, len(b.inputs[i].Tokens), b.pending[i], b.sampled[i])
	}
	s.running = slices.DeleteFunc(s.running, func(j *job) bool { return j.seq == nil })
}

// dropCancelled ends the sequences whose clients went away.
func (s *scheduler) dropCancelled() {
	s.running = slices.DeleteFunc(s.running, func(j *job) bool {
		if err := j.ctx.Err(); err != nil {
			s.finish(j, event{Err: err})
			return true
		}
		return false
	})
}

// assemble lays out the step: decoding sequences first, one token each, so
// they never starve; then prompt prefill with the room left in
// MaxBatchTokens, at least one chunk per step.
func (s *scheduler) assemble() {
	b := &s.batch
	b.reset()
	budget := s.opts.MaxBatchTokens
	for _, j := range s.running {
		if j.fed == len(j.prompt) {
			next := j.gen.Last()
			budget -= b.add(j, model.Input{Seq: j.seq, Tokens: next, Logits: 1}, false)
			if j.guide != nil {
				budget -= b.add(j, model.Input{Seq: j.guide.seq, Tokens: next, Logits: 1}, true)
			}
		}
	}
	for _, j := range s.running {
		if j.fed == len(j.prompt) || (budget <= 0 && len(b.inputs) > 0) {
			continue
		}
		n := min(len(j.prompt)-j.fed, max(budget, 1))
		in := model.Input{Seq: j.seq, Tokens: j.prompt[j.fed : j.fed+n]}
		last := j.fed+n == len(j.prompt)
		switch {
		case j.promptLogprobs:
			in.Logits = model.AllLogits
		case last && j.maxNew > 0:
			in.Logits = 1
		}
		budget -= b.add(j, in, false)
		if g := j.guide; g != nil && last && j.maxNew > 0 {
			// The unconditional prompt runs whole in the step that
			// predicts the first new token.
			budget -= b.add(j, model.Input{Seq: g.seq, Tokens: g.prompt[g.fed:], Logits: 1}, true)
		}
	}
}

// applyLogits takes a row of the step: a prompt row gives a prompt
// log-prob event, a row that predicts a new token samples it. A guided
// job's conditional row waits in its buffer for the unconditional row,
// which comes right after it; the two are mixed and sampled for the job's
// own input.
func (s *scheduler) applyLogits(r model.Row, logits []float32) error {
	b := &s.batch
	j := b.owners[r.Input]
	input := r.Input
	switch {
	case b.uncond[input]:
		guided.LogProbsTo(j.guide.buf, j.guide.buf, logits, j.guide.scale)
		logits, input = j.guide.buf, input-1
	case j.fed < len(j.prompt) && r.Pos+1 < len(j.prompt):
		if j.promptLogprobs {
			tok := j.prompt[r.Pos+1]
			b.pending[input] = append(b.pending[input], event{Token: tok, Logprob: logprobOf(logits, tok),
				Rank: rankOf(logits, tok), Top: topK(logits, j.top), Prompt: true})
		}
		return nil
	case j.maxNew == 0:
		return nil
	case j.guide != nil:
		copy(j.guide.buf, logits)
		return nil
	}
	tok := j.gen.Sample(logits)
	ev := event{Token: tok, Logprob: math.NaN()}
	if j.logprobs {
		ev.Logprob, ev.Top = logprobOf(logits, tok), topK(logits, j.top)
	}
	b.pending[input] = append(b.pending[input], ev)
	b.sampled[input] = true
	return nil
}

// advance moves a job on after a step that fed it fed tokens and produced
// evs: its prompt progress, or the token sampled for it, which the
// generation takes (or ends at, for a stop token), the text stream turns
// into text and the budget may end.
func (s *scheduler) advance(j *job, fed int, evs []event, sampled bool) {
	if j.fed < len(j.prompt) {
		if j.fed == 0 && j.promptLogprobs {
			evs = slices.Insert(evs, 0, event{Token: j.prompt[0], Logprob: math.NaN(), Prompt: true})
		}
		j.fed += fed
		s.metrics.promptTokens.add(float64(fed))
	}
	switch {
	case j.fed < len(j.prompt):
		if len(evs) > 0 {
			j.out.push(evs...)
		}
		return
	case j.maxNew == 0:
		s.finish(j, append(evs, event{Finish: "length", Logprob: math.NaN(), NoToken: true})...)
		return
	case !sampled:
		return
	}
	if !j.firstTok {
		j.firstTok = true
		s.metrics.firstToken.observe(time.Since(j.enqueued).Seconds())
	}
	last := &evs[len(evs)-1]
	tok := last.Token
	before := len(j.gen.Tokens())
	more, _ := j.gen.Advance(0, tok, &j.genOpts) // no Stream or Stop: no error
	if len(j.gen.Tokens()) == before {
		// A stop token ends the sequence and is not part of it.
		*last = event{Finish: "stop", Logprob: math.NaN(), Text: j.text.Finish(), NoToken: true}
		s.finish(j, evs...)
		return
	}
	s.metrics.generatedTokens.inc()
	if j.tokText != nil {
		last.TokenText = j.tokText.Add(tok)
	}
	var stopped bool
	last.Text, stopped = j.text.Add(tok)
	switch {
	case stopped:
		last.Finish = "stop"
	case !more:
		last.Finish = "length"
		last.Text += j.text.Finish()
	}
	if last.Finish != "" {
		s.finish(j, evs...)
	} else {
		j.out.push(evs...)
	}
}

// finish ends a job: its last events, and its cache back to the pool. The
// caller removes it from running.
func (s *scheduler) finish(j *job, evs ...event) {
	if j.seq != nil {
		j.seq.Release()
		j.seq = nil
		if j.guide != nil {
			j.guide.seq.Release()
		}
		s.cacheUsed -= j.cacheSize
	}
	j.out.push(evs...)
}

// logprobOf is log softmax(logits)[tok], computed from
// tensor.LogSoftmaxParts as lm/native computes a scored token's.
func logprobOf(logits []float32, tok int) float64 {
	arg, logSum := tensor.LogSoftmaxParts(logits)
	return float64(logits[tok]-logits[arg]) - logSum
}

// topK returns the k most likely tokens with their log-probabilities, most
// likely first (ties by lower id).
func topK(logits []float32, k int) []tokenProb {
	if k <= 0 {
		return nil
	}
	k = min(k, len(logits))
	idx := make([]int, 0, k+1)
	for i, v := range logits {
		if len(idx) == k && v <= logits[idx[k-1]] {
			continue
		}
		at, _ := slices.BinarySearchFunc(idx, i, func(a, b int) int {
			switch {
			case logits[a] > logits[b]:
				return -1
			case logits[a] < logits[b]:
				return 1
			}
			return a - b
		})
		idx = slices.Insert(idx, at, i)
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	arg, logSum := tensor.LogSoftmaxParts(logits)
	out := make([]tokenProb, len(idx))
	for n, i := range idx {
		out[n] = tokenProb{ID: i, Logprob: float64(logits[i]-logits[arg]) - logSum}
	}
	return out
}

// rankOf is 1 + the number of tokens more likely than tok.
func rankOf(logits []float32, tok int) int {
	r := 1
	for _, v := range logits {
		if v > logits[tok] {
			r++
		}
	}
	return r
}
