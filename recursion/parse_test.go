package recursion

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAndPrint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *Term
		out  string // canonical form, when it differs from in
	}{
		{in: "xH", want: C("xH")},
		{in: "xI (xO xH)", want: C("xI", C("xO", C("xH")))},
		{in: "  xI(xO  xH) ", want: C("xI", C("xO", C("xH"))), out: "xI (xO xH)"},
		{in: "((xI ((xH))))", want: C("xI", C("xH")), out: "xI xH"},
		{in: "succ (xI xH)", want: F("succ", C("xI", C("xH")))},
		{in: "add xH (xO xH)", want: F("add", C("xH"), C("xO", C("xH")))},
		{in: "Node 3 (Node 10 Leaf Leaf) Leaf", want: C("Node", N(3), C("Node", N(10), C("Leaf"), C("Leaf")), C("Leaf"))},
		{in: "cons 3 (cons 1 nil)", want: NatList([]int{3, 1})},
		{in: "x", want: V("x")},
		{in: "xO _", want: C("xO", &Term{Kind: Hole})},
		{in: "fun x y => add x y", want: &Term{Kind: Lam, Params: []string{"x", "y"}, Body: F("add", V("x"), V("y"))}},
		{in: "(fun x => xO x) xH", want: &Term{Kind: App, Body: &Term{Kind: Lam, Params: []string{"x"}, Body: C("xO", V("x"))}, Args: []*Term{C("xH")}}},
		{in: "match x with | xI p => xO (succ p) | xO p => xI p | xH => xO xH end", want: &Term{Kind: Match, Args: []*Term{V("x")}, Cases: []Case{
			{Patterns: []Pattern{{Ctor: "xI", Vars: []string{"p"}}}, Body: C("xO", F("succ", V("p")))},
			{Patterns: []Pattern{{Ctor: "xO", Vars: []string{"p"}}}, Body: C("xI", V("p"))},
			{Patterns: []Pattern{{Ctor: "xH"}}, Body: C("xO", C("xH"))},
		}}},
		{in: "match x, y with | xI p, _ => p | _, _ => y end", want: &Term{Kind: Match, Args: []*Term{V("x"), V("y")}, Cases: []Case{
			{Patterns: []Pattern{{Ctor: "xI", Vars: []string{"p"}}, {}}, Body: V("p")},
			{Patterns: []Pattern{{}, {}}, Body: V("y")},
		}}},
		{in: "match (match x with | xH => xH | xO p => p | xI p => p end) with | xH => nil | xO _ => nil | xI _ => nil end",
			want: &Term{Kind: Match, Args: []*Term{{Kind: Match, Args: []*Term{V("x")}, Cases: []Case{
				{Patterns: []Pattern{{Ctor: "xH"}}, Body: C("xH")},
				{Patterns: []Pattern{{Ctor: "xO", Vars: []string{"p"}}}, Body: V("p")},
				{Patterns: []Pattern{{Ctor: "xI", Vars: []string{"p"}}}, Body: V("p")},
			}}}, Cases: []Case{
				{Patterns: []Pattern{{Ctor: "xH"}}, Body: C("nil")},
				{Patterns: []Pattern{{Ctor: "xO", Vars: []string{"_"}}}, Body: C("nil")},
				{Patterns: []Pattern{{Ctor: "xI", Vars: []string{"_"}}}, Body: C("nil")},
			}}},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !Equal(got, tc.want) {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
		out := tc.out
		if out == "" {
			out = tc.in
		}
		if s := got.String(); s != out {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, s, out)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		column int
		msg    string
	}{
		{"", 1, "expected a term, got the end of the input"},
		{"xI (xO xH", 10, `expected ")"`},
		{"xI xH)", 6, "expected the end of the term"},
		{"xI $", 4, "unexpected character"},
		{"(succ xH) xH", 1, "cannot be applied"},
		{"fun => xH", 5, "expected a parameter name"},
		{"fun xO => xH", 5, "constructor, not a parameter"},
		{"match x with | p => p end", 16, "not a constructor"},
		{"match x with | xO (xI p) => p end", 19, "expected \"=>\""},
		{"match x with | xO xH => p end", 19, "nested constructor"},
		{"match x, y with | xO p => p end", 24, "1 patterns for 2 scrutinees"},
		{"match x with | xH => xH", 24, `expected "|" or "end"`},
		{"Node 1234567890 Leaf Leaf", 6, "number too large"},
	} {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", tc.in, err)
			continue
		}
		if se.Offset+1 != tc.column || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q): column %d %q, want column %d containing %q", tc.in, se.Offset+1, se.Msg, tc.column, tc.msg)
		}
	}
}

func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		coq, compact string
		typ          Type
	}{
		{"xH", "H", Positive},
		{"xI (xO xH)", "IOH", Positive},
		{"xO (xO (xO (xO xH)))", "OOOOH", Positive},
		{"Leaf", "L", Tree},
		{"Node 3 (Node 1 Leaf Leaf) Leaf", "N3N1LLL", Tree},
		{"Node 12 Leaf (Node 305 Leaf Leaf)", "N12LN305LL", Tree},
		{"nil", "E", List},
		{"cons 3 (cons 10 nil)", "C3C10E", List},
	} {
		v := MustParse(tc.coq)
		c, err := Compact(v)
		if err != nil || c != tc.compact {
			t.Errorf("Compact(%s) = %q, %v; want %q", tc.coq, c, err, tc.compact)
		}
		back, err := ParseCompact(" "+tc.compact+"\n", tc.typ)
		if err != nil || !Equal(back, v) {
			t.Errorf("ParseCompact(%q) = %v, %v; want %s", tc.compact, back, err, tc.coq)
		}
	}
	for _, tc := range []struct {
		in  string
		typ Type
		msg string
	}{
		{"IOX", Positive, `expected a positive: I (xI), O (xO), H (xH), got "X"`},
		{"IO", Positive, "got the end of the input"},
		{"HH", Positive, "expected the end of the value"},
		{"NLL", Tree, "expected a label (digits)"},
		{"N1 LL", Tree, `expected a tree: L (Leaf), N (Node), got " "`},
		{"C1", List, "expected a list"},
	} {
		_, err := ParseCompact(tc.in, tc.typ)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseCompact(%q) = %v, want an error containing %q", tc.in, err, tc.msg)
		}
	}
	if _, err := Compact(F("succ", C("xH"))); !errors.Is(err, ErrType) {
		t.Errorf("Compact of a call: %v, want ErrType", err)
	}
}

// randomTerm builds a random well-formed term of any kind, for round
// trips.
func randomTerm(g *rng, depth int) *Term {
	names := []string{"x", "y", "p", "q", "t'", "_a"}
	if depth <= 0 {
		switch g.intn(4) {
		case 0:
			return N(g.intn(1000))
		case 1:
			return V(names[g.intn(len(names))])
		case 2:
			return &Term{Kind: Hole}
		}
		return C([]string{"xH", "Leaf", "nil"}[g.intn(3)])
	}
	args := func(n int) []*Term {
		out := make([]*Term, n)
		for i := range out {
			out[i] = randomTerm(g, depth-1-g.intn(2))
		}
		return out
	}
	switch g.intn(6) {
	case 0:
		return C([]string{"xO", "xI"}[g.intn(2)], args(1)...)
	case 1:
		return C("Node", args(3)...)
	case 2:
		return F([]string{"succ", "add", "inorder"}[g.intn(3)], args(1+g.intn(2))...)
	case 3:
		return &Term{Kind: Lam, Params: names[:1+g.intn(3)], Body: randomTerm(g, depth-1)}
	case 4:
		lam := &Term{Kind: Lam, Params: names[:1+g.intn(2)], Body: randomTerm(g, depth-1)}
		return &Term{Kind: App, Body: lam, Args: args(1 + g.intn(2))}
	}
	n := 1 + g.intn(2)
	m := &Term{Kind: Match, Args: args(n)}
	for range 1 + g.intn(3) {
		var c Case
		for range n {
			switch g.intn(3) {
			case 0:
				c.Patterns = append(c.Patterns, Pattern{})
			case 1:
				c.Patterns = append(c.Patterns, Pattern{Ctor: "xH"})
			default:
				c.Patterns = append(c.Patterns, Pattern{Ctor: "Node", Vars: []string{"v", "_", "r"}})
			}
		}
		c.Body = randomTerm(g, depth-1)
		m.Cases = append(m.Cases, c)
	}
	return m
}

// TestRoundTrip is the property serialise∘parse = identity, on random
// terms of every kind and on the trace terms of the built-in functions.
func TestRoundTrip(t *testing.T) {
	g := streamRNG(1, "roundtrip")
	for i := range 5000 {
		term := randomTerm(g, 1+i%6)
		s := term.String()
		back, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if !Equal(back, term) {
			t.Fatalf("round trip of %q gave %s", s, back)
		}
	}
	env := Std()
	for _, call := range []string{"add (xI (xI xH)) (xO (xI xH))", "postorder (Node 1 (Node 2 Leaf Leaf) (Node 3 Leaf Leaf))"} {
		steps, err := env.Trace(MustParse(call), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			back, err := Parse(st.Term.String())
			if err != nil || !Equal(back, st.Term) {
				t.Fatalf("trace term %s: round trip gave %v, %v", st.Term, back, err)
			}
		}
	}
	for i := range 2000 {
		v := randomPositive(g, 1+i%40)
		c, _ := Compact(v)
		back, err := ParseCompact(c, Positive)
		if err != nil || !Equal(back, v) {
			t.Fatalf("compact round trip of %s: %v, %v", v, back, err)
		}
	}
	d := &drawer{r: DefaultRanges()}
	for range 2000 {
		tr, err := d.randomTree(g, 0, 30, 0, 30)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := Compact(tr)
		back, err := ParseCompact(c, Tree)
		if err != nil || !Equal(back, tr) {
			t.Fatalf("compact round trip of %s: %v, %v", tr, back, err)
		}
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// prints to a string that parses back to the same term.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"xH", "xI (xO xH)", "succ (xI xH)", "Node 3 Leaf (Node 1 Leaf Leaf)", "fun x y => add x y",
		"match x, y with | xI p, _ => p | _, _ => y end", "(fun x => xO x) xH", "xO _", "((", "match", "x => y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v is not a syntax error", s, err)
			}
			return
		}
		printed := term.String()
		back, err := Parse(printed)
		if err != nil || !Equal(back, term) {
			t.Fatalf("Parse(%q) printed as %q, which parses to %v, %v", s, printed, back, err)
		}
	})
}

// FuzzParseCompact checks the same for the compact notation.
func FuzzParseCompact(f *testing.F) {
	for _, s := range []string{"H", "IOH", "N3N1LLL", "C1C2E", "N", "I9", ""} {
		f.Add(s, uint8(Positive))
	}
	f.Fuzz(func(t *testing.T, s string, ty uint8) {
		typ := Type(ty%3 + 1) // Positive, Tree, List
		v, err := ParseCompact(s, typ)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseCompact(%q): error %v is not a syntax error", s, err)
			}
			return
		}
		c, err := Compact(v)
		if err != nil {
			t.Fatalf("Compact(%s): %v", v, err)
		}
		back, err := ParseCompact(c, typ)
		if err != nil || !Equal(back, v) {
			t.Fatalf("ParseCompact(%q) printed as %q, which parses to %v, %v", s, c, back, err)
		}
		if coq, err := Parse(v.String()); err != nil || !Equal(coq, v) {
			t.Fatalf("Coq round trip of %s: %v, %v", v, coq, err)
		}
	})
}
