package erase

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchData returns n float32 rows of dimension d with k classes.
func benchData(n, d, k int) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := make([]float32, n*d)
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(k)
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(rng.NormFloat64() + 0.3*float64((y[i]+j)%k) + 2)
		}
	}
	return x, y
}

// BenchmarkUpdate reports GFLOP/s counted as 2·n·d² per batch.
func BenchmarkUpdate(b *testing.B) {
	const n, d, k = 4096, 768, 17
	x, y := benchData(n, d, k)
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	flops := 2 * float64(n) * d * d
	b.Run("float32", func(b *testing.B) {
		f, _ := NewFitter(d, k, nil)
		for b.Loop() {
			if err := f.UpdateFloat32(x, Labels(y)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("float64", func(b *testing.B) {
		f, _ := NewFitter(d, k, nil)
		for b.Loop() {
			if err := f.Update(x64, Labels(y)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkEraser times building the eraser from fitted statistics, on the
// Cholesky path and (with a duplicated feature making Σ_XX singular) on the
// eigendecomposition path. Eraser/4096 wants -tags lapack (its singular
// case runs LAPACK's dsyevd; gonum's eigensolver takes minutes there).
func BenchmarkEraser(b *testing.B) {
	for _, d := range []int{768, 4096} {
		for _, singular := range []bool{false, true} {
			b.Run(fmt.Sprintf("%d/singular=%v", d, singular), func(b *testing.B) {
				const k = 17
				x, y := benchData(d+512, d, k)
				if singular {
					for i := 0; i < d+512; i++ {
						x[i*d+d-1] = x[i*d]
					}
				}
				f, _ := NewFitter(d, k, nil)
				if err := f.UpdateFloat32(x, Labels(y)); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := f.Eraser(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
