package recursion

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Param is a function parameter.
type Param struct {
	Name string
	Type Type
}

// Func defines a structurally recursive function, as Coq's Fixpoint does:
// parameters with their types, a result type, and a body in the notation
// Parse reads. The body calls functions by name, itself included; every
// recursive call (to the function or to one defined mutually with it) must
// pass, as the structural argument, a variable that a match on the
// structural parameter bound, so that every call terminates.
//
// A new structural function is a Func value given to NewEnv with the
// built-in ones:
//
//	double := recursion.Func{
//		Name:   "double",
//		Params: []recursion.Param{{Name: "x", Type: recursion.Positive}},
//		Result: recursion.Positive,
//		Body:   "match x with | xI p => xO (xI p) | xO p => xO (xO p) | xH => xO xH end",
//	}
//	env, err := recursion.NewEnv(append(recursion.Builtins(), double)...)
//
// Evaluation, reduction and state-machine traces, dataset generation and
// the CLI then work for it as for the built-in functions.
type Func struct {
	Name   string
	Params []Param
	Result Type
	Body   string
	// Struct is the index of the structural (decreasing) parameter; the
	// default is the first.
	Struct int
}

// Signature prints the function's Coq header, e.g.
// "add (x : positive) (y : positive) : positive".
func (f Func) Signature() string {
	var b strings.Builder
	b.WriteString(f.Name)
	for _, p := range f.Params {
		fmt.Fprintf(&b, " (%s : %s)", p.Name, p.Type)
	}
	fmt.Fprintf(&b, " : %s", f.Result)
	return b.String()
}

// Builtins returns the definitions of the built-in functions: Coq's
// successor and addition on positive (Pos.succ, Pos.add and its mutual
// helper Pos.add_carry), list append, and the pre-, in- and post-order
// traversals of labelled trees.
func Builtins() []Func {
	pos := func(names ...string) []Param {
		var ps []Param
		for _, n := range names {
			ps = append(ps, Param{n, Positive})
		}
		return ps
	}
	tree := []Param{{"t", Tree}}
	return []Func{
		{Name: "succ", Params: pos("x"), Result: Positive, Body: `match x with
			| xI p => xO (succ p)
			| xO p => xI p
			| xH => xO xH
			end`},
		{Name: "add", Params: pos("x", "y"), Result: Positive, Body: `match x, y with
			| xI p, xI q => xO (add_carry p q)
			| xI p, xO q => xI (add p q)
			| xI p, xH => xO (succ p)
			| xO p, xI q => xI (add p q)
			| xO p, xO q => xO (add p q)
			| xO p, xH => xI p
			| xH, xI q => xO (succ q)
			| xH, xO q => xI q
			| xH, xH => xO xH
			end`},
		{Name: "add_carry", Params: pos("x", "y"), Result: Positive, Body: `match x, y with
			| xI p, xI q => xI (add_carry p q)
			| xI p, xO q => xO (add_carry p q)
			| xI p, xH => xI (succ p)
			| xO p, xI q => xO (add_carry p q)
			| xO p, xO q => xI (add p q)
			| xO p, xH => xO (succ p)
			| xH, xI q => xI (succ q)
			| xH, xO q => xO (succ q)
			| xH, xH => xI xH
			end`},
		{Name: "app", Params: []Param{{"l", List}, {"m", List}}, Result: List, Body: `match l with
			| nil => m
			| cons h t => cons h (app t m)
			end`},
		{Name: "preorder", Params: tree, Result: List, Body: `match t with
			| Leaf => nil
			| Node v l r => cons v (app (preorder l) (preorder r))
			end`},
		{Name: "inorder", Params: tree, Result: List, Body: `match t with
			| Leaf => nil
			| Node v l r => app (inorder l) (cons v (inorder r))
			end`},
		{Name: "postorder", Params: tree, Result: List, Body: `match t with
			| Leaf => nil
			| Node v l r => app (postorder l) (app (postorder r) (cons v nil))
			end`},
	}
}

// ErrDefinition is wrapped by every error in a function definition.
var ErrDefinition = errors.New("recursion: bad definition")

// DefinitionError is a function definition that does not parse, is ill
// typed, does not cover every case, or is not structurally recursive.
type DefinitionError struct {
	Func string
	Msg  string
}

func (e *DefinitionError) Error() string {
	return fmt.Sprintf("recursion: function %s: %s", e.Func, e.Msg)
}

// Unwrap makes errors.Is(err, ErrDefinition) hold.
func (e *DefinitionError) Unwrap() error { return ErrDefinition }

// Env is a set of checked function definitions. It is immutable and safe
// for concurrent use.
type Env struct {
	funcs map[string]*function
	names []string
}

type function struct {
	Func
	body *Term
	// lam is what a δ step unfolds a call into: fun params => body.
	lam *Term
}

// NewEnv checks the definitions and returns an environment holding them.
// Definitions may refer to each other in any order.
func NewEnv(defs ...Func) (*Env, error) {
	env := &Env{funcs: map[string]*function{}}
	for _, d := range defs {
		if err := checkHeader(d); err != nil {
			return nil, err
		}
		if _, dup := env.funcs[d.Name]; dup {
			return nil, &DefinitionError{d.Name, "defined twice"}
		}
		body, err := Parse(d.Body)
		if err != nil {
			return nil, &DefinitionError{d.Name, "body: " + err.Error()}
		}
		params := make([]string, len(d.Params))
		for i, p := range d.Params {
			params[i] = p.Name
		}
		env.funcs[d.Name] = &function{Func: d, body: body, lam: &Term{Kind: Lam, Params: params, Body: body}}
		env.names = append(env.names, d.Name)
	}
	sort.Strings(env.names)
	for _, name := range env.names {
		f := env.funcs[name]
		scope := map[string]Type{}
		for _, p := range f.Params {
			scope[p.Name] = p.Type
		}
		t, err := env.typeOf(f.body, scope)
		if err != nil {
			return nil, &DefinitionError{name, err.Error()}
		}
		if t != f.Result {
			return nil, &DefinitionError{name, fmt.Sprintf("body has type %s, declared %s", t, f.Result)}
		}
	}
	if err := env.checkGuards(); err != nil {
		return nil, err
	}
	return env, nil
}

func checkHeader(d Func) error {
	if !isName(d.Name) {
		return &DefinitionError{d.Name, "name: expected a letter or _ followed by letters, digits, _ or '"}
	}
	if _, isCtor := constructor(d.Name); isCtor || isKeyword(d.Name) {
		return &DefinitionError{d.Name, "name: a constructor or keyword cannot name a function"}
	}
	if len(d.Params) == 0 {
		return &DefinitionError{d.Name, "needs at least one parameter"}
	}
	seen := map[string]bool{}
	for _, p := range d.Params {
		if !isName(p.Name) || p.Name == "_" || isKeyword(p.Name) || seen[p.Name] {
			return &DefinitionError{d.Name, fmt.Sprintf("parameter %q: expected a fresh variable name", p.Name)}
		}
		if _, isCtor := constructor(p.Name); isCtor {
			return &DefinitionError{d.Name, fmt.Sprintf("parameter %q is a constructor name", p.Name)}
		}
		if p.Type < Positive || p.Type > Nat {
			return &DefinitionError{d.Name, fmt.Sprintf("parameter %s has no type", p.Name)}
		}
		seen[p.Name] = true
	}
	if d.Result < Positive || d.Result > Nat {
		return &DefinitionError{d.Name, "no result type"}
	}
	if d.Struct < 0 || d.Struct >= len(d.Params) {
		return &DefinitionError{d.Name, fmt.Sprintf("Struct %d: the function has %d parameters", d.Struct, len(d.Params))}
	}
	if len(constructorsOf(d.Params[d.Struct].Type)) == 0 {
		return &DefinitionError{d.Name, fmt.Sprintf("structural parameter %s is a %s, which has no constructors", d.Params[d.Struct].Name, d.Params[d.Struct].Type)}
	}
	return nil
}

func isName(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func isKeyword(s string) bool {
	return s == "fun" || s == "match" || s == "with" || s == "end"
}

// Names returns the defined function names, sorted.
func (e *Env) Names() []string { return append([]string(nil), e.names...) }

// Func returns the definition of name.
func (e *Env) Func(name string) (Func, bool) {
	f, ok := e.funcs[name]
	if !ok {
		return Func{}, false
	}
	return f.Func, true
}

// ErrUnknownFunc is returned for a call of a function the Env lacks.
var ErrUnknownFunc = errors.New("recursion: unknown function")

func (e *Env) lookup(name string) (*function, error) {
	f, ok := e.funcs[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (defined: %s)", ErrUnknownFunc, name, strings.Join(e.names, ", "))
	}
	return f, nil
}

// Check returns the type of a closed term built from values and calls (a
// function applied to arguments), or an error wrapping ErrType or
// ErrUnknownFunc.
func (e *Env) Check(t *Term) (Type, error) { return e.typeOf(t, nil) }

// typeOf infers the type of a body term under scope (variable types).
func (e *Env) typeOf(t *Term, scope map[string]Type) (Type, error) {
	switch t.Kind {
	case Num:
		if t.N < 0 {
			return NoType, fmt.Errorf("%w: negative number", ErrType)
		}
		return Nat, nil
	case Var:
		ty, ok := scope[t.Name]
		if !ok {
			return NoType, fmt.Errorf("%w: unbound variable %s", ErrType, t.Name)
		}
		return ty, nil
	case Ctor:
		sig, ok := constructor(t.Name)
		if !ok {
			return NoType, fmt.Errorf("%w: unknown constructor %s", ErrType, t.Name)
		}
		return sig.result, e.checkArgs(t, sig.args, scope)
	case Call:
		f, err := e.lookup(t.Name)
		if err != nil {
			return NoType, err
		}
		types := make([]Type, len(f.Params))
		for i, p := range f.Params {
			types[i] = p.Type
		}
		return f.Result, e.checkArgs(t, types, scope)
	case Match:
		return e.matchType(t, scope)
	}
	return NoType, fmt.Errorf("%w: %s: fun, application and holes cannot appear here", ErrType, t)
}

func (e *Env) checkArgs(t *Term, want []Type, scope map[string]Type) error {
	if len(t.Args) != len(want) {
		return fmt.Errorf("%w: %s takes %d arguments, got %d in %s", ErrType, t.Name, len(want), len(t.Args), t)
	}
	for i, a := range t.Args {
		at, err := e.typeOf(a, scope)
		if err != nil {
			return err
		}
		if at != want[i] {
			return fmt.Errorf("%w: argument %d of %s is a %s, expected a %s, in %s", ErrType, i+1, t.Name, at, want[i], t)
		}
	}
	return nil
}

func (e *Env) matchType(m *Term, scope map[string]Type) (Type, error) {
	stypes := make([]Type, len(m.Args))
	for i, s := range m.Args {
		st, err := e.typeOf(s, scope)
		if err != nil {
			return NoType, err
		}
		if len(constructorsOf(st)) == 0 {
			return NoType, fmt.Errorf("%w: cannot match on a %s", ErrType, st)
		}
		stypes[i] = st
	}
	result := NoType
	for ci, c := range m.Cases {
		inner := make(map[string]Type, len(scope)+4)
		for k, v := range scope {
			inner[k] = v
		}
		bound := map[string]bool{}
		for i, p := range c.Patterns {
			if p.Ctor == "" {
				continue
			}
			sig, _ := constructor(p.Ctor)
			if sig.result != stypes[i] {
				return NoType, fmt.Errorf("%w: case %d: pattern %s is a %s, the scrutinee a %s", ErrType, ci+1, p.Ctor, sig.result, stypes[i])
			}
			if len(p.Vars) != len(sig.args) {
				return NoType, fmt.Errorf("%w: case %d: pattern %s needs %d variables, has %d", ErrType, ci+1, p.Ctor, len(sig.args), len(p.Vars))
			}
			for j, v := range p.Vars {
				if v == "_" {
					continue
				}
				if bound[v] {
					return NoType, fmt.Errorf("%w: case %d binds %s twice", ErrType, ci+1, v)
				}
				bound[v] = true
				inner[v] = sig.args[j]
			}
		}
		bt, err := e.typeOf(c.Body, inner)
		if err != nil {
			return NoType, err
		}
		if result != NoType && bt != result {
			return NoType, fmt.Errorf("%w: case %d has type %s, earlier cases %s", ErrType, ci+1, bt, result)
		}
		result = bt
	}
	if missing := uncovered(stypes, m.Cases); missing != "" {
		return NoType, fmt.Errorf("%w: match is not exhaustive: no case for %s", ErrType, missing)
	}
	return result, nil
}

// uncovered returns the first combination of constructors no case
// matches, or "".
func uncovered(types []Type, cases []Case) string {
	combo := make([]string, len(types))
	var walk func(i int) string
	walk = func(i int) string {
		if i == len(types) {
			for _, c := range cases {
				if matchesCtors(c.Patterns, combo) {
					return ""
				}
			}
			return strings.Join(combo, ", ")
		}
		for _, name := range constructorsOf(types[i]) {
			combo[i] = name
			if s := walk(i + 1); s != "" {
				return s
			}
		}
		return ""
	}
	return walk(0)
}

func matchesCtors(pats []Pattern, ctors []string) bool {
	for i, p := range pats {
		if p.Ctor != "" && p.Ctor != ctors[i] {
			return false
		}
	}
	return true
}

// checkGuards checks structural recursion: a call to a function of the
// caller's own recursive group passes, at the callee's structural
// position, a strict subterm of the caller's structural parameter.
func (e *Env) checkGuards() error {
	calls := map[string]map[string]bool{}
	for name, f := range e.funcs {
		calls[name] = map[string]bool{}
		collectCalls(f.body, calls[name])
	}
	reaches := func(from, to string) bool {
		seen := map[string]bool{}
		stack := []string{from}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for c := range calls[n] {
				if c == to {
					return true
				}
				if !seen[c] {
					seen[c] = true
					stack = append(stack, c)
				}
			}
		}
		return false
	}
	for _, name := range e.names {
		f := e.funcs[name]
		sameGroup := func(callee string) bool { return reaches(name, callee) && reaches(callee, name) }
		g := guard{env: e, structParam: f.Params[f.Struct].Name, sameGroup: sameGroup}
		if err := g.check(f.body, map[string]int{g.structParam: isParam}); err != nil {
			return &DefinitionError{name, err.Error()}
		}
	}
	return nil
}

func collectCalls(t *Term, into map[string]bool) {
	if t.Kind == Call {
		into[t.Name] = true
	}
	for _, a := range t.Args {
		collectCalls(a, into)
	}
	if t.Body != nil {
		collectCalls(t.Body, into)
	}
	for _, c := range t.Cases {
		collectCalls(c.Body, into)
	}
}

type guard struct {
	env         *Env
	structParam string
	sameGroup   func(string) bool
}

// Levels of a variable in a guard check: the structural parameter itself,
// and a strict subterm of it (what a match on either binds).
const (
	isParam   = 1
	isSubterm = 2
)

// check walks a body; level says which variables are the structural
// parameter or strict subterms of it.
func (g guard) check(t *Term, level map[string]int) error {
	switch t.Kind {
	case Call:
		if g.sameGroup(t.Name) {
			callee := g.env.funcs[t.Name]
			a := t.Args[callee.Struct]
			if a.Kind != Var || level[a.Name] != isSubterm {
				return fmt.Errorf("recursive call %s: its argument %s must be a variable bound by matching on %s, so that the recursion is structural", t, a, g.structParam)
			}
		}
	case Match:
		for _, c := range t.Cases {
			inner := copyLevels(level)
			for i, p := range c.Patterns {
				s := t.Args[i]
				fromStruct := s.Kind == Var && level[s.Name] > 0
				for _, v := range p.Vars {
					if fromStruct {
						inner[v] = isSubterm
					} else {
						delete(inner, v) // a pattern variable shadows
					}
				}
			}
			if err := g.check(c.Body, inner); err != nil {
				return err
			}
		}
	}
	for _, a := range t.Args {
		if err := g.check(a, level); err != nil {
			return err
		}
	}
	return nil
}

func copyLevels(s map[string]int) map[string]int {
	out := make(map[string]int, len(s)+4)
	for k, v := range s {
		out[k] = v
	}
	return out
}
