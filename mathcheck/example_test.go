package mathcheck_test

import (
	"fmt"

	"github.com/fmkit/fmkit/mathcheck"
)

// Score a model's answer against a reference solution, then vote over
// several sampled answers.
func Example() {
	solution := `The point is $\boxed{\left( 3, \frac{\pi}{2} \right)}$.`
	generation := "We convert.\nFinal Answer: The final answer is $(3, \\frac{1}{2}\\pi)$. I hope it is correct."

	gold, _ := mathcheck.Extract(solution, mathcheck.FromSolution, mathcheck.Fixed)
	pred, _ := mathcheck.Extract(generation, mathcheck.FromGeneration, mathcheck.Fixed)
	compat, _ := mathcheck.Extract(solution, mathcheck.FromSolution, mathcheck.MinervaCompat)
	fmt.Println(gold)
	fmt.Println(compat)

	c := mathcheck.NewChecker(nil)
	v := c.Check(gold, pred)
	fmt.Println(v.Equivalent, v.Reason)

	e := mathcheck.MajorityVote([]string{`\frac{1}{2}`, "0.5", "1", "1", "0.50"}, `\frac12`, 6,
		func(a, b string) bool { return c.Check(a, b).Equivalent })
	elected, _ := e.Elected()
	fmt.Println(elected, e.Correct, e.PassRate)
	// Output:
	// \left(3,\frac{\pi}{2}\right)
	// \le(3,\frac{\pi}{2}\right)
	// true equal elements, in order
	// \frac{1}{2} true 0.5
}
