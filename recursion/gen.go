package recursion

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Distribution is how a dataset's inputs are drawn.
type Distribution uint8

// The distributions.
const (
	// Natural draws every argument uniformly within the ranges (see
	// drawer.natural), so edge cases occur at their natural rates: an
	// input ends in k 1 bits with probability about 2^−(k+1).
	Natural Distribution = iota
	// Balanced draws the same share of inputs from every edge-case class.
	Balanced
)

func (d Distribution) String() string {
	if d == Balanced {
		return "balanced"
	}
	return "natural"
}

// ParseDistribution reads "natural" or "balanced".
func ParseDistribution(s string) (Distribution, error) {
	switch s {
	case "natural", "":
		return Natural, nil
	case "balanced":
		return Balanced, nil
	}
	return Natural, fmt.Errorf("%w: distribution %q: expected natural or balanced", ErrOptions, s)
}

// ErrOptions is wrapped by every invalid generation option.
var ErrOptions = errors.New("recursion: invalid options")

// Options configure Generate. The zero value of every field but Func is a
// usable default.
type Options struct {
	// Func is the function applied: succ, add, preorder, inorder,
	// postorder, app, add_carry, or one defined in Env.
	Func string
	// Env holds the definitions; nil means the built-ins.
	Env *Env
	// N is the number of examples. The default is 1000.
	N int
	// Seed selects the examples; the same seed gives the same examples.
	Seed uint64
	// Split names the examples' split in the output (default "train"); it
	// is also part of the random stream, so splits of one seed differ.
	Split string
	// Ranges bound the arguments' sizes; zero fields take DefaultRanges.
	Ranges Ranges
	// Dist is the input distribution (default Natural).
	Dist Distribution
	// Buckets restricts Balanced generation to these edge-case classes
	// (default: every in-range class the ranges admit).
	Buckets []string
	// Oversample draws, under Natural, the given fraction of the examples
	// from each named class instead of the natural distribution, e.g.
	// {"all_ones": 0.05}.
	Oversample map[string]float64
	// Holdout leaves out inputs that appear in the built-in tasks' test
	// sets, so that in-distribution test scores measure generalization:
	// inputs with a positive argument of at least 6 bits or a tree of at
	// least 3 nodes (smaller ones are too few to hold out).
	Holdout bool
	// Unique drops repeated inputs.
	Unique bool
	// AtMost makes N a maximum: when Unique and Holdout leave fewer
	// distinct inputs than N within 4·N+64 draws, Generate returns those
	// instead of failing (a class such as all_ones has one input per
	// length).
	AtMost bool
	// Trace and Machine add the reduction trace and the abstract state
	// machine run to every example; Steps (implied by Trace) fills in
	// TraceSteps only. Traces cost more than the rest of an example.
	Trace, Machine, Steps bool
	// MaxSteps bounds traces (0 means DefaultMaxSteps).
	MaxSteps int
	// Progress, if set, is called as examples are made.
	Progress func(done, total int)
}

// Example is one generated input with its answer and description; it is
// also the JSONL schema of `fmkit recursion gen` (see the package
// documentation).
type Example struct {
	ID    int    `json:"id"`
	Split string `json:"split"`
	Func  string `json:"function"`
	// Args are the arguments in Coq's notation and in the compact one.
	Args        []string `json:"args"`
	ArgsCompact []string `json:"args_compact"`
	// Call is the function applied to the arguments, "succ (xI xH)";
	// ArgsText is what follows the name, "(xI xH)".
	Call     string `json:"call"`
	ArgsText string `json:"args_text"`
	// Target is the answer in Coq's notation and the compact one.
	Target        string `json:"target"`
	TargetCompact string `json:"target_compact"`
	// Bucket is the edge-case class the example was drawn for (for
	// natural draws, the class its features put it in).
	Bucket string   `json:"bucket"`
	Tags   []string `json:"tags"`
	Features
	// TraceSteps is the number of rewrites to normal form (with Steps or
	// Trace).
	TraceSteps int           `json:"trace_steps,omitempty"`
	Trace      []TraceStep   `json:"trace,omitempty"`
	Machine    []MachineStep `json:"machine,omitempty"`

	call   *Term
	answer *Term
}

// TraceStep is one term of a reduction trace in an Example.
type TraceStep struct {
	Rule string `json:"rule"` // "" for the first, then delta, beta or iota
	Term string `json:"term"`
}

// MachineStep is one state of an abstract state machine run.
type MachineStep struct {
	Via   string   `json:"via"`
	Mode  string   `json:"mode"` // eval or return
	Term  string   `json:"term"`
	Stack []string `json:"stack"` // outermost frame first
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	var errs []string
	env := o.Env
	if env == nil {
		env = Std()
	}
	f, err := env.lookup(o.Func)
	if err != nil {
		errs = append(errs, "Func: "+err.Error())
	}
	if o.N < 0 || o.N > 100_000_000 {
		errs = append(errs, fmt.Sprintf("N %d: expected 0 to 100000000", o.N))
	}
	r := o.Ranges.withDefaults()
	errs = append(errs, r.validate()...)
	if err == nil {
		p := profileOf(f.Func)
		for _, b := range o.Buckets {
			if _, err := findBucket(p, b); err != nil {
				errs = append(errs, "Buckets: "+strings.TrimPrefix(err.Error(), ErrOptions.Error()+": "))
			}
		}
		total := 0.0
		for _, name := range sortedNames(o.Oversample) {
			frac := o.Oversample[name]
			if _, err := findBucket(p, name); err != nil {
				errs = append(errs, "Oversample: "+strings.TrimPrefix(err.Error(), ErrOptions.Error()+": "))
			}
			if math.IsNaN(frac) || frac <= 0 || frac > 1 {
				errs = append(errs, fmt.Sprintf("Oversample %s=%v: expected a fraction in (0, 1]", name, frac))
			}
			total += frac
		}
		if total > 1 {
			errs = append(errs, fmt.Sprintf("Oversample fractions add up to %v, more than 1", total))
		}
	}
	if len(o.Oversample) > 0 && o.Dist == Balanced {
		errs = append(errs, "Oversample applies to the natural distribution, not to balanced")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrOptions, strings.Join(errs, "; "))
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Std returns the environment of the built-in functions.
func Std() *Env {
	env, err := NewEnv(Builtins()...)
	if err != nil {
		panic("recursion: built-in definitions do not check: " + err.Error())
	}
	return env
}

// source is one way of drawing inputs, with its weight.
type source struct {
	bucket *bucket // nil: the natural distribution
	weight int
}

// Generate draws examples. Example i depends only on the seed, the
// function, the split and i (and on which earlier candidates Unique and
// Holdout dropped), so generation is reproducible on every machine; the
// candidates are made on GOMAXPROCS goroutines. On cancellation it returns
// the examples made so far with ctx's error.
func Generate(ctx context.Context, o Options) ([]Example, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g, err := newGenerator(o)
	if err != nil {
		return nil, err
	}
	return g.run(ctx)
}

type generator struct {
	o       Options
	env     *Env
	fn      *function
	prof    profile
	buckets []bucket
	d       *drawer
	sources []source
	holdout map[string]bool
}

func newGenerator(o Options) (*generator, error) {
	if o.Env == nil {
		o.Env = Std()
	}
	if o.N == 0 {
		o.N = 1000
	}
	if o.Split == "" {
		o.Split = "train"
	}
	o.Ranges = o.Ranges.withDefaults()
	fn, _ := o.Env.lookup(o.Func)
	prof := profileOf(fn.Func)
	g := &generator{o: o, env: o.Env, fn: fn, prof: prof, buckets: bucketsOf(prof), d: &drawer{fn: fn.Func, r: o.Ranges}}
	if err := g.plan(); err != nil {
		return nil, err
	}
	if o.Holdout {
		g.holdout = holdoutSet(o.Func, true)
	}
	return g, nil
}

// plan chooses the sources and their weights (in millionths).
func (g *generator) plan() error {
	const whole = 1_000_000
	if g.o.Dist == Balanced {
		names := g.o.Buckets
		explicit := len(names) > 0
		if !explicit {
			for _, b := range bucketsOf(g.prof) {
				if !b.outOfRange && b.feasible(g.o.Ranges) {
					names = append(names, b.name)
				}
			}
		}
		for _, name := range names {
			b, _ := findBucket(g.prof, name)
			if explicit && !b.feasible(g.o.Ranges) {
				return fmt.Errorf("%w: class %s is empty within these ranges", ErrOptions, name)
			}
			g.sources = append(g.sources, source{&b, 1})
		}
		return nil
	}
	rest := whole
	for _, name := range sortedNames(g.o.Oversample) {
		b, _ := findBucket(g.prof, name)
		w := int(math.Round(g.o.Oversample[name] * whole))
		rest -= w
		g.sources = append(g.sources, source{&b, w})
	}
	if rest > 0 {
		g.sources = append(g.sources, source{nil, rest})
	}
	return nil
}

// candidate makes the example for candidate index i.
func (g *generator) candidate(i int) (Example, error) {
	r := streamRNG(g.o.Seed, g.o.Func, g.o.Split, i)
	weights := make([]int, len(g.sources))
	for j, s := range g.sources {
		weights[j] = s.weight
	}
	src := g.sources[r.pick(weights)]
	var args []*Term
	var err error
	switch {
	case src.bucket == nil:
		args, err = g.d.natural(r)
	case src.bucket.draw != nil:
		args, err = src.bucket.draw(g.d, r)
	default:
		args, err = g.reject(r, src.bucket)
	}
	if err != nil {
		name := "natural"
		if src.bucket != nil {
			name = src.bucket.name
		}
		return Example{}, fmt.Errorf("%s class %s: %w (widen the ranges)", g.o.Func, name, err)
	}
	ex, err := g.env.example(g.fn.Name, args, g.o.MaxSteps, g.o.Steps || g.o.Trace, g.o.Trace, g.o.Machine)
	if err != nil {
		return Example{}, err
	}
	if src.bucket != nil {
		ex.Bucket = src.bucket.name
	} else {
		ex.Bucket = classify(g.buckets, g.prof, ex.Features, g.o.Ranges)
	}
	ex.Split = g.o.Split
	return ex, nil
}

// reject draws natural inputs until one falls in b.
func (g *generator) reject(r *rng, b *bucket) ([]*Term, error) {
	for try := 0; try < maxTries; try++ {
		args, err := g.d.natural(r)
		if err != nil {
			return nil, err
		}
		ans, err := g.env.eval(F(g.fn.Name, args...), nil)
		if err != nil {
			return nil, err
		}
		if b.contains(featuresOf(args, ans), g.o.Ranges) {
			return args, nil
		}
	}
	return nil, fmt.Errorf("%w in %d draws", errDraw, maxTries)
}

// example builds the Example of fn applied to args.
func (e *Env) example(fn string, args []*Term, maxSteps int, steps, trace, machine bool) (Example, error) {
	call := F(fn, args...)
	ans, err := e.eval(call, nil) // drawn inputs are well typed
	if err != nil {
		return Example{}, err
	}
	ex := Example{Func: fn, Call: call.String(), Target: ans.String(), call: call, answer: ans}
	ex.ArgsText = strings.TrimPrefix(ex.Call, fn+" ")
	for _, a := range args {
		ex.Args = append(ex.Args, a.String())
		c, _ := Compact(a)
		ex.ArgsCompact = append(ex.ArgsCompact, c)
	}
	ex.TargetCompact, _ = Compact(ans)
	ex.Features = featuresOf(args, ans)
	ex.Tags = ex.Features.Tags()
	if steps || trace {
		steps, err := e.Trace(call, maxSteps)
		if err != nil {
			return Example{}, err
		}
		ex.TraceSteps = len(steps) - 1
		if trace {
			for _, s := range steps {
				ex.Trace = append(ex.Trace, TraceStep{Rule: s.Rule.String(), Term: s.Term.String()})
			}
		}
	}
	if machine {
		states, err := e.Machine(call, maxSteps)
		if err != nil {
			return Example{}, err
		}
		for _, s := range states {
			ms := MachineStep{Via: s.Via, Mode: "eval", Term: s.Term.String(), Stack: []string{}}
			if s.Mode == Returning {
				ms.Mode = "return"
			}
			for _, fr := range s.Stack {
				ms.Stack = append(ms.Stack, fr.String())
			}
			ex.Machine = append(ex.Machine, ms)
		}
	}
	return ex, nil
}

// run makes candidates in parallel batches and keeps them in order.
func (g *generator) run(ctx context.Context) ([]Example, error) {
	n := g.o.N
	out := make([]Example, 0, n)
	seen := map[string]bool{}
	workers := runtime.GOMAXPROCS(0)
	batch := max(64, min(4096, n/workers+1))
	next := 0
	for len(out) < n {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		// Dropped candidates are made up for by later indices; a source
		// that yields almost nothing but dropped inputs is an error.
		if g.o.AtMost && next >= 4*n+64 {
			return out, nil
		}
		if next > 20*n+10_000 {
			return out, fmt.Errorf("%w: %s: only %d distinct inputs found in %d draws (Unique/Holdout drop the rest); widen the ranges or lower N", ErrOptions, g.o.Func, len(out), next)
		}
		cands, err := g.batch(ctx, next, batch, workers)
		if err != nil {
			return out, err
		}
		next += batch
		for _, ex := range cands {
			if len(out) == n {
				break
			}
			if g.holdout != nil && (ex.Len >= holdoutBits || ex.Nodes >= holdoutNodes) && g.holdout[ex.Call] {
				continue
			}
			if g.o.Unique {
				if seen[ex.Call] {
					continue
				}
				seen[ex.Call] = true
			}
			ex.ID = len(out)
			out = append(out, ex)
		}
		if g.o.Progress != nil {
			g.o.Progress(len(out), n)
		}
	}
	return out, nil
}

// Inputs at least this large are held out of training when they appear
// in a built-in test set.
const (
	holdoutBits  = 6
	holdoutNodes = 3
)

func (g *generator) batch(ctx context.Context, start, size, workers int) ([]Example, error) {
	cands := make([]Example, size)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < size; i += workers {
				if ctx.Err() != nil {
					return
				}
				ex, err := g.candidate(start + i)
				if err != nil {
					errs[w] = err
					return
				}
				cands[i] = ex
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return cands, nil
}

// Describe returns the Example of a call of values: the answer in both
// notations, the features, tags and edge-case class (under
// DefaultRanges) and the trace length.
func (e *Env) Describe(call *Term) (Example, error) {
	if call.Kind != Call {
		return Example{}, fmt.Errorf("%w: %s is not a function call", ErrType, call)
	}
	f, err := e.lookup(call.Name)
	if err != nil {
		return Example{}, err
	}
	if _, err := e.Check(call); err != nil {
		return Example{}, err
	}
	ex, err := e.example(call.Name, call.Args, 0, true, false, false)
	if err != nil {
		return Example{}, err
	}
	prof := profileOf(f.Func)
	ex.Bucket = classify(bucketsOf(prof), prof, ex.Features, DefaultRanges())
	return ex, nil
}
