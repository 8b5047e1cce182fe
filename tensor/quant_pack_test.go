package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmQWidenMatchesDequantizedGemm checks gemmQWiden (GemmQ from
// gemmQWidenRows rows on, where there is no integer prefill kernel), which
// dequantizes A straight into packed panels, against
// dequantizing A with Dequantize and multiplying the float32 copy: bit for
// bit against PackB and GemmPacked (the same panels, built by the float32
// packer, and the same micro-kernel), and within float32 rounding against
// Gemm. The shapes have partial register tiles in both directions, k
// slices that cut blocks of 32 in two (k = 800 is cut at 200, 400, 600),
// several k slices of Q4_K super-blocks, A's rows in more than one chunk,
// and padded strides.
func TestGemmQWidenMatchesDequantizedGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := []struct{ rows, m, n int }{
		{gemmQWidenRows, 5, 256},
		{gemmQWidenRows + 3, 33, 512},
		{29, 70, 800},
		{gemmQWidenRows, 1300, 800}, // two chunks (gemmQWidenValues / 800 rows each at most)
		{37, 45, 1280},
		{128, 96, 768},
	}
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		for _, q := range QTypes() {
			for _, sh := range shapes {
				if sh.n%q.BlockSize() != 0 {
					continue
				}
				name := fmt.Sprintf("%s %s %v", fam, q, sh)
				ldx, ldc := sh.n+3, sh.m+5
				x := randFloats(rng, sh.rows*ldx, 1)
				a := make([]byte, sh.m*q.RowBytes(sh.n))
				Quantize(q, a, randFloats(rng, sh.m*sh.n, 0.05))
				wf := make([]float32, sh.m*sh.n)
				Dequantize(q, wf, a)

				got := make([]float32, sh.rows*ldc)
				for i := range got {
					got[i] = -7 // guard values in the padding
				}
				gemmQWiden(q, sh.rows, sh.m, sh.n, x, ldx, a, got, ldc)

				packed := make([]float32, sh.rows*ldc)
				GemmPacked(false, sh.rows, 1, x, ldx, PackB(true, sh.n, sh.m, wf, sh.n), 0, packed, ldc)
				plain := make([]float32, sh.rows*ldc)
				Gemm(false, true, sh.rows, sh.m, sh.n, 1, x, ldx, wf, sh.n, 0, plain, ldc)

				for i := range sh.rows {
					for j := range ldc {
						g := got[i*ldc+j]
						if j >= sh.m {
							if g != -7 {
								t.Fatalf("%s: padding c[%d,%d] written", name, i, j)
							}
							continue
						}
						if w := packed[i*ldc+j]; math.Float32bits(g) != math.Float32bits(w) {
							t.Fatalf("%s: c[%d,%d] = %g, PackB+GemmPacked of the dequantized A gives %g", name, i, j, g, w)
						}
						if w := plain[i*ldc+j]; math.Abs(float64(g-w)) > 1e-4*(1+math.Abs(float64(w))) {
							t.Fatalf("%s: c[%d,%d] = %g, Gemm of the dequantized A gives %g", name, i, j, g, w)
						}
					}
				}
			}
		}
		SetKernels(prev)
	}
}

func randFloats(rng *rand.Rand, n int, scale float64) []float32 {
	f := make([]float32, n)
	for i := range f {
		f[i] = float32(rng.NormFloat64() * scale)
	}
	return f
}
