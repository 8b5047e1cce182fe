package mathsynth

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/fmkit/fmkit/mathcheck"
)

// TestFamilies checks that every family's other forms are equivalent to
// its gold answer and its wrong answers are not, after the Minerva
// normalization, so the benchmark votes on the buckets it means to.
func TestFamilies(t *testing.T) {
	c := mathcheck.NewChecker(nil)
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		for i, f := range families {
			a := f(r)
			gold := mathcheck.Normalize(a.gold, mathcheck.Fixed)
			for _, alt := range a.alts {
				if v := c.Check(gold, mathcheck.Normalize(alt, mathcheck.Fixed)); !v.Equivalent {
					t.Errorf("family %d: %q vs alternative %q: %s", i, a.gold, alt, v.Reason)
				}
			}
			for _, w := range a.wrongs {
				if v := c.Check(gold, mathcheck.Normalize(w, mathcheck.Fixed)); v.Equivalent {
					t.Errorf("family %d: %q vs wrong %q: %s", i, a.gold, w, v.Reason)
				}
			}
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(50, 16, 7), Generate(50, 16, 7)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different documents")
	}
	for _, d := range a {
		if len(d.Generations) != 16 {
			t.Fatalf("%d generations", len(d.Generations))
		}
		if _, err := mathcheck.SolutionAnswer(d.Solution, mathcheck.MinervaCompat); err != nil {
			t.Errorf("solution %q: %v", d.Solution, err)
		}
	}
}
