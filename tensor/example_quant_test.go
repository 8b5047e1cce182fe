package tensor_test

import (
	"fmt"

	"github.com/fmkit/fmkit/tensor"
)

// Quantize a weight row to Q8_0, read it back, and multiply a matrix of
// two such rows by a vector with the integer kernels. The scale is
// 2/127 rounded to f16 (0.0157470703125): w[0] = -127·scale, w[31] =
// 119·scale; x quantizes to 64 and 127 on the same scale, so each output
// is (−127·64 + 119·127)·scale² = 6985·scale².
func ExampleGemvQ() {
	row := make([]float32, 32)
	for i := range row {
		row[i] = float32(i-16) / 8
	}
	q := make([]byte, tensor.Q8_0.RowBytes(32)) // one block: f16 scale + 32 int8
	tensor.Quantize(tensor.Q8_0, q, row)
	back := make([]float32, 32)
	tensor.Dequantize(tensor.Q8_0, back, q)
	fmt.Printf("%d bytes; w[0] %.4f → %.4f, w[31] %.4f → %.4f\n", len(q), row[0], back[0], row[31], back[31])

	a := append(append([]byte{}, q...), q...) // two rows
	x := make([]float32, 32)
	x[0], x[31] = 1, 2
	y := make([]float32, 2)
	tensor.GemvQ(tensor.Q8_0, 2, 32, a, x, y)
	fmt.Printf("y = [%.2f %.2f]\n", y[0], y[1])
	// Output:
	// 34 bytes; w[0] -2.0000 → -1.9999, w[31] 1.8750 → 1.8739
	// y = [1.73 1.73]
}
