package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLogSoftmaxParts compares the parts with a float64 log-softmax and
// checks that ties pick the first maximum, as torch.argmax does.
func TestLogSoftmaxParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 7, 16, 33, 1000, 50304} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 4)
		}
		arg, logSum := LogSoftmaxParts(x)
		mx := x[0]
		want := 0
		for i, v := range x {
			if v > mx {
				mx, want = v, i
			}
		}
		var sum float64
		for _, v := range x {
			sum += math.Exp(float64(v) - float64(mx))
		}
		if arg != want {
			t.Errorf("n=%d: argmax %d, want %d", n, arg, want)
		}
		if d := math.Abs(logSum - math.Log(sum)); d > 1e-6 {
			t.Errorf("n=%d: logSum %v, float64 reference %v", n, logSum, math.Log(sum))
		}
	}
	if arg, logSum := LogSoftmaxParts([]float32{1, 3, 3, 2}); arg != 1 || logSum <= math.Log(2) {
		t.Errorf("ties: argmax %d, logSum %v; want the first maximum (1) and more than log 2", arg, logSum)
	}
}
