package serve

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
)

// gateDecoder blocks the first Decode call until released, so that a test
// can act while the scheduler is inside a step.
type gateDecoder struct {
	inner   lm.Decoder
	entered chan struct{}
	release chan struct{}
}

func (g *gateDecoder) Decode(ids []int, skip bool) string {
	select {
	case g.entered <- struct{}{}:
		<-g.release
	default:
	}
	return g.inner.Decode(ids, skip)
}

// TestCancelledSequenceLeaves cancels a request while its sequence is
// running: the scheduler must drop it at the next step, end it with the
// cancellation, and give its cache back.
func TestCancelledSequenceLeaves(t *testing.T) {
	m, tok := loadTiny(t)
	mt := newMetrics()
	s := newScheduler(m, (&Options{}).withDefaults(), mt)
	defer func() { s.close(); <-s.done }()

	ctx, cancel := context.WithCancel(context.Background())
	gate := &gateDecoder{inner: tok, entered: make(chan struct{}, 1), release: make(chan struct{})}
	ready := make(chan struct{}, 1)
	prompt := tok.Encode("Once", false)
	j := &job{ctx: ctx, prompt: prompt, maxNew: 50, gen: model.NewGeneration(prompt, model.SamplerOptions{}, 0, 50),
		text: lm.NewTextStream(gate, nil), out: &outbox{ready: ready}}
	if err := s.submit([]*job{j}); err != nil {
		t.Fatal(err)
	}
	<-gate.entered // the scheduler is detokenizing the first generated token
	cancel()
	close(gate.release)

	deadline := time.After(5 * time.Second)
	for {
		evs, done := j.out.take()
		if n := len(evs); n > 0 && evs[n-1].Err != nil {
			if !errors.Is(evs[n-1].Err, context.Canceled) {
				t.Fatalf("ended with %v", evs[n-1].Err)
			}
			break
		}
		if done {
			t.Fatal("the sequence finished normally after its request was cancelled")
		}
		select {
		case <-ready:
		case <-deadline:
			t.Fatal("the cancelled sequence never ended")
		}
	}
	if g := mt.generatedTokens.get(); g >= 50 {
		t.Errorf("%v tokens generated for a request cancelled after the first", g)
	}
	// The loop goroutine owns cacheUsed; wait for it to go idle.
	for range 100 {
		if mt.running.get() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.close()
	<-s.done
	if s.cacheUsed != 0 {
		t.Errorf("%d bytes of cache still held", s.cacheUsed)
	}
}

// TestRequestsShareSteps submits eight requests one by one while the
// scheduler is busy: they must then run in the same forward steps, each
// step carrying all of them, and each must produce exactly what it
// produces alone.
func TestRequestsShareSteps(t *testing.T) {
	m, tok := loadTiny(t)
	mt := newMetrics()
	s := newScheduler(m, (&Options{}).withDefaults(), mt)
	defer func() { s.close(); <-s.done }()

	run := func(text string, dec lm.Decoder) *job {
		prompt := tok.Encode(text, false)
		j := &job{ctx: context.Background(), prompt: prompt, maxNew: 20, gen: model.NewGeneration(prompt, model.SamplerOptions{}, 0, 20),
			text: lm.NewTextStream(dec, nil), out: &outbox{ready: make(chan struct{}, 1)}}
		if err := s.submit([]*job{j}); err != nil {
			t.Fatal(err)
		}
		return j
	}
	text := func(j *job) string {
		var out string
		for {
			evs, done := j.out.take()
			for _, e := range evs {
				if e.Err != nil {
					t.Fatal(e.Err)
				}
				out += e.Text
			}
			if done {
				return out
			}
			<-j.out.ready
		}
	}
	prompts := []string{"a", "bb", "The cat", "x y z", "Q:", "1 2 3 4", "hello", "?"}
	alone := make([]string, len(prompts))
	for i, p := range prompts {
		alone[i] = text(run(p, tok))
	}
	stepsBefore := mt.steps.get()

	gate := &gateDecoder{inner: tok, entered: make(chan struct{}, 1), release: make(chan struct{})}
	jobs := []*job{run(prompts[0], gate)}
	<-gate.entered // the scheduler is inside a step of the first request
	for _, p := range prompts[1:] {
		jobs = append(jobs, run(p, tok))
	}
	close(gate.release)
	for i, j := range jobs {
		if got := text(j); got != alone[i] {
			t.Errorf("request %d together %q, alone %q", i, got, alone[i])
		}
	}
	// Alone, eight requests of 20 tokens take at least 160 steps; together
	// the seven late ones join the first after one step.
	if steps := mt.steps.get() - stepsBefore; steps > 25 {
		t.Errorf("%v steps for eight concurrent requests of 20 tokens: they did not share passes", steps)
	}
}
