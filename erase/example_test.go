package erase_test

import (
	"fmt"
	"math"

	"github.com/fmkit/fmkit/erase"
)

// Fit an eraser on rows whose first feature reveals the class, apply it,
// and see that the class means become equal.
func Example() {
	x := []float64{
		1.0, 0.5, // class 0
		1.2, -0.3, // class 0
		0.8, 0.1, // class 0
		3.0, 0.4, // class 1
		3.1, -0.2, // class 1
		2.9, 0.0, // class 1
	}
	labels := []int{0, 0, 0, 1, 1, 1}
	f, _ := erase.NewFitter(2, 2, nil)
	if err := f.Update(x, erase.Labels(labels)); err != nil {
		fmt.Println(err)
		return
	}
	e, _ := f.Eraser()
	out := make([]float64, len(x))
	e.Apply(out, x)
	mean := func(rows []float64, class int) (m [2]float64) {
		for i, c := range labels {
			if c == class {
				m[0] += rows[2*i] / 3
				m[1] += rows[2*i+1] / 3
			}
		}
		return m
	}
	m0, m1 := mean(out, 0), mean(out, 1)
	fmt.Println("rank", e.R)
	fmt.Println("class means equal:", math.Abs(m0[0]-m1[0]) < 1e-12 && math.Abs(m0[1]-m1[1]) < 1e-12)
	// Output:
	// rank 1
	// class means equal: true
}
