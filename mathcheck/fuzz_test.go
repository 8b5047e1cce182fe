package mathcheck

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// seedFuzz adds the answers of the fixtures as seeds.
func seedFuzz(f *testing.F) {
	file, err := os.Open("testdata/equivalence.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var c equivCase
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			f.Add(c.Gold, c.Pred)
		}
	}
	f.Add(`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `(-\infty,1]\cup[2,3)`)
	f.Add(strings.Repeat(`\sqrt{`, 50), `x^{x^{x^{x}}}`)
}

// FuzzCheck runs the parser and the comparison on arbitrary answers: no
// panic, a reason for every verdict, and the time limit holds.
func FuzzCheck(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, gold, pred string) {
		c := NewChecker(&Options{Timeout: 100 * time.Millisecond})
		start := time.Now()
		v := c.Check(gold, pred)
		if v.Reason == "" {
			t.Errorf("no reason for %q vs %q", gold, pred)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q vs %q took %v with a 100ms limit", gold, pred, d)
		}
		if gold == pred && !v.Equivalent {
			t.Errorf("identical strings %q not equivalent: %s", gold, v.Reason)
		}
		c.MathVerify(gold, pred)
	})
}

// FuzzNormalize runs both normalization modes and the extractors on
// arbitrary text: no panic, and no "$" survives.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{`\left( 3, \frac{\pi}{2} \right)`, `$\boxed 5$`, `\fbox{1}`, "Final Answer: The final answer is $1$. I hope it is correct.", `\frac\pi2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []Mode{Fixed, MinervaCompat} {
			if out := Normalize(s, m); strings.Contains(out, "$") {
				t.Errorf("%v: Normalize(%q) = %q keeps a $", m, s, out)
			}
			for _, src := range []Source{FromAnswer, FromSolution, FromGeneration} {
				Extract(s, src, m)
			}
		}
		ParseNumeric(s)
	})
}
