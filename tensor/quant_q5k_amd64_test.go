//go:build !noasm && !gccgo

package tensor

import (
	"math"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestDotQ5KAVX2 checks the AVX2 Q5_K product against its Go twin on
// blocks of arbitrary bytes (every 5-bit level, every 6-bit scale and min)
// and activations over the whole int8 range, -128 included.
func TestDotQ5KAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C {
		t.Skip("this CPU lacks AVX2, FMA or F16C")
	}
	rng := newRand(14)
	for _, blocks := range []int{0, 1, 2, 3, 9} {
		for range 20 {
			w := make([]byte, blocks*q5KBlockBytes)
			for i := range w {
				w[i] = byte(rng.IntN(256))
			}
			for b := range blocks { // finite f16 d and dmin
				putHalf(w, b*q5KBlockBytes, float32(rng.NormFloat64()*1e-3))
				putHalf(w, b*q5KBlockBytes+2, float32(rng.NormFloat64()*1e-3))
			}
			x := make([]int8, 256*blocks)
			for i := range x {
				x[i] = int8(rng.IntN(256) - 128)
			}
			xd := make([]float32, blocks)
			for i := range xd {
				xd[i] = float32(rng.ExpFloat64())
			}
			xs := make([]int16, 8*blocks)
			for i := range xs {
				for _, v := range x[32*i : 32*i+32] {
					xs[i] += int16(v)
				}
			}
			got, want := dotQ5KAVX2(w, x, xd, xs), dotQ5KGeneric(w, x, xd, xs)
			wf := make([]float32, 256*blocks)
			Dequantize(Q5_K, wf, w)
			var mag float64
			for i := range wf {
				mag += math.Abs(float64(wf[i]) * float64(x[i]) * float64(xd[i/256]))
			}
			// The integer sums are exact in both; only the float32 scaling
			// and summing round differently.
			if math.Abs(float64(got)-float64(want)) > 1e-6*mag {
				t.Fatalf("%d blocks: %g, Go twin %g (|terms| %g)", blocks, got, want, mag)
			}
		}
	}
}
