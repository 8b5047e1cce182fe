package group_test

import (
	"fmt"
	"strings"

	"github.com/fmkit/fmkit/group"
)

// The power spectrum of the sign function lies entirely in the sign
// representation (1ⁿ); that of the indicator of a point stabiliser lies in
// the trivial and standard representations.
func Example() {
	ft, err := group.NewFourier(4)
	if err != nil {
		fmt.Println(err)
		return
	}
	elems, _ := group.Elements(4)
	sign := make([]float64, len(elems))
	fixes3 := make([]float64, len(elems))
	for i, p := range elems {
		sign[i] = float64(p.Sign())
		if p[3] == 3 {
			fixes3[i] = 1
		}
	}
	for _, f := range [][]float64{sign, fixes3} {
		var parts []string
		for i, frac := range ft.PowerSpectrum(f) {
			if frac > 1e-12 {
				parts = append(parts, fmt.Sprintf("%v %.3f", ft.Irreps()[i].Partition(), frac))
			}
		}
		fmt.Println(strings.Join(parts, ", "))
	}
	// Output:
	// (1,1,1,1) 1.000
	// (4) 0.250, (3,1) 0.750
}
