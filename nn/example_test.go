package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/fmkit/fmkit/nn"
)

// Fit y = 3x - 1 with a one-input linear layer, mean squared error and
// AdamW.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	layer := nn.NewLinear[float32]("fit", 1, 1, true, rng)
	opt := nn.NewAdamW(layer.Params(), nn.AdamOptions{})
	xs := make([]float32, 32)
	ys := make([]float32, 32)
	for i := range xs {
		xs[i] = float32(i)/16 - 1
		ys[i] = 3*xs[i] - 1
	}
	x, y := nn.FromData(xs, 32, 1), nn.FromData(ys, 32, 1)
	g := nn.NewTape[float32]()
	for range 2000 {
		nn.ZeroGrad(layer.Params())
		diff := g.Sub(layer.Forward(g, x), y)
		loss := g.Mean(g.Mul(diff, diff), false)
		g.Backward(loss)
		g.Reset()
		opt.Step(0.01)
	}
	fmt.Printf("w = %.2f, b = %.2f\n", layer.Weight.Data()[0], layer.Bias.Data()[0])
	// Output: w = 3.00, b = -1.00
}
