package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestGemv checks Gemv, GemvBF16 and GemvF16, plain and transposed, against
// a float64 reference on shapes around the 4-row and 16/32-column blocks of
// the vector kernels, with padded rows and guarded outputs.
func TestGemv(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(6)
		for _, s := range [][2]int{{1, 1}, {3, 5}, {4, 16}, {5, 33}, {9, 47}, {17, 64}, {64, 100}, {300, 513}, {1000, 70}} {
			for _, kind := range []bKind{bF32, bBF16, bF16Kind} {
				for _, trans := range []bool{false, true} {
					for _, ab := range alphaBeta[:4] {
						m, n := s[0], s[1]
						lda := n + 7
						a := randSlice(rng, m*lda)
						var a16 []uint16
						switch kind {
						case bBF16:
							h := make([]BF16, len(a))
							Float32ToBF16(h, a)
							BF16ToFloat32(a, h)
							a16 = bf16Bits(h)
						case bF16Kind:
							h := make([]F16, len(a))
							Float32ToF16(h, a)
							F16ToFloat32(a, h)
							a16 = f16Bits(h)
						}
						xl, yl := n, m
						if trans {
							xl, yl = m, n
						}
						x := randSlice(rng, xl)
						yAll, y := guarded(yl, 8)
						y0 := randSlice(rng, yl)
						copy(y, y0)
						if ab.beta == 0 {
							for i := range y {
								y[i] = float32(math.NaN())
							}
						}
						switch kind {
						case bF32:
							Gemv(trans, m, n, ab.alpha, a, lda, x, ab.beta, y)
						case bBF16:
							GemvBF16(trans, m, n, ab.alpha, bf16From(a16), lda, x, ab.beta, y)
						case bF16Kind:
							GemvF16(trans, m, n, ab.alpha, f16From(a16), lda, x, ab.beta, y)
						}
						name := fmt.Sprintf("%dx%d/%s/trans=%v/α=%v,β=%v", m, n, kind, trans, ab.alpha, ab.beta)
						checkGuards(t, yAll, 8, name)
						for i := range y {
							var sum, mag float64
							for j := 0; j < xl; j++ {
								var av float32
								if trans {
									av = a[j*lda+i]
								} else {
									av = a[i*lda+j]
								}
								v := float64(av) * float64(x[j])
								sum += v
								mag += math.Abs(v)
							}
							want := float64(ab.alpha) * sum
							scale := math.Abs(float64(ab.alpha)) * mag
							if ab.beta != 0 {
								want += float64(ab.beta) * float64(y0[i])
								scale += math.Abs(float64(ab.beta) * float64(y0[i]))
							}
							if !closeTo(y[i], want, scale, gemmTol) {
								t.Fatalf("%s: y[%d] = %v, want %v", name, i, y[i], want)
							}
						}
					}
				}
			}
		}
	})
}

func bf16Bits(h []BF16) []uint16 {
	u := make([]uint16, len(h))
	for i, v := range h {
		u[i] = uint16(v)
	}
	return u
}

func f16Bits(h []F16) []uint16 {
	u := make([]uint16, len(h))
	for i, v := range h {
		u[i] = uint16(v)
	}
	return u
}

func bf16From(u []uint16) []BF16 {
	h := make([]BF16, len(u))
	for i, v := range u {
		h[i] = BF16(v)
	}
	return h
}

func f16From(u []uint16) []F16 {
	h := make([]F16, len(u))
	for i, v := range u {
		h[i] = F16(v)
	}
	return h
}

// TestVectorKernels compares each family's vector kernels with the Go
// reference loops on every length up to 80 and at unaligned offsets,
// checking that nothing past the end of the output is written.
func TestVectorKernels(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		ks := kernels()
		rng := newRand(7)
		for n := 0; n <= 80; n++ {
			for off := 0; off < 3; off++ {
				x := randSlice(rng, n+off)[off:]
				y := randSlice(rng, n+off)[off:]
				h := make([]BF16, n+off)[off:]
				f := make([]F16, n+off)[off:]
				Float32ToBF16(h, y)
				Float32ToF16(f, y)
				var mag float64
				for i := range x {
					mag += math.Abs(float64(x[i] * y[i]))
				}
				check := func(name string, got, want float32) {
					t.Helper()
					if !closeTo(got, float64(want), mag+1e-30, 16*eps32) {
						t.Fatalf("%s n=%d off=%d: %v, want %v", name, n, off, got, want)
					}
				}
				check("dotF32", ks.dotF32(y, x), dotF32Generic(y, x))
				check("dotBF16", ks.dotBF16(h, x), dotBF16Generic(h, x))
				check("dotF16", ks.dotF16(f, x), dotF16Generic(f, x))

				for _, kind := range []string{"axpyF32", "axpyBF16", "axpyF16", "widenBF16", "widenF16"} {
					all, got := guarded(n, 4)
					want := make([]float32, n)
					copy(got, y)
					copy(want, y)
					switch kind {
					case "axpyF32":
						ks.axpyF32(0.75, x, got)
						axpyF32Generic(0.75, x, want)
					case "axpyBF16":
						ks.axpyBF16(-1.25, h, got)
						axpyBF16Generic(-1.25, h, want)
					case "axpyF16":
						ks.axpyF16(3, f, got)
						axpyF16Generic(3, f, want)
					case "widenBF16":
						ks.widenBF16(got, h)
						widenBF16Generic(want, h)
					case "widenF16":
						ks.widenF16(got, f)
						widenF16Generic(want, f)
					}
					checkGuards(t, all, 4, kind)
					for i := range got {
						// Scale: the terms of the sum (fused or not).
						scale := math.Abs(float64(y[i])) + 4*math.Abs(float64(x[i])) + math.Abs(float64(want[i]))
						if !closeTo(got[i], float64(want[i]), scale, 2*eps32) {
							t.Fatalf("%s n=%d off=%d: [%d] = %v, want %v", kind, n, off, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestGemvF16Special runs half-precision GEMVs over the halves that a
// widening by integer shifts could get wrong: subnormals, signed zeros, the
// extremes of the normal range, infinities and NaNs in A, and x too large
// to be scaled by 2¹¹² (which must fall back to the converting kernel);
// with finite halves, also through GemvF16Finite and GemmF16Finite.
func TestGemvF16Special(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(11)
		special := []uint16{0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x83ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x0200, 0x3555}
		const m, n = 8, 69
		bits := make([]uint16, m*n)
		for i := range bits {
			if rng.IntN(3) == 0 {
				bits[i] = uint16(rng.IntN(0x7c00)) | uint16(rng.IntN(2))<<15 // any finite half
			} else {
				bits[i] = special[rng.IntN(len(special))]
			}
		}
		x := randSlice(rng, n)
		cases := []struct {
			name   string
			change func(a []uint16, x []float32)
		}{
			{"finite", func([]uint16, []float32) {}},
			{"+inf in row 2", func(a []uint16, _ []float32) { a[2*n+5] = 0x7c00 }},
			{"-inf in row 5", func(a []uint16, _ []float32) { a[5*n+40] = 0xfc00 }},
			{"NaN in row 0", func(a []uint16, _ []float32) { a[17] = 0x7e01 }},
			{"|x| = 1e5", func(_ []uint16, x []float32) { x[3] = -1e5 }},
			{"x holds +inf", func(_ []uint16, x []float32) { x[30] = float32(math.Inf(1)) }},
			{"x at 65504", func(_ []uint16, x []float32) { x[9] = 65504 }},
		}
		for _, c := range cases {
			a, xc := append([]uint16(nil), bits...), append([]float32(nil), x...)
			c.change(a, xc)
			af := make([]float32, len(a))
			F16ToFloat32(af, f16From(a))
			check := func(how string, y []float32) {
				for i := range y {
					var sum, mag float64
					for j := range n {
						v := float64(af[i*n+j]) * float64(xc[j])
						sum += v
						mag += math.Abs(v)
					}
					if !closeTo(y[i], sum, mag, gemmTol) {
						t.Errorf("%s, %s: y[%d] = %v, want %v", c.name, how, i, y[i], sum)
					}
				}
			}
			y := make([]float32, m)
			GemvF16(false, m, n, 1, f16From(a), n, xc, 0, y)
			check("GemvF16", y)
			if !F16Finite(f16From(a)) {
				continue
			}
			GemvF16Finite(false, m, n, 1, f16From(a), n, xc, 0, y)
			check("GemvF16Finite", y)
			// Two rows of X·Aᵀ, which run as GEMVs sharing A.
			xx := append(append([]float32(nil), xc...), xc...)
			yy := make([]float32, 2*m)
			GemmF16Finite(false, true, 2, m, n, 1, xx, n, f16From(a), n, 0, yy, m)
			check("GemmF16Finite row 0", yy[:m])
			check("GemmF16Finite row 1", yy[m:])
		}
	})
}
