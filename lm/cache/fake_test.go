package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/lm"
)

// fakeModel answers deterministically from the request text, counts every
// request it is asked, and can stop with an error after a number of answers
// to play an interrupted run. Its answers depend on the inputs only, so a
// resumed run can be compared with an uninterrupted one.
type fakeModel struct {
	name      string
	failAfter int // stop with errInterrupted after this many answers; 0 = never

	mu    sync.Mutex
	asked map[string]int // request description -> times asked
	total int
}

var errInterrupted = errors.New("fake: interrupted")

func newFake(name string) *fakeModel { return &fakeModel{name: name, asked: map[string]int{}} }

func (f *fakeModel) Name() string { return f.name }
func (f *fakeModel) Capabilities() lm.Capabilities {
	return lm.Capabilities{Loglikelihood: true, Rolling: true, Generate: true}
}

// ask records one request and says whether the model may answer it.
func (f *fakeModel) ask(desc string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAfter > 0 && f.total >= f.failAfter {
		return false
	}
	f.asked[desc]++
	f.total++
	return true
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func llAnswer(r lm.LoglikelihoodRequest) lm.LoglikelihoodResult {
	h := hash(r.Context + "\x00" + r.Continuation)
	return lm.LoglikelihoodResult{LogProb: -float64(h%100000) / 1000, IsGreedy: h%3 == 0}
}

func genAnswer(r lm.GenerateRequest) string {
	s := fmt.Sprintf("%s|%d|%v", strings.ToUpper(r.Context), r.MaxTokens, r.Until)
	if r.DoSample {
		s += fmt.Sprintf("|seed=%d|t=%g", r.Seed, r.Temperature)
	}
	return s
}

func (f *fakeModel) StreamLoglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, emit func(int, lm.LoglikelihoodResult)) error {
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.ask("ll:" + r.Context + "|" + r.Continuation) {
			return errInterrupted
		}
		emit(i, llAnswer(r))
	}
	return nil
}

func (f *fakeModel) StreamLoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, emit func(int, float64)) error {
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.ask("roll:" + r.Text) {
			return errInterrupted
		}
		emit(i, -float64(len(r.Text)))
	}
	return nil
}

func (f *fakeModel) StreamGenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, emit func(int, string)) error {
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.ask(fmt.Sprintf("gen:%+v", r)) {
			return errInterrupted
		}
		emit(i, genAnswer(r))
	}
	return nil
}

func (f *fakeModel) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	out := make([]lm.LoglikelihoodResult, len(reqs))
	if err := f.StreamLoglikelihood(ctx, reqs, func(i int, r lm.LoglikelihoodResult) { out[i] = r }); err != nil {
		return nil, err
	}
	return out, nil
}

func (f *fakeModel) LoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, progress lm.Progress) ([]float64, error) {
	out := make([]float64, len(reqs))
	if err := f.StreamLoglikelihoodRolling(ctx, reqs, func(i int, r float64) { out[i] = r }); err != nil {
		return nil, err
	}
	return out, nil
}

func (f *fakeModel) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	if err := f.StreamGenerateUntil(ctx, reqs, func(i int, r string) { out[i] = r }); err != nil {
		return nil, err
	}
	return out, nil
}

// batchOnly hides the Streamer methods, so the cache must call it in chunks.
type batchOnly struct{ f *fakeModel }

func (b batchOnly) Name() string                  { return b.f.Name() }
func (b batchOnly) Capabilities() lm.Capabilities { return b.f.Capabilities() }
func (b batchOnly) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, p lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return b.f.Loglikelihood(ctx, reqs, p)
}
func (b batchOnly) LoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, p lm.Progress) ([]float64, error) {
	return b.f.LoglikelihoodRolling(ctx, reqs, p)
}
func (b batchOnly) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, p lm.Progress) ([]string, error) {
	return b.f.GenerateUntil(ctx, reqs, p)
}

func llRequests(n int) []lm.LoglikelihoodRequest {
	reqs := make([]lm.LoglikelihoodRequest, n)
	for i := range reqs {
		reqs[i] = lm.LoglikelihoodRequest{Context: fmt.Sprintf("Question %d: what is %d+%d?\nAnswer:", i, i, i+1), Continuation: fmt.Sprintf(" %d", 2*i+1)}
	}
	return reqs
}
