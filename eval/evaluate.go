package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// Options configure a run. The zero value is lm-eval's defaults.
type Options struct {
	// NumFewshot overrides every task's num_fewshot except tasks that set
	// it to 0; nil keeps the configs (0 where unset).
	NumFewshot *int
	// Limit evaluates the first Limit documents of each task (a fraction of
	// the documents when below 1); zero means all.
	Limit float64
	// FewshotSeed seeds the few-shot sampler; nil means 1234.
	FewshotSeed *int64
	// BootstrapIters is the number of bootstrap replicates for the
	// standard errors of non-mean metrics; nil means 100000, 0 disables.
	BootstrapIters *int
	Prompt         PromptOptions
	// GenKwargs update every generate_until task's generation_kwargs.
	GenKwargs *py.Dict
	// ChunkSize is how many requests go to the model per call; progress and
	// cancellation are per chunk. The default is 256.
	ChunkSize int
	// Progress is called after every chunk.
	Progress func(Progress)
	// LogSamples keeps the per-document records (lm-eval's samples).
	LogSamples bool
}

// Progress reports a run's advance.
type Progress struct {
	Task        string
	TaskIndex   int
	Tasks       int
	Done, Total int // requests of this task
	Elapsed     time.Duration
	// ModelTime is the time spent inside model calls so far.
	ModelTime time.Duration
}

// Sample is one logged document (lm-eval's sample record), ready to write.
type Sample = *py.Dict

// TaskResult holds one task's outcome.
type TaskResult struct {
	Name    string
	Metrics *py.Dict // "acc,none", "acc_stderr,none", ..., as in lm-eval
	// SampleLen is the number of documents scored.
	SampleLen int
	// OriginalLen is the number of documents in the split.
	OriginalLen int
	// HumanAccuracy is the mean of the documents' "Human Accuracy" column
	// (KMMLU), or NaN when the column is absent.
	HumanAccuracy float64
	Samples       []Sample
	task          *Task
	raw           map[string][]any // "metric,filter" -> per-document values
	rawOrder      []string
}

// Run is the state of an evaluation; Evaluate returns it even when
// interrupted, with the finished tasks.
type Run struct {
	Suite       *Suite
	Results     []*TaskResult
	Start       time.Time
	End         time.Time
	ModelTime   time.Duration
	Interrupted bool
	opts        Options
	model       lm.Model
}

// Evaluate runs the suite's tasks on the model. Tasks run one after the
// other, each task's requests deduplicated, sorted longest first with
// shared contexts adjacent, and sent in chunks. On cancellation it returns
// the Run with the tasks that finished and an error wrapping ctx.Err().
func Evaluate(ctx context.Context, model lm.Model, suite *Suite, loader *data.Loader, opts Options) (*Run, error) {
	run := &Run{Suite: suite, Start: time.Now(), opts: opts, model: model}
	defer func() { run.End = time.Now() }()
	if err := checkCapabilities(model, suite); err != nil {
		return run, err
	}
	for i, t := range suite.Tasks {
		applyOverrides(t, opts)
		if t.evalDocs == nil {
			if loader == nil {
				return run, fmt.Errorf("eval: task %s: no documents and no loader", t.Name)
			}
			if err := t.Load(ctx, loader); err != nil {
				return run, err
			}
		}
		res, err := run.runTask(ctx, t, i)
		if err != nil {
			if ctx.Err() != nil {
				run.Interrupted = true
				return run, fmt.Errorf("eval: interrupted during %s (%d tasks finished): %w", t.Name, len(run.Results), ctx.Err())
			}
			return run, err
		}
		run.Results = append(run.Results, res)
	}
	return run, nil
}

func applyOverrides(t *Task, opts Options) {
	if opts.NumFewshot != nil {
		if t.Config.NumFewshot == nil || *t.Config.NumFewshot != 0 {
			t.NumFewshot = *opts.NumFewshot
		}
	}
	if opts.FewshotSeed != nil {
		t.FewshotSeed = *opts.FewshotSeed
	}
	if opts.GenKwargs != nil && t.Config.OutputType == GenerateUntil {
		g := copyDict(t.Config.GenerationKwargs)
		for _, k := range opts.GenKwargs.Keys() {
			v, _ := opts.GenKwargs.Get(k)
			g.Set(k, v)
		}
		t.Config.GenerationKwargs = g
	}
}

// CapabilityError is a task that needs a request type the model cannot
// answer.
type CapabilityError struct {
	Task, Model, RequestType string
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("eval: task %s needs %s requests, which model %s cannot answer", e.Task, e.RequestType, e.Model)
}

func (e *CapabilityError) Unwrap() error { return lm.ErrUnsupported }

func checkCapabilities(model lm.Model, suite *Suite) error {
	c := model.Capabilities()
	for _, t := range suite.Tasks {
		var ok bool
		var typ string
		switch t.Config.OutputType {
		case MultipleChoice, Loglikelihood:
			ok, typ = c.Loglikelihood, Loglikelihood
		case LoglikelihoodRolling:
			ok, typ = c.Rolling, LoglikelihoodRolling
		case GenerateUntil:
			ok, typ = c.Generate, GenerateUntil
		}
		if !ok {
			return &CapabilityError{Task: t.Name, Model: model.Name(), RequestType: typ}
		}
	}
	return nil
}

func (t *Task) limit(l float64) int {
	n := len(t.evalDocs)
	switch {
	case l <= 0:
		return n
	case l < 1:
		return min(n, int(math.Ceil(float64(n)*l)))
	}
	return min(n, int(l))
}

// BuildRequests renders every document's prompt and builds its requests,
// in document order.
func (t *Task) BuildRequests(opts Options) ([]*DocRequests, error) {
	if err := t.detectMultipleInput(); err != nil {
		return nil, err
	}
	b := newPromptBuilder(t, opts.Prompt)
	n := t.limit(opts.Limit)
	out := make([]*DocRequests, 0, n)
	for id := 0; id < n; id++ {
		doc := t.evalDocs[id]
		ctx, err := b.contexts(doc)
		if err != nil {
			return nil, &DocError{Task: t.Name, DocID: id, Field: "prompt", Err: err}
		}
		dr, err := t.buildDoc(id, doc, ctx, opts.Prompt.ChatTemplate != nil)
		if err != nil {
			return nil, &DocError{Task: t.Name, DocID: id, Field: "requests", Err: err}
		}
		out = append(out, dr)
	}
	return out, nil
}

func (run *Run) runTask(ctx context.Context, t *Task, index int) (*TaskResult, error) {
	docs, err := t.BuildRequests(run.opts)
	if err != nil {
		return nil, err
	}
	var insts []*Instance
	for _, d := range docs {
		insts = append(insts, d.Insts...)
	}
	if err := run.answer(ctx, t, index, insts); err != nil {
		return nil, err
	}
	return run.score(t, docs)
}

// answer sends the task's requests to the model and fills in Resps.
func (run *Run) answer(ctx context.Context, t *Task, index int, insts []*Instance) error {
	repeats := t.Config.Repeats
	start := time.Now()
	chunk := run.opts.ChunkSize
	if chunk <= 0 {
		chunk = 256
	}
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
	if list := byType[Loglikelihood]; len(list) > 0 {
		if err := run.loglikelihood(ctx, list, repeats, chunk, report); err != nil {
			return fmt.Errorf("eval: task %s: %w", t.Name, err)
		}
	}
	if list := byType[LoglikelihoodRolling]; len(list) > 0 {
		if err := run.rolling(ctx, list, repeats, chunk, report); err != nil {
			return fmt.Errorf("eval: task %s: %w", t.Name, err)
		}
	}
	if list := byType[GenerateUntil]; len(list) > 0 {
		if err := run.generate(ctx, list, repeats, chunk, report); err != nil {
			return fmt.Errorf("eval: task %s: %w", t.Name, err)
		}
	}
	return nil
}

type llKey struct{ ctx, cont string }

func (run *Run) loglikelihood(ctx context.Context, list []*Instance, repeats, chunk int, report func(int)) error {
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
	// Longest first; requests of one context together.
	order := make([]int, len(uniq))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := uniq[order[a]], uniq[order[b]]
		if len(ra.Context) != len(rb.Context) {
			return len(ra.Context) > len(rb.Context)
		}
		if ra.Context != rb.Context {
			return ra.Context < rb.Context
		}
		return len(ra.Continuation) > len(rb.Continuation)
	})
	results := make([]lm.LoglikelihoodResult, len(uniq))
	for s := 0; s < len(order); s += chunk {
		e := min(s+chunk, len(order))
		// Keep a context's requests in one call.
		for e < len(order) && uniq[order[e]].Context == uniq[order[e-1]].Context {
			e++
		}
		batch := make([]lm.LoglikelihoodRequest, e-s)
		for i := s; i < e; i++ {
			batch[i-s] = uniq[order[i]]
		}
		t0 := time.Now()
		res, err := run.model.Loglikelihood(ctx, batch, nil)
		run.ModelTime += time.Since(t0)
		if err != nil {
			return fmt.Errorf("model %s: loglikelihood: %w", run.model.Name(), err)
		}
		if len(res) != len(batch) {
			return fmt.Errorf("model %s returned %d loglikelihood results for %d requests", run.model.Name(), len(res), len(batch))
		}
		for i := s; i < e; i++ {
			results[order[i]] = res[i-s]
		}
		report((e - s) * repeats)
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

func (run *Run) rolling(ctx context.Context, list []*Instance, repeats, chunk int, report func(int)) error {
	for s := 0; s < len(list); s += chunk {
		e := min(s+chunk, len(list))
		batch := make([]lm.RollingRequest, e-s)
		for i := s; i < e; i++ {
			batch[i-s] = lm.RollingRequest{Text: list[i].Args[0].(string)}
		}
		t0 := time.Now()
		res, err := run.model.LoglikelihoodRolling(ctx, batch, nil)
		run.ModelTime += time.Since(t0)
		if err != nil {
			return fmt.Errorf("model %s: loglikelihood_rolling: %w", run.model.Name(), err)
		}
		if len(res) != len(batch) {
			return fmt.Errorf("model %s returned %d results for %d requests", run.model.Name(), len(res), len(batch))
		}
		for i := s; i < e; i++ {
			list[i].Resps = nil
			for k := 0; k < repeats; k++ {
				list[i].Resps = append(list[i].Resps, res[i-s])
			}
		}
		report((e - s) * repeats)
	}
	return nil
}

func (run *Run) generate(ctx context.Context, list []*Instance, repeats, chunk int, report func(int)) error {
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
			key := ""
			if !r.DoSample {
				key = r.Context + "\x00" + py.Repr(in.Args[1])
				if j, ok := index[key]; ok {
					which = append(which, j)
					slots = append(slots, slot{i, k})
					continue
				}
			}
			if key != "" {
				index[key] = len(reqs)
			}
			which = append(which, len(reqs))
			slots = append(slots, slot{i, k})
			reqs = append(reqs, r)
		}
	}
	out := make([]string, len(reqs))
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(reqs[order[a]].Context) > len(reqs[order[b]].Context) })
	for s := 0; s < len(order); s += chunk {
		e := min(s+chunk, len(order))
		batch := make([]lm.GenerateRequest, e-s)
		for i := s; i < e; i++ {
			batch[i-s] = reqs[order[i]]
		}
		t0 := time.Now()
		res, err := run.model.GenerateUntil(ctx, batch, nil)
		run.ModelTime += time.Since(t0)
		if err != nil {
			return fmt.Errorf("model %s: generate_until: %w", run.model.Name(), err)
		}
		if len(res) != len(batch) {
			return fmt.Errorf("model %s returned %d generations for %d requests", run.model.Name(), len(res), len(batch))
		}
		for i := s; i < e; i++ {
			out[order[i]] = res[i-s]
		}
		report(e - s)
	}
	for _, in := range list {
		in.Resps = make([]any, repeats)
	}
	for n, sl := range slots {
		list[sl.inst].Resps[sl.rep] = out[which[n]]
	}
	return nil
}

func hashString(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// score applies the filters and metrics and aggregates.
func (run *Run) score(t *Task, docs []*DocRequests) (*TaskResult, error) {
	pipes, err := buildPipelines(t.Config.Filters)
	if err != nil {
		return nil, fmt.Errorf("eval: task %s: %w", t.Name, err)
	}
	res := &TaskResult{Name: t.Name, task: t, raw: map[string][]any{}, OriginalLen: len(t.evalDocs), HumanAccuracy: math.NaN()}
	multipleTarget := false
	if len(t.evalDocs) > 0 {
		if tg, err := t.docTarget(t.evalDocs[0], t.Config.DocToTarget); err == nil {
			_, multipleTarget = tg.([]any)
		}
	}
	var allInsts []*Instance
	for _, d := range docs {
		allInsts = append(allInsts, d.Insts...)
	}
	for _, p := range pipes {
		in := make([]any, len(allInsts))
		for i, x := range allInsts {
			in[i] = append([]any{}, x.Resps...)
		}
		filtered, err := p.apply(in)
		if err != nil {
			return nil, fmt.Errorf("eval: task %s: filter %s: %w", t.Name, p.name, err)
		}
		k := 0
		for _, d := range docs {
			fr := filtered[k : k+len(d.Insts)]
			k += len(d.Insts)
			keys, vals, err := t.processResults(d.Doc, fr, multipleTarget)
			if err != nil {
				return nil, &DocError{Task: t.Name, DocID: d.DocID, Field: "process_results", Err: err}
			}
			for _, m := range keys {
				key := m + "," + p.name
				if _, seen := res.raw[key]; !seen {
					res.rawOrder = append(res.rawOrder, key)
				}
				res.raw[key] = append(res.raw[key], vals[m])
			}
			if run.opts.LogSamples {
				s, err := t.sampleRecord(d, fr, p.name, keys, vals)
				if err != nil {
					return nil, err
				}
				res.Samples = append(res.Samples, s)
			}
		}
	}
	res.SampleLen = len(docs)
	if err := res.aggregate(run.bootstrapIters()); err != nil {
		return nil, err
	}
	sum, n := 0.0, 0
	for _, d := range docs {
		if v, ok := d.Doc.Get("Human Accuracy"); ok {
			if f, ok := v.(float64); ok && !math.IsNaN(f) {
				sum += f
				n++
			}
		}
	}
	if n > 0 {
		res.HumanAccuracy = sum / float64(n)
	}
	return res, nil
}

func (run *Run) bootstrapIters() int {
	if run.opts.BootstrapIters != nil {
		return *run.opts.BootstrapIters
	}
	return 100000
}

func (r *TaskResult) aggregate(iters int) error {
	m := py.NewDict()
	m.Set("name", r.Name)
	alias := r.task.Config.TaskAlias
	if alias == "" {
		alias = r.Name
	}
	m.Set("alias", alias)
	aggs := map[string]string{}
	for _, mc := range r.task.Config.Metrics {
		aggs[mc.Name] = mc.Aggregation
	}
	for _, key := range r.rawOrder {
		metric, filter, _ := strings.Cut(key, ",")
		items := r.raw[key]
		aggName := aggs[metric]
		if aggName == "" {
			aggName = "mean"
		}
		v, err := aggregations[aggName](items)
		if err != nil {
			return fmt.Errorf("eval: task %s: %s: %w", r.Name, key, err)
		}
		m.Set(key, v)
		se, ok, err := stderrFor(aggName, metric, items, iters)
		if err != nil {
			return fmt.Errorf("eval: task %s: %s stderr: %w", r.Name, key, err)
		}
		if ok {
			m.Set(metric+"_stderr,"+filter, se)
		} else {
			m.Set(metric+"_stderr,"+filter, "N/A")
		}
	}
	m.Set("sample_len", int64(r.SampleLen))
	r.Metrics = m
	return nil
}

// sampleRecord is lm-eval's logged sample, already in the shape
// EvaluationTracker writes (arguments as gen_args_i/arg_j, responses as
// strings).
func (t *Task) sampleRecord(d *DocRequests, filtered []any, filterName string, keys []string, vals map[string]any) (Sample, error) {
	target, err := t.docTarget(d.Doc, t.Config.DocToTarget)
	if err != nil {
		return nil, &DocError{Task: t.Name, DocID: d.DocID, Field: "doc_to_target", Err: err}
	}
	s := py.NewDict()
	s.Set("doc_id", int64(d.DocID))
	s.Set("doc", d.Doc)
	s.Set("target", py.Str(target))
	args := py.NewDict()
	for i, in := range d.Insts {
		a := py.NewDict()
		for j, x := range in.Args {
			a.Set(fmt.Sprintf("arg_%d", j), x)
		}
		args.Set(fmt.Sprintf("gen_args_%d", i), a)
	}
	s.Set("arguments", args)
	resps := make([]any, len(d.Insts))
	for i, in := range d.Insts {
		resps[i] = sanitize(in.Resps)
	}
	s.Set("resps", resps)
	s.Set("filtered_resps", sanitize(filtered))
	s.Set("filter", filterName)
	mk := make([]any, len(keys))
	for i, k := range keys {
		mk[i] = k
	}
	s.Set("metrics", mk)
	s.Set("doc_hash", hashString(py.JSON(d.Doc, 2)))
	s.Set("prompt_hash", hashString(py.Str(d.Insts[0].Args[0])))
	s.Set("target_hash", hashString(py.Str(target)))
	for _, k := range keys {
		v := vals[k]
		if f, ok := v.([]float64); ok {
			v = py.Str(floatsAny(f))
		}
		if tup, ok := v.(py.Tuple); ok {
			for i, e := range tup {
				if f, ok := e.([]float64); ok {
					tup[i] = py.Str(floatsAny(f))
				}
			}
		}
		s.Set(k, v)
	}
	return s, nil
}

func floatsAny(f []float64) []any {
	out := make([]any, len(f))
	for i, x := range f {
		out[i] = x
	}
	return out
}

// sanitize is lm-eval's sanitize_list: lists stay lists, tuples stay
// tuples, everything else becomes str().
func sanitize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sanitize(e)
		}
		return out
	case py.Tuple:
		out := make(py.Tuple, len(x))
		for i, e := range x {
			out[i] = sanitize(e)
		}
		return out
	}
	return py.Str(v)
}

// ErrNoTasks is returned when a run has nothing to evaluate.
var ErrNoTasks = errors.New("eval: no tasks")
