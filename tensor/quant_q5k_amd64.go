//go:build !noasm && !gccgo

package tensor

// dotQ5KAVX2 is dotQ5KGeneric: per super-block of 256, the 5-bit q (low
// nibbles and fifth bits) times x by VPMADDUBSW, times the sub-blocks'
// 6-bit scales by VPMADDWD, summed in int32 lanes and scaled by d·xd; the
// mins' term Σ min·xs scaled by dmin·xd. It needs AVX2, FMA and F16C.
//
//go:noescape
func dotQ5KAVX2(w []byte, x []int8, xd []float32, xs []int16) float32
