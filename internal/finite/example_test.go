package finite_test

import (
	"fmt"

	"github.com/fmkit/fmkit/internal/finite"
)

// Read a float the way every fmkit flag does.
func ExampleParse() {
	for _, s := range []string{"0.7", "NaN", "1e400"} {
		v, err := finite.Parse(s, 64)
		fmt.Println(v, err)
	}
	// Output:
	// 0.7 <nil>
	// 0 "NaN" is not a finite number
	// 0 "1e400" is out of range, not a finite number
}
