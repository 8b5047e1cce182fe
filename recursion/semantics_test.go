package recursion

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
)

// naiveTree is a test-only tree, traversed by plain Go recursion as the
// reference for the three traversal definitions.
type naiveTree struct {
	label       int
	left, right *naiveTree
}

func fromTerm(t *Term) *naiveTree {
	if t.Name == "Leaf" {
		return nil
	}
	return &naiveTree{t.Args[0].N, fromTerm(t.Args[1]), fromTerm(t.Args[2])}
}

func (n *naiveTree) order(kind string) []int {
	if n == nil {
		return nil
	}
	l, r := n.left.order(kind), n.right.order(kind)
	switch kind {
	case "preorder":
		return append(append([]int{n.label}, l...), r...)
	case "inorder":
		return append(append(l, n.label), r...)
	}
	return append(append(l, r...), n.label)
}

// TestAnswersMatchDirectComputation checks succ and add against integer
// arithmetic (every number below 2^10, and random ones of up to 200 bits)
// and the traversals against naive recursion.
func TestAnswersMatchDirectComputation(t *testing.T) {
	env := Std()
	check := func(call *Term, want *Term) {
		t.Helper()
		got, err := env.Eval(call)
		if err != nil || !Equal(got, want) {
			t.Fatalf("%s = %v (%v), want %s", call, got, err, want)
		}
	}
	one := big.NewInt(1)
	for a := uint64(1); a < 1<<10; a++ {
		check(F("succ", Pos(a)), Pos(a+1))
		for _, b := range []uint64{1, 2, 3, 7, 8, 100, 511, 1023, a, a ^ 0x155} {
			if b > 0 {
				check(F("add", Pos(a), Pos(b)), Pos(a+b))
				check(F("add_carry", Pos(a), Pos(b)), Pos(a+b+1))
			}
		}
	}
	g := streamRNG(2, "arith")
	for i := range 300 {
		x, y := randomPositive(g, 1+i%200), randomPositive(g, 1+(i*7)%200)
		bx, _ := BigOf(x)
		by, _ := BigOf(y)
		check(F("succ", x), PosBig(new(big.Int).Add(bx, one)))
		check(F("add", x, y), PosBig(new(big.Int).Add(bx, by)))
	}
	d := &drawer{r: DefaultRanges()}
	for range 500 {
		tr, err := d.randomTree(g, 0, 25, 0, 25)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"preorder", "inorder", "postorder"} {
			check(F(kind, tr), NatList(fromTerm(tr).order(kind)))
		}
	}
}

// oneStepReducts lists every term that contracting exactly one redex of t
// gives, with the rule, at any position outside fun bodies and match
// cases. It is written independently of Reduce: its own unfolding, its
// own substitution.
func oneStepReducts(t *testing.T, defs map[string]Func, term *Term) (out []*Term, rules []Rule) {
	var sub func(x *Term, name string, v *Term) *Term
	sub = func(x *Term, name string, v *Term) *Term {
		switch x.Kind {
		case Var:
			if x.Name == name {
				return v
			}
			return x
		case Lam:
			if slices.Contains(x.Params, name) {
				return x
			}
			return &Term{Kind: Lam, Params: x.Params, Body: sub(x.Body, name, v)}
		case Match:
			m := &Term{Kind: Match}
			for _, a := range x.Args {
				m.Args = append(m.Args, sub(a, name, v))
			}
			for _, c := range x.Cases {
				bound := false
				for _, p := range c.Patterns {
					bound = bound || slices.Contains(p.Vars, name)
				}
				body := c.Body
				if !bound {
					body = sub(body, name, v)
				}
				m.Cases = append(m.Cases, Case{c.Patterns, body})
			}
			return m
		}
		y := *x
		y.Args = nil
		for _, a := range x.Args {
			y.Args = append(y.Args, sub(a, name, v))
		}
		if x.Body != nil {
			y.Body = sub(x.Body, name, v)
		}
		return &y
	}
	contract := func(x *Term) (*Term, Rule) {
		switch x.Kind {
		case Call:
			f := defs[x.Name]
			var params []string
			for _, p := range f.Params {
				params = append(params, p.Name)
			}
			return &Term{Kind: App, Body: &Term{Kind: Lam, Params: params, Body: MustParse(f.Body)}, Args: x.Args}, Delta
		case App:
			lam := x.Body
			body := sub(lam.Body, lam.Params[0], x.Args[0])
			if len(lam.Params) == 1 {
				return body, Beta
			}
			return &Term{Kind: App, Body: &Term{Kind: Lam, Params: lam.Params[1:], Body: body}, Args: x.Args[1:]}, Beta
		case Match:
			for _, s := range x.Args {
				if s.Kind != Ctor {
					return nil, NoRule
				}
			}
			for _, c := range x.Cases {
				ok := true
				for i, p := range c.Patterns {
					ok = ok && (p.Ctor == "" || p.Ctor == x.Args[i].Name)
				}
				if ok {
					body := c.Body
					for i, p := range c.Patterns {
						for j, v := range p.Vars {
							if v != "_" {
								body = sub(body, v, x.Args[i].Args[j])
							}
						}
					}
					return body, Iota
				}
			}
		}
		return nil, NoRule
	}
	var walk func(x *Term, rebuild func(*Term) *Term)
	walk = func(x *Term, rebuild func(*Term) *Term) {
		if r, rule := contract(x); r != nil {
			out = append(out, rebuild(r))
			rules = append(rules, rule)
		}
		for i := range x.Args {
			walk(x.Args[i], func(r *Term) *Term {
				y := *x
				y.Args = slices.Clone(x.Args)
				y.Args[i] = r
				return rebuild(&y)
			})
		}
	}
	walk(term, func(r *Term) *Term { return r })
	return out, rules
}

// TestTraceSteps checks every trace: the first term is the call, each
// next term is one δ, β or ι rewrite of the one before (checked against an
// independent rewriter, rule included), it is the leftmost-outermost one,
// and the last term is a normal form equal to the answer.
func TestTraceSteps(t *testing.T) {
	env := Std()
	defs := map[string]Func{}
	for _, f := range Builtins() {
		defs[f.Name] = f
	}
	g := streamRNG(3, "trace")
	d := &drawer{r: DefaultRanges()}
	var calls []*Term
	for i := range 40 {
		calls = append(calls, F("succ", randomPositive(g, 1+i%14)), F("add", randomPositive(g, 1+i%9), randomPositive(g, 1+i%11)))
		tr, _ := d.randomTree(g, 0, 7, 0, 7)
		calls = append(calls, F([]string{"preorder", "inorder", "postorder"}[i%3], tr))
	}
	calls = append(calls, MustParse("succ (xI (xI (xI xH)))"), MustParse("add xH xH"))
	rulesSeen := map[Rule]int{}
	for _, call := range calls {
		steps, err := env.Trace(call, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !Equal(steps[0].Term, call) || steps[0].Rule != NoRule {
			t.Fatalf("first step of %s is %s", call, steps[0].Term)
		}
		for i := 1; i < len(steps); i++ {
			reducts, rules := oneStepReducts(t, defs, steps[i-1].Term)
			k := slices.IndexFunc(reducts, func(r *Term) bool { return Equal(r, steps[i].Term) })
			if k < 0 {
				t.Fatalf("%s, step %d: %s is not one rewrite of %s", call, i, steps[i].Term, steps[i-1].Term)
			}
			if k != 0 {
				t.Fatalf("%s, step %d: contracted redex %d, not the leftmost-outermost one", call, i, k)
			}
			if rules[k] != steps[i].Rule {
				t.Fatalf("%s, step %d: labelled %s, the rewrite is %s", call, i, steps[i].Rule, rules[k])
			}
			rulesSeen[rules[k]]++
		}
		last := steps[len(steps)-1].Term
		if r, _ := oneStepReducts(t, defs, last); len(r) != 0 || !IsValue(last) {
			t.Fatalf("%s: last term %s is not a normal form", call, last)
		}
		if ans, _ := env.Eval(call); !Equal(ans, last) {
			t.Fatalf("%s: trace ends in %s, Eval gives %s", call, last, ans)
		}
	}
	for _, r := range []Rule{Delta, Beta, Iota} {
		if rulesSeen[r] == 0 {
			t.Errorf("no %s step in any trace", r)
		}
	}
}

// unwind plugs the focus into the stack's frames, innermost first: the
// whole computation a machine state stands for.
func unwind(s State) *Term {
	t := s.Term
	for i := len(s.Stack) - 1; i >= 0; i-- {
		t = plug(s.Stack[i], t)
	}
	return t
}

// TestMachine checks abstract-state-machine runs: start with the call and
// an empty stack, end returning the answer with an empty stack, every
// frame has one hole, and every state stands for a computation of the
// same answer.
func TestMachine(t *testing.T) {
	env := Std()
	for _, s := range []string{"succ (xI (xI (xO xH)))", "add (xI (xI xH)) (xI xH)", "inorder (Node 3 (Node 1 Leaf Leaf) (Node 5 Leaf (Node 7 Leaf Leaf)))",
		"postorder (Node 2 Leaf Leaf)", "preorder Leaf"} {
		call := MustParse(s)
		want, _ := env.Eval(call)
		states, err := env.Machine(call, 0)
		if err != nil {
			t.Fatal(err)
		}
		first, last := states[0], states[len(states)-1]
		if first.Mode != Evaluating || !Equal(first.Term, call) || len(first.Stack) != 0 || first.Via != "start" {
			t.Errorf("%s: first state %s", s, first)
		}
		if last.Mode != Returning || !Equal(last.Term, want) || len(last.Stack) != 0 {
			t.Errorf("%s: last state %s, want return %s | []", s, last, want)
		}
		for i, st := range states {
			for _, fr := range st.Stack {
				if n := strings.Count(fr.String(), "_"); n != 1 {
					t.Fatalf("%s: state %d frame %s has %d holes", s, i, fr, n)
				}
			}
			if got, err := env.Eval(unwind(st)); err != nil || !Equal(got, want) {
				t.Fatalf("%s: state %d (%s) computes %v (%v), want %s", s, i, st, got, err, want)
			}
		}
	}
	st, _ := env.Machine(MustParse("succ (xI xH)"), 0)
	var lines []string
	for _, s := range st {
		lines = append(lines, s.Via+": "+s.String())
	}
	want := []string{
		"start: eval succ (xI xH) | []",
		"call: eval match xI xH with | xI p => xO (succ p) | xO p => xI p | xH => xO xH end | []",
		"match: eval xO (succ xH) | []",
		"push: eval succ xH | xO _ :: []",
		"call: eval match xH with | xI p => xO (succ p) | xO p => xI p | xH => xO xH end | xO _ :: []",
		"match: eval xO xH | xO _ :: []",
		"value: return xO xH | xO _ :: []",
		"pop: eval xO (xO xH) | []",
		"value: return xO (xO xH) | []",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("machine run of succ (xI xH):\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestDefinitions(t *testing.T) {
	if _, err := NewEnv(Builtins()...); err != nil {
		t.Fatalf("built-ins: %v", err)
	}
	double := Func{Name: "double", Params: []Param{{"x", Positive}}, Result: Positive,
		Body: "match x with | xI p => xO (xI p) | xO p => xO (xO p) | xH => xO xH end"}
	env, err := NewEnv(append(Builtins(), double)...)
	if err != nil {
		t.Fatal(err)
	}
	for n := uint64(1); n < 300; n++ {
		if got, _ := env.Apply("double", Pos(n)); !Equal(got, Pos(2*n)) {
			t.Fatalf("double %d = %s", n, got)
		}
	}
	pos := []Param{{"x", Positive}}
	for _, tc := range []struct {
		f   Func
		msg string
	}{
		{Func{Name: "loop", Params: pos, Result: Positive, Body: "loop x"}, "must be a variable bound by matching on x"},
		{Func{Name: "grow", Params: pos, Result: Positive, Body: "match x with | xI p => grow (xO x) | xO p => p | xH => xH end"}, "recursive call grow (xO x)"},
		{Func{Name: "self", Params: pos, Result: Positive, Body: "match x with | xI p => self x | _ => xH end"}, "recursive call self x"},
		{Func{Name: "part", Params: pos, Result: Positive, Body: "match x with | xI p => p | xO p => p end"}, "not exhaustive: no case for xH"},
		{Func{Name: "bad", Params: pos, Result: Positive, Body: "match x with | Leaf => x | _ => x end"}, "pattern Leaf is a tree, the scrutinee a positive"},
		{Func{Name: "bad", Params: pos, Result: Tree, Body: "x"}, "body has type positive, declared tree"},
		{Func{Name: "bad", Params: pos, Result: Positive, Body: "xO"}, "xO takes 1 arguments, got 0"},
		{Func{Name: "bad", Params: pos, Result: Positive, Body: "mystery x"}, `unknown function "mystery"`},
		{Func{Name: "bad", Params: pos, Result: Positive, Body: "y"}, "unbound variable y"},
		{Func{Name: "bad", Params: pos, Result: Positive, Body: "xO (x"}, "syntax error"},
		{Func{Name: "xO", Params: pos, Result: Positive, Body: "x"}, "a constructor or keyword cannot name a function"},
		{Func{Name: "bad", Result: Positive, Body: "xH"}, "needs at least one parameter"},
		{Func{Name: "bad", Params: []Param{{"n", Nat}}, Result: Nat, Body: "n"}, "structural parameter n is a nat"},
		{Func{Name: "succ", Params: pos, Result: Positive, Body: "x"}, "defined twice"},
	} {
		_, err := NewEnv(append(Builtins(), tc.f)...)
		if !errors.Is(err, ErrDefinition) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want a definition error containing %q", tc.f.Body, err, tc.msg)
		}
	}
	// Mutual recursion through a subterm is structural (add and
	// add_carry); through the whole argument it is not.
	even := Func{Name: "even", Params: pos, Result: Positive, Body: "match x with | xI p => odd p | xO p => odd p | xH => xH end"}
	odd := Func{Name: "odd", Params: pos, Result: Positive, Body: "even x"}
	if _, err := NewEnv(even, odd); !errors.Is(err, ErrDefinition) || !strings.Contains(err.Error(), "recursive call even x") {
		t.Errorf("non-structural mutual recursion: %v", err)
	}
	env = Std()
	for _, tc := range []struct {
		term string
		want error
	}{
		{"succ Leaf", ErrType},
		{"succ xH xH", ErrType},
		{"nope xH", ErrUnknownFunc},
		{"succ x", ErrType},
	} {
		if _, err := env.Eval(MustParse(tc.term)); !errors.Is(err, tc.want) {
			t.Errorf("Eval(%s) = %v, want %v", tc.term, err, tc.want)
		}
	}
	if _, err := env.Trace(MustParse("add (xI (xI (xI xH))) (xI xH)"), 5); !errors.Is(err, ErrStepLimit) {
		t.Errorf("Trace with a 5-step limit: %v, want ErrStepLimit", err)
	}
}
