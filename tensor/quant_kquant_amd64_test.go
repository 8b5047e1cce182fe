//go:build !noasm && !gccgo

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestDotKQuantAVX2 checks the AVX2 Q5_K and Q6_K products against their
// Go twins on blocks of arbitrary bytes (every level, every scale and min;
// Q6_K's int8 scales include -128) and activations over the whole int8
// range, -128 included. The blocks' integer sums are exact in both; only
// the float32 scaling and summing round differently.
func TestDotKQuantAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C {
		t.Skip("this CPU lacks AVX2, FMA or F16C")
	}
	type dot func(w []byte, x []int8, xd []float32, xs []int16) float32
	for _, tc := range []struct {
		q         QType
		seed      uint64
		row       func(rng *rand.Rand, blocks int) []byte
		asm, twin dot
	}{
		{Q5_K, 14, randomQ5KRow, dotQ5KAVX2, dotQ5KGeneric},
		{Q6_K, 13, randomQ6KRow,
			func(w []byte, x []int8, xd []float32, _ []int16) float32 { return dotQ6KAVX2(w, x, xd) },
			func(w []byte, x []int8, xd []float32, _ []int16) float32 { return dotQ6KGeneric(w, x, xd) }},
	} {
		rng := newRand(tc.seed)
		for _, blocks := range []int{0, 1, 2, 3, 9} {
			for range 20 {
				w := tc.row(rng, blocks)
				x := make([]int8, 256*blocks)
				for i := range x {
					x[i] = int8(rng.IntN(256) - 128)
				}
				xd := make([]float32, blocks)
				for i := range xd {
					xd[i] = float32(rng.ExpFloat64())
				}
				xs := make([]int16, 8*blocks)
				blockSums(xs, x)
				got, want := tc.asm(w, x, xd, xs), tc.twin(w, x, xd, xs)
				wf := make([]float32, 256*blocks)
				Dequantize(tc.q, wf, w)
				var mag float64
				for i := range wf {
					mag += math.Abs(float64(wf[i]) * float64(x[i]) * float64(xd[i/256]))
				}
				if math.Abs(float64(got)-float64(want)) > 1e-6*mag {
					t.Fatalf("%s, %d blocks: %g, Go twin %g (|terms| %g)", tc.q, blocks, got, want, mag)
				}
			}
		}
	}
}

// randomQ5KRow is blocks Q5_K blocks of arbitrary bytes with finite f16 d
// and dmin.
func randomQ5KRow(rng *rand.Rand, blocks int) []byte {
	w := make([]byte, blocks*q5KBlockBytes)
	for i := range w {
		w[i] = byte(rng.IntN(256))
	}
	for b := range blocks {
		putHalf(w, b*q5KBlockBytes, float32(rng.NormFloat64()*1e-3))
		putHalf(w, b*q5KBlockBytes+2, float32(rng.NormFloat64()*1e-3))
	}
	return w
}
