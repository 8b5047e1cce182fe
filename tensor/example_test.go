package tensor_test

import (
	"fmt"

	"github.com/fmkit/fmkit/tensor"
)

// A linear layer on a batch of two tokens, y = x·Wᵀ, with the weights kept
// in bfloat16 as checkpoints store them.
func ExampleGemmBF16() {
	x := []float32{1, 2, 3, 4, 5, 6} // 2 tokens × 3 features
	w32 := []float32{1, 0, 0, 0, 1, 0, 1, 1, 1, 0.5, 0.5, 0.5}
	w := make([]tensor.BF16, len(w32)) // 4 outputs × 3 features
	tensor.Float32ToBF16(w, w32)
	y := make([]float32, 2*4)
	tensor.GemmBF16(false, true, 2, 4, 3, 1, x, 3, w, 3, 0, y, 4)
	fmt.Println(y)
	// Output: [1 2 6 3 4 5 15 7.5]
}
