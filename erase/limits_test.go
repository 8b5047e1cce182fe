package erase

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
)

// TestNonFiniteInputsFail is issue 24's silent rank-0 eraser: one NaN in Z
// (or X) made every covariance NaN and the eraser erase nothing. Each
// fitter now refuses the batch, naming the row and column, before adding
// any of it.
func TestNonFiniteInputsFail(t *testing.T) {
	const n, d = 200, 4
	x := make([]float64, n*d)
	labels := make([]int, n)
	values := make([]float64, n)
	for i := range n {
		labels[i] = i % 2
		values[i] = float64(i % 3)
		for j := range d {
			x[i*d+j] = float64((i*7+j*3)%11) + float64(labels[i]*j)
		}
	}
	nanZ := append([]float64(nil), values...)
	nanZ[57] = math.NaN()
	infX := append([]float64(nil), x...)
	infX[13*d+2] = math.Inf(1)
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	x32[99*d] = float32(math.NaN())
	newFitter := func() *Fitter {
		f, err := NewFitter(d, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cases := []struct {
		name string
		fit  func() error
		want string
	}{
		{"NaN in Z values", func() error { return newFitter().Update(x, Values(nanZ)) }, "Z row 57, column 0 is NaN"},
		{"Inf in X", func() error { return newFitter().Update(infX, Values(values)) }, "X row 13, column 2 is +Inf"},
		{"NaN in float32 X", func() error { return newFitter().UpdateFloat32(x32, Values(values)) }, "X row 99, column 0 is NaN"},
		{"quadratic, Inf in X", func() error {
			q, err := NewQuadraticFitter(d, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			return q.Update(infX, labels)
		}, "X row 13, column 2 is +Inf"},
		{"oracle, NaN in Z", func() error {
			o, err := NewOracleFitter(d, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			return o.Update(x, Values(nanZ))
		}, "Z row 57, column 0 is NaN"},
	}
	for _, c := range cases {
		var err error
		alloc := memtest.AllocatedBytes(func() { err = c.fit() })
		if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrNonFinite with %q", c.name, err, c.want)
		}
		if alloc > 1<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, alloc)
		}
	}
	// The refused batch leaves the fitter as it was.
	f := newFitter()
	f.Update(x, Values(nanZ))
	if f.N() != 0 {
		t.Errorf("a refused batch counted %d rows", f.N())
	}
}
