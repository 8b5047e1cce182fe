package recursion_test

import (
	"fmt"
	"log"

	"github.com/fmkit/fmkit/recursion"
)

func Example() {
	env := recursion.Std()
	call := recursion.MustParse("succ (xI (xI xH))") // the successor of 7
	answer, err := env.Eval(call)
	if err != nil {
		log.Fatal(err)
	}
	compact, _ := recursion.Compact(answer)
	fmt.Println(answer, "=", compact)
	steps, _ := env.Trace(call, 0)
	for _, s := range steps[:4] {
		fmt.Printf("%s %s\n", s.Rule.Symbol(), s.Term)
	}
	fmt.Println(len(steps)-1, "rewrites")
	// Output:
	// xO (xO (xO xH)) = OOOH
	//  succ (xI (xI xH))
	// δ (fun x => match x with | xI p => xO (succ p) | xO p => xI p | xH => xO xH end) (xI (xI xH))
	// β match xI (xI xH) with | xI p => xO (succ p) | xO p => xI p | xH => xO xH end
	// ι xO (succ (xI xH))
	// 9 rewrites
}

// A new structural function is one Func more.
func ExampleFunc() {
	double := recursion.Func{
		Name:   "double",
		Params: []recursion.Param{{Name: "x", Type: recursion.Positive}},
		Result: recursion.Positive,
		Body:   "match x with | xI p => xO (xI p) | xO p => xO (xO p) | xH => xO xH end",
	}
	env, err := recursion.NewEnv(append(recursion.Builtins(), double)...)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := env.Apply("double", recursion.Pos(5))
	n, _ := recursion.BigOf(v)
	fmt.Println(v, "=", n)

	// Not structural: the recursive call's argument does not shrink.
	loop := recursion.Func{Name: "loop", Params: double.Params, Result: recursion.Positive, Body: "loop (xO x)"}
	_, err = recursion.NewEnv(loop)
	fmt.Println(err)
	// Output:
	// xO (xI (xO xH)) = 10
	// recursion: function loop: recursive call loop (xO x): its argument xO x must be a variable bound by matching on x, so that the recursion is structural
}
