package recursion

import (
	"errors"
	"fmt"
)

// Rule is a kind of rewrite step.
type Rule uint8

// The rewrites of step-wise reduction.
const (
	// NoRule marks the first step of a trace, which no rewrite produced.
	NoRule Rule = iota
	// Delta unfolds a call f a b into (fun x y => body) a b.
	Delta
	// Beta substitutes one argument: (fun x y => M) a b becomes
	// (fun y => M[x := a]) b.
	Beta
	// Iota reduces a match whose scrutinees are headed by constructors to
	// the first case that matches, its pattern variables substituted.
	Iota
)

// String returns "delta", "beta", "iota" (or "" for NoRule).
func (r Rule) String() string {
	switch r {
	case Delta:
		return "delta"
	case Beta:
		return "beta"
	case Iota:
		return "iota"
	}
	return ""
}

// Symbol returns δ, β or ι.
func (r Rule) Symbol() string {
	switch r {
	case Delta:
		return "δ"
	case Beta:
		return "β"
	case Iota:
		return "ι"
	}
	return ""
}

// Step is one term of a reduction trace and the rewrite that produced it.
type Step struct {
	Term *Term
	Rule Rule
}

// ErrStepLimit is returned when a trace needs more steps than allowed.
var ErrStepLimit = errors.New("recursion: step limit reached")

// DefaultMaxSteps bounds traces when no limit is given.
const DefaultMaxSteps = 1 << 20

// Reduce performs one step of reduction on t: it contracts the leftmost
// outermost redex that is not under a fun or inside a match case (weak
// call-by-name reduction, which is what Coq's lazy strategy does on these
// first-order programs). It reports false when t is in normal form.
//
// Recursive calls in a definition refer to the function by name, so δ
// unfolds one call at a time and no fixpoint unrolling step is needed; a
// match on several scrutinees is one ι step once each scrutinee is headed
// by a constructor.
func (e *Env) Reduce(t *Term) (*Term, Rule, bool, error) {
	return e.step(t)
}

func (e *Env) step(t *Term) (*Term, Rule, bool, error) {
	switch t.Kind {
	case Call:
		f, err := e.lookup(t.Name)
		if err != nil {
			return nil, NoRule, false, err
		}
		if len(t.Args) != len(f.Params) {
			return nil, NoRule, false, fmt.Errorf("%w: %s takes %d arguments, got %d", ErrType, t.Name, len(f.Params), len(t.Args))
		}
		return &Term{Kind: App, Body: f.lam, Args: t.Args}, Delta, true, nil
	case App:
		return beta(t)
	case Match:
		headed := true
		for _, s := range t.Args {
			if s.Kind != Ctor {
				headed = false
			}
		}
		if headed {
			c, binds, ok := selectCase(t.Cases, t.Args)
			if !ok {
				return nil, NoRule, false, fmt.Errorf("%w: no case of %s matches", ErrType, t)
			}
			return subst(c.Body, bindingMap(binds)), Iota, true, nil
		}
		return e.stepArgs(t)
	case Ctor:
		return e.stepArgs(t)
	}
	return t, NoRule, false, nil
}

// stepArgs reduces inside the first argument (or scrutinee) that can step.
func (e *Env) stepArgs(t *Term) (*Term, Rule, bool, error) {
	for i, a := range t.Args {
		r, rule, ok, err := e.step(a)
		if err != nil || ok {
			if err != nil {
				return nil, NoRule, false, err
			}
			out := *t
			out.Args = append([]*Term(nil), t.Args...)
			out.Args[i] = r
			return &out, rule, true, nil
		}
	}
	return t, NoRule, false, nil
}

func beta(t *Term) (*Term, Rule, bool, error) {
	lam := t.Body
	if lam.Kind != Lam || len(t.Args) == 0 || len(lam.Params) == 0 {
		return nil, NoRule, false, fmt.Errorf("%w: %s is not a function applied to arguments", ErrType, t)
	}
	body := subst(lam.Body, map[string]*Term{lam.Params[0]: t.Args[0]})
	rest := t.Args[1:]
	switch {
	case len(lam.Params) > 1 && len(rest) > 0:
		return &Term{Kind: App, Body: &Term{Kind: Lam, Params: lam.Params[1:], Body: body}, Args: rest}, Beta, true, nil
	case len(lam.Params) > 1:
		return &Term{Kind: Lam, Params: lam.Params[1:], Body: body}, Beta, true, nil
	case len(rest) > 0:
		return nil, NoRule, false, fmt.Errorf("%w: %s applies a function to too many arguments", ErrType, t)
	}
	return body, Beta, true, nil
}

// Trace reduces t step by step to its normal form: the first Step is t
// itself, each later one exactly one δ, β or ι rewrite of the one before,
// and the last the normal form, which for a checked term equals Eval's
// value. maxSteps bounds the number of rewrites (0 means DefaultMaxSteps).
func (e *Env) Trace(t *Term, maxSteps int) ([]Step, error) {
	if _, err := e.Check(t); err != nil {
		return nil, err
	}
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	steps := []Step{{Term: t}}
	for cur := t; ; {
		next, rule, ok, err := e.step(cur)
		if err != nil {
			return steps, err
		}
		if !ok {
			return steps, nil
		}
		if len(steps) > maxSteps {
			return steps, fmt.Errorf("%w: more than %d rewrites reducing %s", ErrStepLimit, maxSteps, t)
		}
		steps = append(steps, Step{Term: next, Rule: rule})
		cur = next
	}
}
