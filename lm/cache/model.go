package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fmkit/fmkit/lm"
)

// Model is an lm.Model whose answers come from a Cache where it has them and
// from the inner model otherwise.
type Model struct {
	inner lm.Model
	cache *Cache
}

var (
	_ lm.Model    = (*Model)(nil)
	_ lm.Streamer = (*Model)(nil)
)

// Wrap returns inner answered through c.
func Wrap(inner lm.Model, c *Cache) *Model {
	return &Model{inner: inner, cache: c}
}

// Name is the inner model's: caching does not change the answers.
func (m *Model) Name() string { return m.inner.Name() }

// Capabilities are the inner model's.
func (m *Model) Capabilities() lm.Capabilities { return m.inner.Capabilities() }

// Loglikelihood implements lm.Model.
func (m *Model) Loglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, progress lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return lm.Collect(ctx, reqs, progress, m.StreamLoglikelihood)
}

// LoglikelihoodRolling implements lm.Model.
func (m *Model) LoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, progress lm.Progress) ([]float64, error) {
	return lm.Collect(ctx, reqs, progress, m.StreamLoglikelihoodRolling)
}

// GenerateUntil implements lm.Model.
func (m *Model) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	return lm.Collect(ctx, reqs, progress, m.StreamGenerateUntil)
}

// StreamLoglikelihood implements lm.Streamer.
func (m *Model) StreamLoglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, emit func(int, lm.LoglikelihoodResult)) error {
	name := m.inner.Name()
	var kb keyBuilder
	keys := make([]key, len(reqs))
	for i, r := range reqs {
		keys[i] = kb.loglikelihood(name, r)
	}
	return run(ctx, m, Loglikelihood, reqs, keys, emit, codec[lm.LoglikelihoodResult]{encodeLoglikelihood, decodeLoglikelihood},
		func(ctx context.Context, sub []lm.LoglikelihoodRequest, emit func(int, lm.LoglikelihoodResult)) error {
			if s, ok := m.inner.(lm.Streamer); ok {
				return s.StreamLoglikelihood(ctx, sub, emit)
			}
			return inChunks(ctx, m.cache.opts.ChunkSize, sub, emit, m.inner.Loglikelihood)
		})
}

// StreamLoglikelihoodRolling implements lm.Streamer.
func (m *Model) StreamLoglikelihoodRolling(ctx context.Context, reqs []lm.RollingRequest, emit func(int, float64)) error {
	name := m.inner.Name()
	var kb keyBuilder
	keys := make([]key, len(reqs))
	for i, r := range reqs {
		keys[i] = kb.rolling(name, r)
	}
	return run(ctx, m, Rolling, reqs, keys, emit, codec[float64]{encodeRolling, decodeRolling},
		func(ctx context.Context, sub []lm.RollingRequest, emit func(int, float64)) error {
			if s, ok := m.inner.(lm.Streamer); ok {
				return s.StreamLoglikelihoodRolling(ctx, sub, emit)
			}
			return inChunks(ctx, m.cache.opts.ChunkSize, sub, emit, m.inner.LoglikelihoodRolling)
		})
}

// StreamGenerateUntil implements lm.Streamer.
func (m *Model) StreamGenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, emit func(int, string)) error {
	name := m.inner.Name()
	var kb keyBuilder
	keys := make([]key, len(reqs))
	// copies numbers identical sampled requests so that each draw has its
	// own entry; identical greedy requests share one.
	copies := make(map[key]int)
	for i, r := range reqs {
		keys[i] = kb.generate(name, r, 0)
		if r.DoSample {
			n := copies[keys[i]]
			copies[keys[i]] = n + 1
			if n > 0 {
				keys[i] = kb.generate(name, r, n)
			}
		}
	}
	return run(ctx, m, Generate, reqs, keys, emit, codec[string]{encodeGenerate, decodeGenerate},
		func(ctx context.Context, sub []lm.GenerateRequest, emit func(int, string)) error {
			if s, ok := m.inner.(lm.Streamer); ok {
				return s.StreamGenerateUntil(ctx, sub, emit)
			}
			return inChunks(ctx, m.cache.opts.ChunkSize, sub, emit, m.inner.GenerateUntil)
		})
}

type codec[T any] struct {
	encode func(T) []byte
	decode func([]byte) (T, error)
}

// run answers reqs from the cache, sends the distinct misses to ask, stores
// each answer as it comes and emits it for every request that has its key.
func run[Req, Res any](ctx context.Context, m *Model, kind Kind, reqs []Req, keys []key,
	emit func(int, Res), c codec[Res],
	ask func(context.Context, []Req, func(int, Res)) error) error {
	if err := m.cache.failed(); err != nil {
		return err
	}
	// Requests sharing a key form one group, asked once.
	first := make(map[key]int, len(keys))
	var uniq []key
	var members [][]int // members[u] are the request indices of uniq[u]
	for i, k := range keys {
		u, ok := first[k]
		if !ok {
			u = len(uniq)
			first[k] = u
			uniq = append(uniq, k)
			members = append(members, nil)
		}
		members[u] = append(members[u], i)
	}

	hit := make([]bool, len(uniq))
	err := m.cache.lookup(ctx, uniq, func(u int, v []byte) {
		r, err := c.decode(v)
		if err != nil {
			return // a damaged entry is asked again and overwritten
		}
		hit[u] = true
		for _, i := range members[u] {
			emit(i, r)
		}
	})
	if err != nil {
		return err
	}

	var missReqs []Req
	var missUniq []int
	for u, h := range hit {
		if !h {
			missReqs = append(missReqs, reqs[members[u][0]])
			missUniq = append(missUniq, u)
		}
	}
	if len(missReqs) == 0 {
		return nil
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	name := m.inner.Name()
	answered := make([]bool, len(missReqs)) // guards against a model emitting twice
	var mu sync.Mutex
	askErr := ask(ctx, missReqs, func(j int, r Res) {
		mu.Lock()
		if j < 0 || j >= len(answered) || answered[j] {
			mu.Unlock()
			return
		}
		answered[j] = true
		mu.Unlock()
		u := missUniq[j]
		m.cache.put(entry{key: uniq[u], model: name, kind: kind, value: c.encode(r), created: time.Now().Unix()})
		if err := m.cache.failed(); err != nil {
			cancel(err) // no point computing answers that cannot be kept
		}
		for _, i := range members[u] {
			emit(i, r)
		}
	})
	// Whatever happened, what was answered is committed before returning.
	if err := m.cache.Flush(); err != nil {
		return err
	}
	if askErr != nil {
		return askErr
	}
	for j, a := range answered {
		if !a {
			return fmt.Errorf("cache: model %s returned without answering %s request %d", name, kind, members[missUniq[j]][0])
		}
	}
	return nil
}

// inChunks asks a model without lm.Streamer chunk requests at a time, so
// that each chunk is stored as soon as it is done.
func inChunks[Req, Res any](ctx context.Context, chunk int, reqs []Req, emit func(int, Res),
	batch func(context.Context, []Req, lm.Progress) ([]Res, error)) error {
	for start := 0; start < len(reqs); start += chunk {
		end := min(start+chunk, len(reqs))
		out, err := batch(ctx, reqs[start:end], nil)
		if err != nil {
			return err
		}
		if len(out) != end-start {
			return fmt.Errorf("cache: model returned %d answers for %d requests", len(out), end-start)
		}
		for j, r := range out {
			emit(start+j, r)
		}
	}
	return nil
}
