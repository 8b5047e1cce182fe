package mathcheck

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "   ", `\frac{1}`, "(1,2", `\unknowncommand`, "f'(x)", `\begin{tabular}1\end{tabular}`,
		`\begin{pmatrix}1&2\\3\end{pmatrix}`, "1 +", `\sqrt`, "x_", "{1", `\left(1`, "#", "a @ b",
		strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500), `\`,
	} {
		if n, err := parseLatex(in); !errors.Is(err, ErrParse) {
			t.Errorf("parseLatex(%q) = %v, %v; want ErrParse", in, n, err)
		}
	}
}

func TestCheckReasons(t *testing.T) {
	c := NewChecker(nil)
	for _, tc := range []struct {
		gold, pred string
		equivalent bool
		reason     string
	}{
		{"5", "5", true, "identical strings"},
		{`\left( 1, 2 \right)`, "(1,2)", true, "identical after rewriting layout"},
		{`\frac{1}{2}`, "0.5", true, "equal exact values (1/2)"},
		{`\frac{1}{2}`, "0.6", false, "different exact values: 1/2 vs 3/5"},
		{"x+1", "1+x", true, "equal at 5 random points of x"},
		{`\frac{1}{\sqrt{2}+1}`, `\sqrt{2}-1`, true, "numerically equal"},
		{"(1,2)", "[1,2]", false, "different brackets"},
		{"(1,2)", "(1,2,3)", false, "different numbers of elements: 2 vs 3"},
		{"(1,2)", "1,2", false, "different kinds of answer"},
		{`\frac{1}{2`, "1", false, "gold does not parse"},
		{"1", `\frac{1}{2`, false, "pred does not parse"},
		{`50\%`, "0.5", true, "equal as a fraction of 100"},
		{`\text{odd}`, `\text{even}`, false, `different text: "odd" vs "even"`},
		{"x", "x+0.001", false, "different values at x="},
	} {
		v := c.Check(tc.gold, tc.pred)
		if v.Equivalent != tc.equivalent || !strings.Contains(v.Reason, tc.reason) {
			t.Errorf("Check(%q, %q) = %v %q; want %v and a reason containing %q", tc.gold, tc.pred, v.Equivalent, v.Reason, tc.equivalent, tc.reason)
		}
	}
}

func TestNoStringShortcut(t *testing.T) {
	strict := NewChecker(&Options{NoStringShortcut: true})
	// Identical but unparsable: lm-eval's is_equiv before its fix said no.
	if v := strict.Check(`\le(3,\frac{\pi}{2}\right)`, `\le(3,\frac{\pi}{2}\right)`); v.Equivalent {
		t.Errorf("NoStringShortcut: identical unparsable answers judged equivalent (%s)", v.Reason)
	}
	if v := NewChecker(nil).Check(`\le(3,\frac{\pi}{2}\right)`, `\le(3,\frac{\pi}{2}\right)`); !v.Equivalent {
		t.Errorf("default: identical answers not equivalent (%s)", v.Reason)
	}
	if v := strict.Check("[2,5)", "[2,5)"); !v.Equivalent {
		t.Errorf("NoStringShortcut: identical parsable answers not equivalent (%s)", v.Reason)
	}
}

// TestTimeout checks that a comparison stops at its time limit, and that
// the same comparison completes with the default limit.
func TestTimeout(t *testing.T) {
	gold := `(\sqrt{2}+\sqrt{3}+\sqrt{5}+\sqrt{7}+\sqrt{11})^{40}`
	pred := `(\sqrt{2}+\sqrt{3}+\sqrt{5}+\sqrt{7}+\sqrt{13})^{40}`
	v := NewChecker(&Options{Timeout: time.Nanosecond}).Check(gold, pred)
	if !v.TimedOut || v.Equivalent || !strings.Contains(v.Reason, "timed out") {
		t.Errorf("1ns limit: %+v", v)
	}
	start := time.Now()
	v = NewChecker(nil).Check(gold, pred)
	if v.TimedOut || v.Equivalent {
		t.Errorf("default limit: %+v", v)
	}
	if d := time.Since(start); d > time.Second {
		t.Logf("comparison took %v", d) // not an assertion: the machine is shared
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (&Options{}).Validate(); err != nil {
		t.Errorf("zero options: %v", err)
	}
	err := (&Options{Timeout: -1, Points: -2, Tolerance: 2}).Validate()
	if err == nil {
		t.Fatal("no error for bad options")
	}
	for _, want := range []string{"Timeout (-1ns)", "Points (-2)", "Tolerance (2)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		`$\left( 3, \dfrac{\pi}{2} \right)$`: `(3,\frac{\pi}{2})`,
		`\text{ 5 } \mbox{cm}`:               `5cm`,
		`\left.\frac{1}{2}\right|`:           `\frac{1}{2}|`,
		`x\,=\!1.`:                           `x=1`,
		`\dbinom{5}{2}`:                      `\binom{5}{2}`,
	} {
		if got := canonical(in); got != want {
			t.Errorf("canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMathVerify(t *testing.T) {
	c := NewChecker(nil)
	solution := "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (2)(12) = \\boxed{24}.$"
	for _, tc := range []struct {
		generation string
		want       bool
	}{
		{"So the determinant is 24.\nFinal Answer: The final answer is $24$. I hope it is correct.", true},
		{"Final Answer: The final answer is $\\frac{48}{2}$. I hope it is correct.", true},
		{"The product is $\\boxed{24}$.", true},
		{"My answer: 24", true},
		{"It is 12, then 24", true}, // the last number
		{"Final Answer: The final answer is $25$. I hope it is correct.", false},
		{"I do not know.", false},
	} {
		if v := c.MathVerify(solution, tc.generation); v.Equivalent != tc.want {
			t.Errorf("%q: %v (%s), want %v", tc.generation, v.Equivalent, v.Reason, tc.want)
		}
	}
	if v := c.MathVerify("no answer", "Final Answer: The final answer is $1$. I hope it is correct."); v.Equivalent || !strings.Contains(v.Reason, "gold") {
		t.Errorf("gold without answer: %+v", v)
	}
}
