package recursion

import (
	"context"
	"fmt"
	"math"
)

// LMLine is an example as a line of language-model training text, in the
// format the built-in tasks prompt with: "succ (xI xH) = xO (xO xH)\n".
// An evaluation prompts with everything up to " =" and expects the rest.
func LMLine(ex Example) string { return ex.Call + " = " + ex.Target + "\n" }

// LMTraceLine is a reduction step as a line of training text, in the
// format of the _trace tasks: "TERM -> NEXT\n".
func LMTraceLine(d TraceDoc) string { return d.Term + " -> " + d.Next + "\n" }

// LMOptions configure LMCorpus.
type LMOptions struct {
	// Funcs are the functions to draw examples of (default: HarnessFuncs).
	Funcs []string
	// N is the number of input-output lines per function (default 1000).
	N int
	// TraceFraction adds round(TraceFraction·N) trace-step lines per
	// function, each one random step of the reduction of an example.
	TraceFraction float64
	// Seed, Split, Ranges, Dist, Oversample and Unique are as in Options;
	// a class named in Oversample applies to the functions that have it.
	Seed       uint64
	Split      string
	Ranges     Ranges
	Dist       Distribution
	Oversample map[string]float64
	Unique     bool
	// KeepTestInputs turns off the holdout of the built-in test sets'
	// inputs (see Options.Holdout), which is on by default.
	KeepTestInputs bool
	// Progress, if set, is called after each function with the lines made
	// so far.
	Progress func(done, total int)
}

// LMCorpus returns training text for a language model: input-output lines
// (LMLine) of every function, plus trace-step lines (LMTraceLine) if asked,
// shuffled together in an order fixed by the seed.
func LMCorpus(ctx context.Context, o LMOptions) ([]string, error) {
	if len(o.Funcs) == 0 {
		o.Funcs = HarnessFuncs()
	}
	if o.N == 0 {
		o.N = 1000
	}
	if math.IsNaN(o.TraceFraction) || o.TraceFraction < 0 || o.TraceFraction > 10 {
		return nil, fmt.Errorf("%w: trace fraction %v: expected 0 to 10", ErrOptions, o.TraceFraction)
	}
	env := Std()
	for _, name := range sortedNames(o.Oversample) {
		found := false
		for _, fn := range o.Funcs {
			if f, err := env.lookup(fn); err == nil {
				_, err := findBucket(profileOf(f.Func), name)
				found = found || err == nil
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: oversampled class %q belongs to none of %v", ErrOptions, name, o.Funcs)
		}
	}
	var lines []string
	total := len(o.Funcs) * (o.N + int(math.Round(o.TraceFraction*float64(o.N))))
	for _, fn := range o.Funcs {
		f, err := env.lookup(fn)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOptions, err)
		}
		over := map[string]float64{}
		for name, frac := range o.Oversample {
			if _, err := findBucket(profileOf(f.Func), name); err == nil {
				over[name] = frac
			}
		}
		exs, err := Generate(ctx, Options{Func: fn, N: o.N, Seed: o.Seed, Split: o.Split, Ranges: o.Ranges, Dist: o.Dist,
			Oversample: over, Unique: o.Unique, Holdout: !o.KeepTestInputs})
		if err != nil {
			return nil, err
		}
		for _, ex := range exs {
			lines = append(lines, LMLine(ex))
		}
		nTrace := int(math.Round(o.TraceFraction * float64(o.N)))
		for i := 0; i < nTrace; i++ {
			ex := exs[i%len(exs)]
			d, ok, err := traceDoc(env, ex, streamRNG(o.Seed, fn, "lm-trace", i), NoRule)
			if err != nil {
				return nil, err
			}
			if ok {
				lines = append(lines, LMTraceLine(d))
			}
		}
		if o.Progress != nil {
			o.Progress(len(lines), total)
		}
	}
	order := streamRNG(o.Seed, "lm-shuffle", o.Split).perm(len(lines))
	out := make([]string, len(lines))
	for i, j := range order {
		out[i] = lines[j]
	}
	return out, nil
}
