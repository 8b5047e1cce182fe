package recursion

import (
	"errors"
	"fmt"
)

// Eval computes the value of a closed term of values and calls by running
// the definitions directly, arguments first (call by value). Every checked
// definition is total and terminates, so Eval fails only on a term that
// does not check.
func (e *Env) Eval(t *Term) (*Term, error) {
	if _, err := e.Check(t); err != nil {
		return nil, err
	}
	return e.eval(t, nil)
}

// Apply evaluates the named function on argument values.
func (e *Env) Apply(name string, args ...*Term) (*Term, error) {
	return e.Eval(F(name, args...))
}

// errStuck means a checked term failed to evaluate: a bug, not bad input.
var errStuck = errors.New("recursion: evaluation is stuck")

// binding is a variable's value; evaluation keeps them in a slice, the
// innermost last, because a body has only a handful of variables and a map
// per call would dominate the cost.
type binding struct {
	name string
	val  *Term
}

func lookupVar(vars []binding, name string) (*Term, bool) {
	for i := len(vars) - 1; i >= 0; i-- {
		if vars[i].name == name {
			return vars[i].val, true
		}
	}
	return nil, false
}

func bindingMap(b []binding) map[string]*Term {
	m := make(map[string]*Term, len(b))
	for _, x := range b {
		m[x.name] = x.val
	}
	return m
}

func (e *Env) eval(t *Term, vars []binding) (*Term, error) {
	switch t.Kind {
	case Num:
		return t, nil
	case Var:
		v, ok := lookupVar(vars, t.Name)
		if !ok {
			return nil, fmt.Errorf("%w: unbound %s", errStuck, t.Name)
		}
		return v, nil
	case Ctor, Call:
		args := make([]*Term, len(t.Args))
		for i, a := range t.Args {
			v, err := e.eval(a, vars)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		if t.Kind == Ctor {
			return &Term{Kind: Ctor, Name: t.Name, Args: args}, nil
		}
		f, err := e.lookup(t.Name)
		if err != nil {
			return nil, err
		}
		inner := make([]binding, len(f.Params))
		for i, p := range f.Params {
			inner[i] = binding{p.Name, args[i]}
		}
		return e.eval(f.body, inner)
	case Match:
		vals := make([]*Term, len(t.Args))
		for i, s := range t.Args {
			v, err := e.eval(s, vars)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		c, binds, ok := selectCase(t.Cases, vals)
		if !ok {
			return nil, fmt.Errorf("%w: no case of %s matches", errStuck, t)
		}
		return e.eval(c.Body, append(vars[:len(vars):len(vars)], binds...))
	}
	return nil, fmt.Errorf("%w: cannot evaluate %s", errStuck, t)
}

// selectCase finds the first case whose patterns match the scrutinees'
// head constructors and returns the bindings of its variables. The
// scrutinees must be headed by constructors.
func selectCase(cases []Case, scrut []*Term) (Case, []binding, bool) {
	for _, c := range cases {
		ok := true
		for i, p := range c.Patterns {
			if p.Ctor != "" && (scrut[i].Kind != Ctor || scrut[i].Name != p.Ctor) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var binds []binding
		for i, p := range c.Patterns {
			for j, v := range p.Vars {
				if v != "_" && j < len(scrut[i].Args) {
					binds = append(binds, binding{v, scrut[i].Args[j]})
				}
			}
		}
		return c, binds, true
	}
	return Case{}, nil, false
}

// subst replaces the free occurrences of the variables of sigma. The
// replacements are closed terms, so no variable can be captured; a binder
// that rebinds a name hides it from sigma below.
func subst(t *Term, sigma map[string]*Term) *Term {
	if len(sigma) == 0 {
		return t
	}
	switch t.Kind {
	case Var:
		if r, ok := sigma[t.Name]; ok {
			return r
		}
		return t
	case Num, Hole:
		return t
	case Lam:
		inner := without(sigma, t.Params)
		return &Term{Kind: Lam, Params: t.Params, Body: subst(t.Body, inner)}
	case Match:
		m := &Term{Kind: Match, Args: substAll(t.Args, sigma), Cases: make([]Case, len(t.Cases))}
		for i, c := range t.Cases {
			var bound []string
			for _, p := range c.Patterns {
				bound = append(bound, p.Vars...)
			}
			m.Cases[i] = Case{Patterns: c.Patterns, Body: subst(c.Body, without(sigma, bound))}
		}
		return m
	case App:
		return &Term{Kind: App, Body: subst(t.Body, sigma), Args: substAll(t.Args, sigma)}
	}
	return &Term{Kind: t.Kind, Name: t.Name, Args: substAll(t.Args, sigma)}
}

func substAll(ts []*Term, sigma map[string]*Term) []*Term {
	out := make([]*Term, len(ts))
	for i, a := range ts {
		out[i] = subst(a, sigma)
	}
	return out
}

func without(sigma map[string]*Term, names []string) map[string]*Term {
	hit := false
	for _, n := range names {
		if _, ok := sigma[n]; ok {
			hit = true
		}
	}
	if !hit {
		return sigma
	}
	out := make(map[string]*Term, len(sigma))
	for k, v := range sigma {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}
