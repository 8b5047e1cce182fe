//go:build !noasm && !gccgo

package tensor

// dotQ6KAVX2 is dotQ6KGeneric: per block of 256, the 6-bit q assembled
// from their low and high bits, Σq·x − 32·Σx by VPMADDUBSW in int16 pairs,
// times each 16 weights' int8 scale by VPMADDWD, summed in int32 lanes and
// scaled by d·xd in float32 lanes. It needs AVX2, FMA and F16C.
//
//go:noescape
func dotQ6KAVX2(w []byte, x []int8, xd []float32) float32
