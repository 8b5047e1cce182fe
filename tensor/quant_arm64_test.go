//go:build !noasm && !gccgo

package tensor

import (
	"math"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestQuantDotNEON checks both NEON variants of the quantized dot
// products (SDOT, and SMULL for CPUs without FEAT_DotProd, which the
// family tests do not reach where the CPU has it) against the Go twins on
// blocks of arbitrary bytes: every int8 weight (-128 included), every
// nibble, every 6-bit scale and min, activations over the whole int8 range.
func TestQuantDotNEON(t *testing.T) {
	variants := []struct {
		name string
		qk   *quantKernels
		need bool
	}{{"sdot", sdotQuantKernels, cpu.ARM64.HasASIMDDP}, {"smull", smullQuantKernels, true}}
	rng := newRand(12)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			if !v.need {
				t.Skip("this CPU lacks FEAT_DotProd (SDOT)")
			}
			for _, blocks := range []int{0, 1, 2, 3, 9} {
				for _, q := range QTypes() {
					if q == Q5_K || q == Q6_K {
						continue // no NEON kernel: GemvQ runs the Go one
					}
					n := blocks * q.BlockSize()
					w := make([]byte, q.RowBytes(n))
					for i := range w {
						w[i] = byte(rng.IntN(256))
					}
					bb := q.BlockBytes()
					for b := range blocks { // finite half scales (d, and dmin for Q4_K)
						putHalf(w, b*bb, float32(rng.NormFloat64()))
						if q == Q4_K {
							putHalf(w, b*bb+2, float32(rng.NormFloat64()))
						}
					}
					x := make([]int8, n)
					for i := range x {
						x[i] = int8(rng.IntN(256) - 128)
					}
					nd := n / 32
					if q == Q4_K {
						nd = n / 256
					}
					xd := make([]float32, nd)
					for i := range xd {
						xd[i] = float32(rng.ExpFloat64())
					}
					xs := make([]int16, n/32)
					for i := range xs {
						for _, e := range x[32*i : 32*i+32] {
							xs[i] += int16(e)
						}
					}
					var got, want float32
					switch q {
					case Q8_0:
						got, want = v.qk.dotQ8_0(w, x, xd), dotQ8_0Generic(w, x, xd)
					case Q4_0:
						got, want = v.qk.dotQ4_0(w, x, xd), dotQ4_0Generic(w, x, xd)
					default:
						got, want = v.qk.dotQ4K(w, x, xd, xs), dotQ4KGeneric(w, x, xd, xs)
					}
					// The blocks' integer sums are exact in both; only the
					// float32 scaling and summing may round differently.
					scale := quantDotMagnitude(q, w, x, xd, xs)
					if math.Abs(float64(got)-float64(want)) > 1e-6*scale {
						t.Errorf("%s, %d blocks: %g, Go twin %g (|terms| %g)", q, blocks, got, want, scale)
					}
				}
			}
		})
	}
}

// quantDotMagnitude is the sum of the absolute values of the blocks'
// scaled terms, in float64.
func quantDotMagnitude(q QType, w []byte, x []int8, xd []float32, xs []int16) float64 {
	var mag float64
	for b := range xd {
		switch q {
		case Q8_0:
			var s int64
			for j, e := range x[32*b : 32*b+32] {
				s += int64(int8(w[34*b+2+j])) * int64(e)
			}
			mag += math.Abs(float64(s) * float64(halfAt(w, 34*b)) * float64(xd[b]))
		case Q4_0:
			var s int64
			for j := range 16 {
				s += (int64(w[18*b+2+j]&0xf) - 8) * int64(x[32*b+j])
				s += (int64(w[18*b+2+j]>>4) - 8) * int64(x[32*b+16+j])
			}
			mag += math.Abs(float64(s) * float64(halfAt(w, 18*b)) * float64(xd[b]))
		default:
			blk := w[144*b : 144*b+144]
			var dots, mins int64
			for s := range 8 {
				sc, m := scaleMinK4(s, blk[4:16])
				var dot int64
				for l, e := range x[256*b+32*s : 256*b+32*s+32] {
					nib := blk[16+32*(s/2)+l] & 0xf
					if s%2 == 1 {
						nib = blk[16+32*(s/2)+l] >> 4
					}
					dot += int64(nib) * int64(e)
				}
				dots += int64(sc) * dot
				mins += int64(m) * int64(xs[8*b+s])
			}
			mag += math.Abs(float64(xd[b])*float64(halfAt(blk, 0))*float64(dots)) + math.Abs(float64(xd[b])*float64(halfAt(blk, 2))*float64(mins))
		}
	}
	return mag + 1e-30
}
