package erase

import (
	"errors"
	"fmt"
	"math"
)

// ErrNonFinite is wrapped by the error of a fit given NaN or ±Inf in X or
// Z: one NaN would otherwise poison every covariance and give an eraser of
// rank 0 that erases nothing.
var ErrNonFinite = errors.New("erase: value is not finite")

// checkFinite finds the first NaN or ±Inf among the n×d values of X (one of
// x64 and x32 is set).
func checkFinite(x64 []float64, x32 []float32, d int) error {
	for i, v := range x64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: X row %d, column %d is %v", ErrNonFinite, i/d, i%d, v)
		}
	}
	for i, v := range x32 {
		if v-v != 0 {
			return fmt.Errorf("%w: X row %d, column %d is %v", ErrNonFinite, i/d, i%d, v)
		}
	}
	return nil
}

// Concept holds the values of the concept Z for a batch of rows: either
// integer class labels, one per row (Z is then the one-hot encoding with one
// column per class), or a real-valued n×k matrix in row-major order. Exactly
// one of the two fields is set.
type Concept struct {
	// Labels holds one class index in [0, k) per row.
	Labels []int
	// Values holds n×k real values, row-major.
	Values []float64
}

// Labels returns the concept given by class labels, one per row.
func Labels(labels []int) Concept { return Concept{Labels: labels} }

// Values returns the concept given by a real n×k matrix in row-major order.
func Values(values []float64) Concept { return Concept{Values: values} }

// check verifies that z describes n rows of a k-dimensional concept.
func (z Concept) check(n, k int) error {
	switch {
	case z.Labels != nil && z.Values != nil:
		return fmt.Errorf("erase: concept has both labels and values; set one")
	case z.Labels != nil:
		if len(z.Labels) != n {
			return fmt.Errorf("erase: %d labels for %d rows of X", len(z.Labels), n)
		}
		for i, c := range z.Labels {
			if c < 0 || c >= k {
				return fmt.Errorf("erase: label %d at row %d: expected a class in [0, %d)", c, i, k)
			}
		}
	case z.Values != nil || n == 0:
		if len(z.Values) != n*k {
			return fmt.Errorf("erase: concept has %d values, expected %d rows × %d columns = %d", len(z.Values), n, k, n*k)
		}
		for i, v := range z.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: Z row %d, column %d is %v", ErrNonFinite, i/k, i%k, v)
			}
		}
	default:
		return fmt.Errorf("erase: concept has neither labels nor values")
	}
	return nil
}

// slice returns rows [i, j) of z.
func (z Concept) slice(i, j, k int) Concept {
	if z.Labels != nil {
		return Concept{Labels: z.Labels[i:j]}
	}
	return Concept{Values: z.Values[i*k : j*k]}
}

// at returns Z[i][c] (one-hot for labels).
func (z Concept) at(i, c, k int) float64 {
	if z.Labels != nil {
		if z.Labels[i] == c {
			return 1
		}
		return 0
	}
	return z.Values[i*k+c]
}
