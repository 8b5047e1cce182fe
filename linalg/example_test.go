package linalg_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/linalg"
)

func Example() {
	a := mat.NewSymDense(2, []float64{4, 0, 0, 9})
	vals, _, _ := linalg.EigenSym(a)
	root, inv, _ := linalg.PSDSqrt(a)
	fmt.Println(vals)
	fmt.Println(mat.Formatted(root))
	fmt.Printf("%.4f\n", mat.Formatted(inv))
	// Output:
	// [4 9]
	// ⎡2  0⎤
	// ⎣0  3⎦
	// ⎡0.5000  0.0000⎤
	// ⎣0.0000  0.3333⎦
}
