package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/fmkit/fmkit/lm"
)

// Model answers lm.Model requests through OpenAI-compatible servers.
type Model struct {
	opts  Options
	c     *client
	model string
}

var (
	_ lm.Model    = (*Model)(nil)
	_ lm.Streamer = (*Model)(nil)
)

// New checks opts and, when opts.Model is empty, asks the servers which
// model they serve.
func New(ctx context.Context, opts Options) (*Model, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	m := &Model{opts: o, c: newClient(o), model: o.Model}
	if m.model == "" {
		var list modelList
		url, err := m.c.do(ctx, "GET", "/models", nil, 0, func(b []byte) (int, error) {
			if err := json.Unmarshal(b, &list); err != nil {
				return 0, fmt.Errorf("malformed model list: %w", err)
			}
			return 0, nil
		})
		if err != nil {
			return nil, fmt.Errorf("openai: ask which model is served: %w", err)
		}
		if len(list.Data) == 0 || list.Data[0].ID == "" {
			return nil, fmt.Errorf("openai: %s lists no model; set model=NAME", url)
		}
		m.model = list.Data[0].ID
	}
	return m, nil
}

// Name is "openai:" and the served model name, with "+chat" when generation
// goes through chat completions (which renders a chat template and so
// answers differently). The server URLs are not part of it: a fleet of
// servers of one model shares its cached answers.
func (m *Model) Name() string {
	if m.opts.Chat {
		return "openai:" + m.model + "+chat"
	}
	return "openai:" + m.model
}

// Capabilities: everything, given a server that returns prompt log-probs.
func (m *Model) Capabilities() lm.Capabilities {
	return lm.Capabilities{Loglikelihood: true, Rolling: true, Generate: true, ChatTemplate: m.opts.Chat}
}

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

// run calls do for jobs 0..n-1 on up to Concurrency goroutines. The first
// error stops the others and is returned.
func (m *Model) run(ctx context.Context, n int, do func(ctx context.Context, job int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(m.opts.Concurrency, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= n {
					return
				}
				if err := do(ctx, j); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		err := context.Cause(ctx)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("openai: %w", err)
		}
		return err
	}
	return nil
}

// batches splits n items into runs of at most size.
func batches(n, size int) [][2]int {
	var b [][2]int
	for start := 0; start < n; start += size {
		b = append(b, [2]int{start, min(start+size, n)})
	}
	return b
}
