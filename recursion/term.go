package recursion

import (
	"strconv"
	"strings"
)

// Kind says what a Term is.
type Kind uint8

// The kinds of terms.
const (
	// Ctor is a constructor applied to its arguments: xH, xO p, Node 3 l r.
	Ctor Kind = iota
	// Num is a natural-number literal (a tree or list label).
	Num
	// Var is a variable bound by fun or by a match pattern.
	Var
	// Call is a defined function applied to its arguments: succ p.
	Call
	// Lam is fun x y => Body.
	Lam
	// App is a fun applied to arguments: (fun x => Body) a.
	App
	// Match is match a, b with | p, q => body | ... end.
	Match
	// Hole is the "_" of an abstract-state-machine stack frame.
	Hole
)

// Term is a term of the small functional language of this package: data
// built from constructors, calls of defined functions, and the fun, match
// and application forms that δ-unfolding exposes. Terms are immutable:
// every operation builds new nodes and may share subterms.
type Term struct {
	Kind Kind
	// Name is the constructor, variable or function name.
	Name string
	// N is the value of a Num.
	N int
	// Args are a Ctor's, Call's or App's arguments, or a Match's
	// scrutinees.
	Args []*Term
	// Params are a Lam's parameters.
	Params []string
	// Body is a Lam's body, or an App's head (a Lam).
	Body *Term
	// Cases are a Match's branches, tried in order.
	Cases []Case
}

// Case is one branch of a match: one pattern per scrutinee, and the body.
type Case struct {
	Patterns []Pattern
	Body     *Term
}

// Pattern is a constructor with a variable for each of its arguments, or
// the wildcard "_" (Ctor empty). Variables named "_" bind nothing.
type Pattern struct {
	Ctor string
	Vars []string
}

// C builds a constructor term.
func C(name string, args ...*Term) *Term { return &Term{Kind: Ctor, Name: name, Args: args} }

// N builds a number literal.
func N(n int) *Term { return &Term{Kind: Num, N: n} }

// V builds a variable.
func V(name string) *Term { return &Term{Kind: Var, Name: name} }

// F builds a call of a defined function.
func F(name string, args ...*Term) *Term { return &Term{Kind: Call, Name: name, Args: args} }

// Equal reports whether two terms are the same syntax tree.
func Equal(a, b *Term) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind || a.Name != b.Name || a.N != b.N ||
		len(a.Args) != len(b.Args) || len(a.Params) != len(b.Params) || len(a.Cases) != len(b.Cases) {
		return false
	}
	for i := range a.Args {
		if !Equal(a.Args[i], b.Args[i]) {
			return false
		}
	}
	for i := range a.Params {
		if a.Params[i] != b.Params[i] {
			return false
		}
	}
	if (a.Body == nil) != (b.Body == nil) || (a.Body != nil && !Equal(a.Body, b.Body)) {
		return false
	}
	for i := range a.Cases {
		ca, cb := a.Cases[i], b.Cases[i]
		if len(ca.Patterns) != len(cb.Patterns) || !Equal(ca.Body, cb.Body) {
			return false
		}
		for j := range ca.Patterns {
			pa, pb := ca.Patterns[j], cb.Patterns[j]
			if pa.Ctor != pb.Ctor || strings.Join(pa.Vars, " ") != strings.Join(pb.Vars, " ") {
				return false
			}
		}
	}
	return true
}

// IsValue reports whether t is data: constructors and numbers only.
func IsValue(t *Term) bool {
	switch t.Kind {
	case Num:
		return true
	case Ctor:
		for _, a := range t.Args {
			if !IsValue(a) {
				return false
			}
		}
		return true
	}
	return false
}

// Size is the number of constructors and numbers in t (and of every other
// node for non-values).
func Size(t *Term) int {
	n := 1
	for _, a := range t.Args {
		n += Size(a)
	}
	if t.Body != nil {
		n += Size(t.Body)
	}
	for _, c := range t.Cases {
		n += Size(c.Body)
	}
	return n
}

// String prints t in Coq's notation: prefix constructors and calls with
// parenthesized compound arguments, fun x => body, match a, b with | p => e
// | ... end. Parse reads it back to an Equal term.
func (t *Term) String() string {
	var b strings.Builder
	writeTerm(&b, t)
	return b.String()
}

// writeTerm prints t where any term may stand: the top level, a fun or
// case body.
func writeTerm(b *strings.Builder, t *Term) {
	switch t.Kind {
	case Lam:
		b.WriteString("fun")
		for _, p := range t.Params {
			b.WriteByte(' ')
			b.WriteString(p)
		}
		b.WriteString(" => ")
		writeTerm(b, t.Body)
	case Match:
		b.WriteString("match ")
		for i, s := range t.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			// A fun or match scrutinee would swallow the rest.
			if s.Kind == Lam || s.Kind == Match {
				writeParen(b, s)
			} else {
				writeTerm(b, s)
			}
		}
		b.WriteString(" with")
		for _, c := range t.Cases {
			b.WriteString(" |")
			for i, p := range c.Patterns {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte(' ')
				writePattern(b, p)
			}
			b.WriteString(" => ")
			writeTerm(b, c.Body)
		}
		b.WriteString(" end")
	case App:
		writeParen(b, t.Body)
		writeArgs(b, t.Args)
	case Ctor, Call:
		b.WriteString(t.Name)
		writeArgs(b, t.Args)
	default:
		writeAtom(b, t)
	}
}

func writeArgs(b *strings.Builder, args []*Term) {
	for _, a := range args {
		b.WriteByte(' ')
		if isAtom(a) {
			writeAtom(b, a)
		} else {
			writeParen(b, a)
		}
	}
}

func writeParen(b *strings.Builder, t *Term) {
	b.WriteByte('(')
	writeTerm(b, t)
	b.WriteByte(')')
}

func isAtom(t *Term) bool {
	switch t.Kind {
	case Num, Var, Hole:
		return true
	case Ctor, Call:
		return len(t.Args) == 0
	}
	return false
}

func writeAtom(b *strings.Builder, t *Term) {
	switch t.Kind {
	case Num:
		b.WriteString(strconv.Itoa(t.N))
	case Hole:
		b.WriteByte('_')
	default:
		b.WriteString(t.Name)
	}
}

func writePattern(b *strings.Builder, p Pattern) {
	if p.Ctor == "" {
		b.WriteByte('_')
		return
	}
	b.WriteString(p.Ctor)
	for _, v := range p.Vars {
		b.WriteByte(' ')
		b.WriteString(v)
	}
}
