package group_test

import (
	"math/rand/v2"
	"testing"

	"github.com/fmkit/fmkit/group"
)

// benchmarkSpectra measures the power spectra of m functions on S_n with a
// transform built once, as an analysis of many checkpoints uses it.
func benchmarkSpectra(b *testing.B, n, m int) {
	ft, err := group.NewFourier(n)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	fns := make([]float32, m*ft.Order())
	for i := range fns {
		fns[i] = float32(rng.NormFloat64())
	}
	ft.PowerSpectra(fns, m) // builds the float32 matrix once
	b.ResetTimer()
	for b.Loop() {
		ft.PowerSpectra(fns, m)
	}
}

// The targets: 2×128 neuron functions of an S5 model, 2×256 of S6.
func BenchmarkPowerSpectraS5x256(b *testing.B) { benchmarkSpectra(b, 5, 256) }
func BenchmarkPowerSpectraS6x512(b *testing.B) { benchmarkSpectra(b, 6, 512) }

// BenchmarkNewFourier measures building the tables themselves.
func BenchmarkNewFourierS5(b *testing.B) { benchNew(b, 5) }
func BenchmarkNewFourierS6(b *testing.B) { benchNew(b, 6) }

func benchNew(b *testing.B, n int) {
	for b.Loop() {
		if _, err := group.NewFourier(n); err != nil {
			b.Fatal(err)
		}
	}
}
