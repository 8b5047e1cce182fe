package py_test

import (
	"fmt"

	"github.com/fmkit/fmkit/internal/py"
)

func Example() {
	v, err := py.LiteralEval(`{'choices': ['yes', "no"], 'n': (1, 2.50,)}`)
	if err != nil {
		panic(err)
	}
	fmt.Println(py.Repr(v))
	fmt.Println(py.JSON(v, 0))

	r := py.NewRandom(1234) // random.Random(1234)
	fmt.Println(r.SampleIndices(10, 3))
	// Output:
	// {'choices': ['yes', 'no'], 'n': (1, 2.5)}
	// {"choices": ["yes", "no"], "n": [1, 2.5]}
	// [7 1 0]
}
