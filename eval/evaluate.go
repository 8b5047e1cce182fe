package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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
	// Samples, for the tasks it names, evaluates only the documents at
	// these indexes, in document order (lm-eval's --samples, the layout of
	// the clean.json that fmkit eval decontaminate writes); tasks it does
	// not name run whole. It cannot be combined with Limit.
	Samples map[string][]int
	// FewshotSeed seeds the few-shot sampler; nil means 1234.
	FewshotSeed *int64
	// BootstrapIters is the number of bootstrap replicates for the
	// standard errors of non-mean metrics; nil means 100000, 0 disables.
	BootstrapIters *int
	Prompt         PromptOptions
	// GenKwargs update every generate_until task's generation_kwargs for
	// this run (lm-eval's --gen_kwargs): a key the task has keeps its
	// place, new keys follow in sorted order.
	GenKwargs map[string]any
	// ChunkSize is how many requests go to the model per call; progress and
	// cancellation are per chunk. The default is 256.
	ChunkSize int
	// Progress is called after every chunk.
	Progress func(Progress)
	// LogSamples keeps the per-document records (lm-eval's samples).
	LogSamples bool
	// PredictOnly runs the requests and filters but no metric, as lm-eval's
	// --predict_only: every task reports the "bypass" metric (999), and
	// the samples (kept with LogSamples) carry the model's outputs.
	PredictOnly bool
	// Code runs the model-written programs of code-execution tasks
	// (unsafe_code: true, such as humaneval and mbpp); nil refuses to run
	// those tasks (lm-eval's --confirm_run_unsafe_code).
	Code *CodeSandbox
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
	if err := opts.validate(); err != nil {
		return run, err
	}
	if suite == nil || len(suite.Tasks) == 0 {
		return run, ErrNoTasks
	}
	if err := checkCapabilities(model, suite); err != nil {
		return run, err
	}
	for _, t := range suite.Tasks {
		if t.Config.UnsafeCode && opts.Code == nil {
			return run, fmt.Errorf("%w: task %s runs model-written code; allow it with --allow-code-execution (or HF_ALLOW_CODE_EVAL=1)", ErrCodeExecution, t.Name)
		}
	}
	for i, t := range suite.Tasks {
		set := t.settings(opts)
		if t.evalDocs == nil || (set.numFewshot > 0 && t.fewshotDocs == nil) {
			if loader == nil {
				return run, fmt.Errorf("eval: task %s: no documents and no loader", t.Name)
			}
			if err := t.load(ctx, loader, set.numFewshot); err != nil {
				return run, err
			}
		}
		res, err := run.runTask(ctx, t, i, set)
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

// settings are one run's effective settings for one task: the task's own
// with the run's overrides applied. They live in a value of their own so
// that a run never writes into the caller's tasks and one run's overrides
// never reach the next.
type settings struct {
	numFewshot  int
	fewshotSeed int64
	// genKwargs is the effective generation_kwargs in lm-eval's key order;
	// nil for a task that neither generates nor sets them.
	genKwargs *py.Dict
}

// settings computes the task's settings under opts, as lm-eval's
// simple_evaluate applies --num_fewshot, --fewshot_seed and --gen_kwargs.
func (t *Task) settings(opts Options) settings {
	s := settings{numFewshot: t.NumFewshot, fewshotSeed: t.FewshotSeed}
	if opts.NumFewshot != nil && (t.Config.NumFewshot == nil || *t.Config.NumFewshot != 0) {
		s.numFewshot = *opts.NumFewshot
	}
	if opts.FewshotSeed != nil {
		s.fewshotSeed = *opts.FewshotSeed
	}
	generates := t.Config.OutputType == GenerateUntil
	if t.Config.GenerationKwargs != nil || generates {
		s.genKwargs = orderedDict(t.Config.GenerationKwargs, t.Config.genKwargsOrder)
		if s.genKwargs == nil {
			s.genKwargs = py.NewDict()
		}
	}
	if generates {
		for _, k := range sortedKeys(opts.GenKwargs) {
			s.genKwargs.Set(k, toPy(opts.GenKwargs[k], nil))
		}
	}
	return s
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
	case !(l > 0) || l >= float64(n):
		// 0 means all; so do NaN and negative limits, which Evaluate
		// rejects. Comparing as floats first keeps int() away from
		// values it cannot convert (1e300, +Inf).
		return n
	case l < 1:
		return min(n, int(math.Ceil(float64(n)*l)))
	}
	return int(l)
}

// docIDs are the indexes of the documents a run evaluates: those Samples
// names for the task, else the first Limit.
func (t *Task) docIDs(opts Options) ([]int, error) {
	chosen, ok := opts.Samples[t.Name]
	if !ok {
		ids := make([]int, t.limit(opts.Limit))
		for i := range ids {
			ids[i] = i
		}
		return ids, nil
	}
	n := len(t.evalDocs)
	seen := make(map[int]bool, len(chosen))
	ids := make([]int, 0, len(chosen))
	for _, id := range chosen {
		if id < 0 || id >= n {
			return nil, fmt.Errorf("%w: Samples[%q] names document %d; the task has %d (0 to %d)", ErrOptions, t.Name, id, n, n-1)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// BuildRequests renders every document's prompt and builds its requests,
// in document order.
func (t *Task) BuildRequests(opts Options) ([]*DocRequests, error) {
	return t.buildRequests(opts, t.settings(opts))
}

func (t *Task) buildRequests(opts Options, set settings) ([]*DocRequests, error) {
	if err := t.detectMultipleInput(); err != nil {
		return nil, err
	}
	b := newPromptBuilder(t, opts.Prompt, set)
	ids, err := t.docIDs(opts)
	if err != nil {
		return nil, err
	}
	out := make([]*DocRequests, 0, len(ids))
	for _, id := range ids {
		doc := t.evalDocs[id]
		ctx, err := b.contexts(doc)
		if err != nil {
			return nil, &DocError{Task: t.Name, DocID: id, Field: "prompt", Err: err}
		}
		if t.Config.OutputType == MultipleChoice {
			if err := t.checkMultipleChoice(id, doc); err != nil {
				return nil, err
			}
		}
		dr, err := t.buildDoc(id, doc, ctx, opts.Prompt.ChatTemplate != nil, set.genKwargs)
		if err != nil {
			return nil, &DocError{Task: t.Name, DocID: id, Field: "requests", Err: err}
		}
		out = append(out, dr)
	}
	return out, nil
}

func (run *Run) runTask(ctx context.Context, t *Task, index int, set settings) (*TaskResult, error) {
	docs, err := t.buildRequests(run.opts, set)
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
	return run.score(ctx, t, docs, set)
}

// ErrNoTasks is returned when a run has nothing to evaluate.
var ErrNoTasks = errors.New("eval: no tasks")
