package mathcheck

import (
	"testing"

	"github.com/fmkit/fmkit/internal/mathsynth"
)

// BenchmarkVoteMATH scores 5,000 synthetic MATH documents with 16
// generations each (80,000 answers) as the llemma_minerva_math_majk tasks
// do: extraction, normalization, Llemma's majority vote with equivalence
// checks. One op is the whole set; the target is under 30 s.
func BenchmarkVoteMATH(b *testing.B) {
	docs := mathsynth.Generate(5000, 16, 1)
	b.ResetTimer()
	for b.Loop() {
		comparisons := 0
		for _, d := range docs {
			c := NewChecker(nil)
			raw, err := SolutionAnswer(d.Solution, Fixed)
			if err != nil {
				b.Fatal(err)
			}
			gold := Normalize(raw, Fixed)
			var valid []string
			for _, g := range d.Generations {
				if a, ok := GenerationAnswer(g); ok {
					valid = append(valid, Normalize(a, Fixed))
				}
			}
			MajorityVote(valid, gold, len(d.Generations), func(x, y string) bool {
				comparisons++
				return c.Check(x, y).Equivalent
			})
		}
		b.ReportMetric(float64(comparisons), "comparisons/op")
	}
}

// BenchmarkCheck times single comparisons of different kinds (parsing
// included: a new Checker per comparison).
func BenchmarkCheck(b *testing.B) {
	for _, bc := range []struct{ name, gold, pred string }{
		{"identical", `\frac{1}{2}`, `\frac{1}{2}`},
		{"fraction_decimal", `\frac{1}{2}`, "0.5"},
		{"radicals", `\frac{1}{\sqrt{2}}`, `\frac{\sqrt{2}}{2}`},
		{"polynomial", "x^2+2x+1", "(x+1)^2"},
		{"interval", `\left[ -1, \frac{1}{2} \right)`, "[-1,0.5)"},
		{"matrix", `\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, `\begin{bmatrix}1&2\\3&4\end{bmatrix}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				NewChecker(nil).Check(bc.gold, bc.pred)
			}
		})
	}
}

// BenchmarkNormalize times the Minerva normalization of one answer.
func BenchmarkNormalize(b *testing.B) {
	for _, m := range []Mode{Fixed, MinervaCompat} {
		b.Run(m.String(), func(b *testing.B) {
			for b.Loop() {
				Normalize(`x = \left( 3, \frac{\pi}{2} \right) \text{ square units}`, m)
			}
		})
	}
}
