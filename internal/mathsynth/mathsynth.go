// Package mathsynth generates synthetic MATH-style documents with sampled
// generations, for benchmarking answer scoring without the dataset: each
// document has a reference solution ending in \boxed{…} and k Minerva-
// format generations whose answers are the gold answer written the same
// way or another way, wrong answers, or no final answer at all, in the
// proportions sampled model outputs show.
package mathsynth

import (
	"fmt"
	"math/rand/v2"
)

// Doc is one synthetic problem: a solution and k generations.
type Doc struct {
	Solution    string   `json:"solution"`
	Generations []string `json:"generations"`
}

// answers of one document: the gold answer, other ways to write it, and
// wrong answers of the same kind.
type answers struct {
	gold   string
	alts   []string
	wrongs []string
}

// Generate returns n documents with k generations each, the same for the
// same seed.
func Generate(n, k int, seed uint64) []Doc {
	r := rand.New(rand.NewPCG(seed, 0x6d617468))
	docs := make([]Doc, n)
	for i := range docs {
		a := families[r.IntN(len(families))](r)
		docs[i].Solution = fmt.Sprintf("Working through the problem step by step, we find that the answer is $\\boxed{%s}$.", a.gold)
		// A model that is right about 40% of the time, repeats itself,
		// and sometimes never reaches the final-answer sentence.
		for j := 0; j < k; j++ {
			var ans string
			switch p := r.Float64(); {
			case p < 0.08:
				docs[i].Generations = append(docs[i].Generations, "We try a few cases but run out of room before finishing")
				continue
			case p < 0.32:
				ans = a.gold
			case p < 0.48:
				ans = a.alts[r.IntN(len(a.alts))]
			default:
				ans = a.wrongs[r.IntN(len(a.wrongs))]
			}
			docs[i].Generations = append(docs[i].Generations, fmt.Sprintf("We compute carefully.\nFinal Answer: The final answer is $%s$. I hope it is correct.", ans))
		}
	}
	return docs
}

var families = []func(r *rand.Rand) answers{
	integerAnswer, fractionAnswer, radicalAnswer, piAnswer, intervalAnswer,
	pointAnswer, polynomialAnswer, choiceAnswer, vectorAnswer, unitAnswer,
}

func integerAnswer(r *rand.Rand) answers {
	n := r.IntN(2000) - 200
	return answers{
		gold:   fmt.Sprint(n),
		alts:   []string{fmt.Sprintf("%d.0", n), fmt.Sprintf("x = %d", n)},
		wrongs: []string{fmt.Sprint(n + 1), fmt.Sprint(2 * n), fmt.Sprint(n - 10)},
	}
}

func fractionAnswer(r *rand.Rand) answers {
	den := []int{2, 3, 4, 5, 6, 7, 8, 9, 12, 16}[r.IntN(10)]
	num := 1 + r.IntN(3*den)
	for gcd(num, den) != 1 {
		num++
	}
	alts := []string{fmt.Sprintf("\\dfrac{%d}{%d}", num, den), fmt.Sprintf("\\frac{%d}{%d}", 2*num, 2*den), fmt.Sprintf("%d/%d", num, den)}
	if d := terminating(num, den); d != "" {
		alts = append(alts, d)
	}
	return answers{
		gold:   fmt.Sprintf("\\frac{%d}{%d}", num, den),
		alts:   alts,
		wrongs: []string{fmt.Sprintf("\\frac{%d}{%d}", den, num), fmt.Sprintf("\\frac{%d}{%d}", num+1, den), fmt.Sprintf("%.3f", float64(num)/float64(den)+0.001)},
	}
}

func radicalAnswer(r *rand.Rand) answers {
	c := 2 + r.IntN(8)
	d := []int{2, 3, 5, 6, 7, 10, 11, 13}[r.IntN(8)]
	return answers{
		gold:   fmt.Sprintf("%d\\sqrt{%d}", c, d),
		alts:   []string{fmt.Sprintf("\\sqrt{%d}", c*c*d), fmt.Sprintf("%d \\sqrt{%d}", c, d), fmt.Sprintf("\\sqrt{%d}\\cdot %d", d, c)},
		wrongs: []string{fmt.Sprintf("%d\\sqrt{%d}", c+1, d), fmt.Sprintf("\\sqrt{%d}", c*d), fmt.Sprintf("%d", c*d)},
	}
}

func piAnswer(r *rand.Rand) answers {
	k := 1 + r.IntN(11)
	m := []int{2, 3, 4, 6}[r.IntN(4)]
	return answers{
		gold:   fmt.Sprintf("\\frac{%d\\pi}{%d}", k, m),
		alts:   []string{fmt.Sprintf("\\frac{%d}{%d}\\pi", k, m), fmt.Sprintf("%d\\pi/%d", k, m)},
		wrongs: []string{fmt.Sprintf("\\frac{%d\\pi}{%d}", k+1, m), fmt.Sprintf("%d\\pi", k), fmt.Sprintf("\\frac{%d}{%d}", k, m)},
	}
}

func intervalAnswer(r *rand.Rand) answers {
	a := r.IntN(10) - 5
	b := a + 1 + r.IntN(8)
	return answers{
		gold:   fmt.Sprintf("[%d,%d)", a, b),
		alts:   []string{fmt.Sprintf("\\left[ %d, %d \\right)", a, b), fmt.Sprintf("[%d, %d)", a, b)},
		wrongs: []string{fmt.Sprintf("(%d,%d)", a, b), fmt.Sprintf("[%d,%d]", a, b), fmt.Sprintf("(-\\infty,%d)", b)},
	}
}

func pointAnswer(r *rand.Rand) answers {
	x, m := r.IntN(20)-10, 2+r.IntN(4)
	return answers{
		gold:   fmt.Sprintf("\\left( %d, \\frac{\\pi}{%d} \\right)", x, m),
		alts:   []string{fmt.Sprintf("(%d,\\frac{\\pi}{%d})", x, m), fmt.Sprintf("\\left(%d, \\frac{1}{%d}\\pi\\right)", x, m)},
		wrongs: []string{fmt.Sprintf("(%d,\\frac{\\pi}{%d})", x+1, m), fmt.Sprintf("(%d, \\pi)", x)},
	}
}

func polynomialAnswer(r *rand.Rand) answers {
	p, q := r.IntN(9)+1, r.IntN(9)+1
	return answers{
		gold:   fmt.Sprintf("x^2+%dx+%d", p+q, p*q),
		alts:   []string{fmt.Sprintf("(x+%d)(x+%d)", p, q), fmt.Sprintf("%d+%dx+x^2", p*q, p+q)},
		wrongs: []string{fmt.Sprintf("x^2+%dx+%d", p*q, p+q), fmt.Sprintf("(x-%d)(x+%d)", p, q), fmt.Sprintf("x^2+%d", p*q)},
	}
}

func choiceAnswer(r *rand.Rand) answers {
	c := "ABCDE"[r.IntN(5)]
	w := "ABCDE"[(r.IntN(4)+1+int(c-'A'))%5]
	return answers{
		gold:   fmt.Sprintf("\\text{(%c)}", c),
		alts:   []string{fmt.Sprintf("(%c)", c), string(c)},
		wrongs: []string{fmt.Sprintf("\\text{(%c)}", w), string(w)},
	}
}

func vectorAnswer(r *rand.Rand) answers {
	a := r.IntN(10) - 5
	b := a + 1 + r.IntN(5)
	return answers{
		gold:   fmt.Sprintf("\\begin{pmatrix} %d \\\\ %d \\end{pmatrix}", a, b),
		alts:   []string{fmt.Sprintf("\\begin{pmatrix}%d\\\\%d\\end{pmatrix}", a, b), fmt.Sprintf("\\begin{bmatrix} %d \\\\ %d \\end{bmatrix}", a, b)},
		wrongs: []string{fmt.Sprintf("\\begin{pmatrix} %d \\\\ %d \\end{pmatrix}", b, a), fmt.Sprintf("\\begin{pmatrix} %d \\\\ %d \\end{pmatrix}", a+1, b)},
	}
}

func unitAnswer(r *rand.Rand) answers {
	n := 5 + r.IntN(200)
	unit := []string{"square feet", "cm", "inches", "degrees", "dollars"}[r.IntN(5)]
	return answers{
		gold:   fmt.Sprint(n),
		alts:   []string{fmt.Sprintf("%d\\text{ %s}", n, unit), fmt.Sprintf("%d \\mbox{ %s}", n, unit)},
		wrongs: []string{fmt.Sprintf("%d\\text{ %s}", n+5, unit), fmt.Sprint(n * 2)},
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// terminating writes num/den as a decimal if it terminates, else "".
func terminating(num, den int) string {
	d := den
	for d%2 == 0 {
		d /= 2
	}
	for d%5 == 0 {
		d /= 5
	}
	if d != 1 {
		return ""
	}
	return fmt.Sprintf("%g", float64(num)/float64(den))
}
