//go:build !noasm && !gccgo

package tensor

import (
	"math"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestDotQ6KAVX2 checks the AVX2 Q6_K product against its Go twin on
// blocks of arbitrary bytes (every 6-bit level, every int8 scale, -128
// included) and activations over the whole int8 range, -128 included.
func TestDotQ6KAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C {
		t.Skip("this CPU lacks AVX2, FMA or F16C")
	}
	rng := newRand(13)
	for _, blocks := range []int{0, 1, 2, 3, 9} {
		for range 20 {
			w := randomQ6KRow(rng, blocks)
			x := make([]int8, 256*blocks)
			for i := range x {
				x[i] = int8(rng.IntN(256) - 128)
			}
			xd := make([]float32, blocks)
			for i := range xd {
				xd[i] = float32(rng.ExpFloat64())
			}
			got, want := dotQ6KAVX2(w, x, xd), dotQ6KGeneric(w, x, xd)
			wf := make([]float32, 256*blocks)
			Dequantize(Q6_K, wf, w)
			var mag float64
			for i := range wf {
				mag += math.Abs(float64(wf[i]) * float64(x[i]) * float64(xd[i/256]))
			}
			// The blocks' integer sums are exact in both; only the float32
			// scaling and summing round differently.
			if math.Abs(float64(got)-float64(want)) > 1e-6*mag {
				t.Fatalf("%d blocks: %g, Go twin %g (|terms| %g)", blocks, got, want, mag)
			}
		}
	}
}
