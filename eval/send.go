package eval

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// answer sends the task's requests to the model and fills in Resps.
func (run *Run) answer(ctx context.Context, t *Task, index int, insts []*Instance) error {
	repeats := t.Config.Repeats
	start := time.Now()
	byType := map[string][]*Instance{}
	for _, in := range insts {
		byType[in.Type] = append(byType[in.Type], in)
	}
	total := 0
	for _, list := range byType {
		total += len(list) * repeats
	}
	done := 0
	report := func(n int) {
		done += n
		if run.opts.Progress != nil {
			run.opts.Progress(Progress{Task: t.Name, TaskIndex: index, Tasks: len(run.Suite.Tasks), Done: done, Total: total, Elapsed: time.Since(start), ModelTime: run.ModelTime})
		}
	}
	report(0)
	for _, typ := range []string{Loglikelihood, LoglikelihoodRolling, GenerateUntil} {
		list := byType[typ]
		if len(list) == 0 {
			continue
		}
		var err error
		switch typ {
		case Loglikelihood:
			err = run.loglikelihood(ctx, list, repeats, report)
		case LoglikelihoodRolling:
			err = run.rolling(ctx, list, repeats, report)
		case GenerateUntil:
			err = run.generate(ctx, list, repeats, report)
		}
		if err != nil {
			return fmt.Errorf("eval: task %s: %w", t.Name, err)
		}
	}
	return nil
}

func (run *Run) chunkSize() int {
	if run.opts.ChunkSize > 0 {
		return run.opts.ChunkSize
	}
	return 256
}

// chunked sends reqs to the model in chunks of the run's chunk size,
// visiting them in order (nil: as given) and extending a chunk while
// together says the next request belongs with the previous one. It times
// every call, checks that the model answered each request, scatters the
// answers back to the requests' positions and reports each chunk's
// size times weight (the repeats a shared answer stands for).
func chunked[Req, Res any](ctx context.Context, run *Run, kind string, reqs []Req, order []int, together func(prev, next Req) bool,
	call func(context.Context, []Req) ([]Res, error), weight int, report func(int)) ([]Res, error) {
	if order == nil {
		order = make([]int, len(reqs))
		for i := range order {
			order[i] = i
		}
	}
	size := run.chunkSize()
	out := make([]Res, len(reqs))
	for s := 0; s < len(order); {
		e := min(s+size, len(order))
		for together != nil && e < len(order) && together(reqs[order[e-1]], reqs[order[e]]) {
			e++
		}
		batch := make([]Req, e-s)
		for i := s; i < e; i++ {
			batch[i-s] = reqs[order[i]]
		}
		t0 := time.Now()
		res, err := call(ctx, batch)
		run.ModelTime += time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("model %s: %s: %w", run.model.Name(), kind, err)
		}
		if len(res) != len(batch) {
			return nil, fmt.Errorf("model %s returned %d %s results for %d requests", run.model.Name(), len(res), kind, len(batch))
		}
		for i := s; i < e; i++ {
			out[order[i]] = res[i-s]
		}
		report((e - s) * weight)
		s = e
	}
	return out, nil
}

// longestFirst orders indices by decreasing key length, stably, with ties
// broken by less when it is given.
func longestFirst(n int, length func(i int) int, less func(a, b int) bool) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		la, lb := length(order[a]), length(order[b])
		if la != lb || less == nil {
			return la > lb
		}
		return less(order[a], order[b])
	})
	return order
}

type llKey struct{ ctx, cont string }

// loglikelihood answers each distinct (context, continuation) once, the
// longest contexts first and the requests of one context in one call.
func (run *Run) loglikelihood(ctx context.Context, list []*Instance, repeats int, report func(int)) error {
	index := map[llKey]int{}
	var uniq []lm.LoglikelihoodRequest
	which := make([]int, len(list))
	for i, in := range list {
		k := llKey{in.Args[0].(string), in.Args[1].(string)}
		j, ok := index[k]
		if !ok {
			j = len(uniq)
			index[k] = j
			uniq = append(uniq, lm.LoglikelihoodRequest{Context: k.ctx, Continuation: k.cont})
		}
		which[i] = j
	}
	order := longestFirst(len(uniq), func(i int) int { return len(uniq[i].Context) }, func(a, b int) bool {
		ra, rb := uniq[a], uniq[b]
		if ra.Context != rb.Context {
			return ra.Context < rb.Context
		}
		return len(ra.Continuation) > len(rb.Continuation)
	})
	sameContext := func(prev, next lm.LoglikelihoodRequest) bool { return prev.Context == next.Context }
	call := func(ctx context.Context, b []lm.LoglikelihoodRequest) ([]lm.LoglikelihoodResult, error) {
		return run.model.Loglikelihood(ctx, b, nil)
	}
	results, err := chunked(ctx, run, Loglikelihood, uniq, order, sameContext, call, repeats, report)
	if err != nil {
		return err
	}
	for i, in := range list {
		r := results[which[i]]
		in.Resps = nil
		for k := 0; k < repeats; k++ {
			in.Resps = append(in.Resps, py.Tuple{r.LogProb, r.IsGreedy})
		}
	}
	return nil
}

// rolling answers the requests in document order.
func (run *Run) rolling(ctx context.Context, list []*Instance, repeats int, report func(int)) error {
	reqs := make([]lm.RollingRequest, len(list))
	for i, in := range list {
		reqs[i] = lm.RollingRequest{Text: in.Args[0].(string)}
	}
	call := func(ctx context.Context, b []lm.RollingRequest) ([]float64, error) {
		return run.model.LoglikelihoodRolling(ctx, b, nil)
	}
	res, err := chunked(ctx, run, LoglikelihoodRolling, reqs, nil, nil, call, repeats, report)
	if err != nil {
		return err
	}
	for i, in := range list {
		in.Resps = nil
		for k := 0; k < repeats; k++ {
			in.Resps = append(in.Resps, res[i])
		}
	}
	return nil
}

// generate answers each distinct greedy request once and every sampled
// repeat on its own, longest contexts first.
func (run *Run) generate(ctx context.Context, list []*Instance, repeats int, report func(int)) error {
	type slot struct{ inst, rep int }
	var reqs []lm.GenerateRequest
	var slots []slot
	index := map[string]int{}
	var which []int
	for i, in := range list {
		r, err := genRequest(in.Args[0].(string), in.Args[1].(*py.Dict))
		if err != nil {
			return err
		}
		for k := 0; k < repeats; k++ {
			if r.DoSample && k > 0 {
				// Each repeat samples from its own random stream (the seed
				// plus the repeat's index); with one seed a deterministic
				// backend or the cache would return the same text k times.
				r.Seed++
			}
			slots = append(slots, slot{i, k})
			if !r.DoSample {
				key := r.Context + "\x00" + py.Repr(in.Args[1])
				if j, ok := index[key]; ok {
					which = append(which, j)
					continue
				}
				index[key] = len(reqs)
			}
			which = append(which, len(reqs))
			reqs = append(reqs, r)
		}
	}
	order := longestFirst(len(reqs), func(i int) int { return len(reqs[i].Context) }, nil)
	call := func(ctx context.Context, b []lm.GenerateRequest) ([]string, error) {
		return run.model.GenerateUntil(ctx, b, nil)
	}
	out, err := chunked(ctx, run, GenerateUntil, reqs, order, nil, call, 1, report)
	if err != nil {
		return err
	}
	for _, in := range list {
		in.Resps = make([]any, repeats)
	}
	for n, sl := range slots {
		list[sl.inst].Resps[sl.rep] = out[which[n]]
	}
	return nil
}
