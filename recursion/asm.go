package recursion

import (
	"fmt"
	"strings"
)

// Mode says whether a machine state evaluates a term or returns a value.
type Mode uint8

// The two modes of the abstract state machine.
const (
	Evaluating Mode = iota
	Returning
)

// State is one configuration of the abstract state machine: the term in
// focus (being evaluated, or the value being returned) and the stack of
// pending frames. A frame is a term with one Hole, where the value of the
// subterm being evaluated will go.
type State struct {
	Mode Mode
	Term *Term
	// Stack holds the frames, the outermost first and the top last.
	Stack []*Term
	// Via names the transition that led here: "start", "push" (descend
	// into the first argument or scrutinee that is not a value), "call"
	// (replace a call whose arguments are values by the function's body,
	// parameters substituted), "match" (select the case of a match on
	// values), "value" (a term that is a value is returned) or "pop"
	// (plug a returned value into the top frame).
	Via string
}

// String prints the state as "eval T | F1 :: F2 :: []" (or "return V | ..."),
// the stack from its top down.
func (s State) String() string {
	var b strings.Builder
	if s.Mode == Evaluating {
		b.WriteString("eval ")
	} else {
		b.WriteString("return ")
	}
	b.WriteString(s.Term.String())
	b.WriteString(" | ")
	for i := len(s.Stack) - 1; i >= 0; i-- {
		b.WriteString(s.Stack[i].String())
		b.WriteString(" :: ")
	}
	b.WriteString("[]")
	return b.String()
}

// Machine runs a closed term on the abstract state machine: a stack
// machine that evaluates arguments first, keeping the pending work of
// every recursive call as an explicit frame. The first state evaluates t
// with an empty stack; each later one is one transition of the machine;
// the last returns t's value with an empty stack. maxSteps bounds the
// number of transitions (0 means DefaultMaxSteps).
func (e *Env) Machine(t *Term, maxSteps int) ([]State, error) {
	if _, err := e.Check(t); err != nil {
		return nil, err
	}
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	states := []State{{Mode: Evaluating, Term: t, Via: "start"}}
	for {
		cur := states[len(states)-1]
		if cur.Mode == Returning && len(cur.Stack) == 0 {
			return states, nil
		}
		if len(states) > maxSteps {
			return states, fmt.Errorf("%w: more than %d transitions running %s", ErrStepLimit, maxSteps, t)
		}
		next, err := e.transition(cur)
		if err != nil {
			return states, err
		}
		states = append(states, next)
	}
}

func (e *Env) transition(s State) (State, error) {
	if s.Mode == Returning {
		top := s.Stack[len(s.Stack)-1]
		return State{Mode: Evaluating, Term: plug(top, s.Term), Stack: s.Stack[: len(s.Stack)-1 : len(s.Stack)-1], Via: "pop"}, nil
	}
	t := s.Term
	if IsValue(t) {
		return State{Mode: Returning, Term: t, Stack: s.Stack, Via: "value"}, nil
	}
	switch t.Kind {
	case Ctor, Call, Match:
		for i, a := range t.Args {
			if !IsValue(a) {
				frame := *t
				frame.Args = append([]*Term(nil), t.Args...)
				frame.Args[i] = &Term{Kind: Hole}
				stack := append(append([]*Term(nil), s.Stack...), &frame)
				return State{Mode: Evaluating, Term: a, Stack: stack, Via: "push"}, nil
			}
		}
	}
	switch t.Kind {
	case Call:
		f, err := e.lookup(t.Name)
		if err != nil {
			return State{}, err
		}
		sigma := make(map[string]*Term, len(f.Params))
		for i, p := range f.Params {
			sigma[p.Name] = t.Args[i]
		}
		return State{Mode: Evaluating, Term: subst(f.body, sigma), Stack: s.Stack, Via: "call"}, nil
	case Match:
		c, binds, ok := selectCase(t.Cases, t.Args)
		if !ok {
			return State{}, fmt.Errorf("%w: no case of %s matches", errStuck, t)
		}
		return State{Mode: Evaluating, Term: subst(c.Body, bindingMap(binds)), Stack: s.Stack, Via: "match"}, nil
	}
	return State{}, fmt.Errorf("%w: the machine cannot evaluate %s", errStuck, t)
}

// plug returns frame with its hole replaced by v.
func plug(frame, v *Term) *Term {
	out := *frame
	out.Args = append([]*Term(nil), frame.Args...)
	for i, a := range out.Args {
		if a.Kind == Hole {
			out.Args[i] = v
			return &out
		}
	}
	return &out
}
