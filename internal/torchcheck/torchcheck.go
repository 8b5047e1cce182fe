// Package torchcheck compares weights trained by fmkit with the weights
// PyTorch reached from the same start (the fixtures of testdata/gen/nn),
// allowing for what Adam makes of float32 gradient rounding. Only tests
// import it.
package torchcheck

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/safetensors"
)

// Weights checks every tensor of got (checkpoint names) against dir's
// final.safetensors, with dir's grads_<step>.safetensors giving PyTorch's
// gradient of each step and lrs the learning rate of each step.
//
// The bound has two parts. One is tol relative to the value plus the
// tensor's mean magnitude. The other is what Adam makes of gradient
// rounding: a float32 gradient carries an absolute error of about 1e-6 of
// its tensor's largest gradient (sums in another order, or fused
// multiply-adds as GOAMD64=v3 and arm64 builds use), and Adam divides each
// element's step by the size of its gradient (plus eps), so an element
// whose gradients are near zero moves by rounding noise scaled up: at step
// t about lr_t·1e-6·max|g_t| / (√v̂_t,i + eps), summed over the steps, with
// v̂ Adam's bias-corrected second moment, computed here from PyTorch's
// gradients. For an ordinary element that term is far below the
// first; for the key biases of GPT-NeoX and GPT-2, whose exact gradient is
// zero (nn/train's TestKeyBiasGradientIsNoise), it leaves them unchecked,
// as it must.
func Weights(t testing.TB, got []safetensors.Tensor, dir string, tol float64, lrs []float64, eps, beta2 float64) {
	t.Helper()
	open := func(name string) *safetensors.File {
		f, err := safetensors.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	f := open("final.safetensors")
	var grads []*safetensors.File
	for step := range lrs {
		grads = append(grads, open(fmt.Sprintf("grads_%d.safetensors", step+1)))
	}
	n, loose, moved := 0, 0, 0
	for _, tn := range got {
		ref, ok := f.Tensor(tn.Name)
		if !ok {
			t.Fatalf("reference lacks %s", tn.Name)
		}
		want, _ := ref.ToFloat64()
		have, _ := tn.ToFloat64()
		noise := make([]float64, len(want))
		hasGrad := make([]bool, len(want))
		v := make([]float64, len(want))
		b2 := beta2
		for step, gf := range grads {
			gt, _ := gf.Tensor(tn.Name)
			g, _ := gt.ToFloat64()
			largest := 0.0
			for _, x := range g {
				largest = math.Max(largest, math.Abs(x))
			}
			bc2 := 1 - math.Pow(b2, float64(step+1))
			for i, x := range g {
				v[i] = b2*v[i] + (1-b2)*x*x
				hasGrad[i] = hasGrad[i] || x != 0
				if hasGrad[i] { // a weight with no gradient yet does not move
					noise[i] += lrs[step] * 1e-6 * largest / (math.Sqrt(v[i]/bc2) + eps)
				}
			}
		}
		mean := 0.0
		for _, w := range want {
			mean += math.Abs(w) / float64(len(want))
		}
		for i := range want {
			strict := tol * (math.Abs(want[i]) + mean)
			if hasGrad[i] {
				moved++
				if noise[i] > 10*strict {
					loose++
				}
			}
			if d := math.Abs(have[i] - want[i]); d > strict+noise[i] {
				t.Fatalf("%s element %d: %.9g, PyTorch %.9g (difference %.3g, allowed %.3g + %.3g)", tn.Name, i, have[i], want[i], d, strict, noise[i])
			}
		}
		n++
	}
	if n != len(f.Tensors()) {
		t.Errorf("compared %d tensors, the reference has %d", n, len(f.Tensors()))
	}
	if loose > moved/50 {
		t.Errorf("%d of %d weights with gradients have a bound ten times the strict one; the fixture no longer tests much", loose, moved)
	}
}
