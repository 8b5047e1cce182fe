package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestGemmBF16Rounded checks GemmBF16Rounded in every family, on shapes
// with partial tiles both ways, an odd depth and padded strides, against
// the float64 products of A rounded to bfloat16 and B; on the CPUs with
// AVX512_BF16 the avx512 family runs the VDPBF16PS kernel, and a family
// without it rounds A and widens B. Rows past n in each row of C are left
// alone.
func TestGemmBF16Rounded(t *testing.T) {
	rng := newRand(21)
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		if fam == "avx512" && hasAVX512BF16() && kernels().bf16Tile == nil {
			t.Errorf("the CPU has AVX512_BF16 but the avx512 family has no bfloat16 dot-product kernel (%v)", KernelNotes())
		}
		for _, s := range []struct{ m, n, k int }{{1, 5, 8}, {16, 32, 64}, {17, 33, 7}, {40, 70, 768}, {6, 100, 1}} {
			name := fmt.Sprintf("%s %dx%dx%d", fam, s.m, s.n, s.k)
			lda, ldb, ldc := s.k+3, s.k+5, s.n+2
			a := make([]float32, s.m*lda)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			b := make([]BF16, s.n*ldb)
			for i := range b {
				b[i] = BF16FromFloat32(float32(rng.NormFloat64()))
			}
			c := make([]float32, s.m*ldc)
			for i := range c {
				c[i] = guard
			}
			GemmBF16Rounded(s.m, s.n, s.k, a, lda, b, ldb, c, ldc)
			for i := range s.m {
				for j := range ldc {
					got := c[i*ldc+j]
					if j >= s.n {
						if got != guard {
							t.Fatalf("%s: C padding (%d,%d) overwritten", name, i, j)
						}
						continue
					}
					var want, mag float64
					for p := range s.k {
						v := float64(BF16FromFloat32(a[i*lda+p]).Float32()) * float64(b[j*ldb+p].Float32())
						want += v
						mag += math.Abs(v)
					}
					if math.Abs(float64(got)-want) > 1e-5*mag+1e-30 {
						t.Fatalf("%s: C[%d][%d] = %g, want %g", name, i, j, got, want)
					}
				}
			}
		}
		SetKernels(prev)
	}
}

// TestBF16TileSelfCheckFails checks that the start-up check rejects a
// kernel that is wrong: a kernel that drops the second product of every
// pair.
func TestBF16TileSelfCheckFails(t *testing.T) {
	bad := func(w, a *byte, pairs int, out *[dotTileTokens * dotTileRows]float32) {
		for i := range out {
			out[i] = 0
		}
	}
	if err := checkBF16Tile(bad); err == nil {
		t.Fatal("a kernel that returns zeros passed the self-check")
	}
}
