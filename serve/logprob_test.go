package serve

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// TestLogprobsEqualNative checks that the server's log-probabilities are
// lm/native's to the last bit. A one-token completion runs its prompt as
// one input of one step, as lm/native runs a context it scores, so both see
// the same logits row; the numbers then differ only if the arithmetic does.
func TestLogprobsEqualNative(t *testing.T) {
	m, tok := loadTiny(t)
	nat, err := native.New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(m, (&Options{}).withDefaults(), newMetrics())
	defer func() { s.close(); <-s.done }()
	ctx := context.Background()
	for _, text := range []string{"Once upon a time", "The cat sat on the", "1, 2, 3,", "Hello"} {
		ids := tok.Encode(text, true)
		j := &job{ctx: ctx, prompt: ids, maxNew: 1, gen: model.NewGeneration(ids, model.SamplerOptions{}, 0, 1),
			text: lm.NewTextStream(tok, nil), out: &outbox{ready: make(chan struct{}, 1)}, logprobs: true, top: 8}
		if err := s.submit([]*job{j}); err != nil {
			t.Fatal(err)
		}
		var got *event
		deadline := time.After(10 * time.Second)
		for got == nil {
			evs, done := j.out.take()
			for i := range evs {
				if evs[i].Err != nil {
					t.Fatal(evs[i].Err)
				}
				if !evs[i].NoToken && !evs[i].Prompt {
					got = &evs[i]
				}
			}
			if done && got == nil {
				t.Fatalf("%q: no token generated", text)
			}
			select {
			case <-j.out.ready:
			case <-deadline:
				t.Fatal("timed out")
			case <-time.After(10 * time.Millisecond):
			}
		}
		reqs := make([]native.TokenRequest, len(got.Top))
		for k, alt := range got.Top {
			reqs[k] = native.TokenRequest{Context: ids, Continuation: []int{alt.ID}}
		}
		want, err := nat.LoglikelihoodTokens(ctx, reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, alt := range got.Top {
			if math.Float64bits(alt.Logprob) != math.Float64bits(want[k].LogProb) {
				t.Errorf("%q: top token %d has log-prob %v in serve, %v in lm/native", text, alt.ID, alt.Logprob, want[k].LogProb)
			}
			if alt.ID == got.Token && math.Float64bits(got.Logprob) != math.Float64bits(want[k].LogProb) {
				t.Errorf("%q: sampled token %d has log-prob %v in serve, %v in lm/native", text, alt.ID, got.Logprob, want[k].LogProb)
			}
		}
		if got.Token != got.Top[0].ID || !want[0].IsGreedy {
			t.Errorf("%q: greedy token %d, top %d, native greedy %v", text, got.Token, got.Top[0].ID, want[0].IsGreedy)
		}
	}
}
