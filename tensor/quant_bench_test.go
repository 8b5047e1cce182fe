package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemvQ measures the quantized GEMV on a Llama-110M MLP shape
// (2048×768) and a larger one (4096×4096) per family; bytes/s counts the
// quantized weights read.
func BenchmarkGemvQ(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []struct{ m, n int }{{2048, 768}, {4096, 4096}} {
		x := make([]float32, sh.n)
		wf := make([]float32, sh.m*sh.n)
		for i := range wf {
			wf[i] = float32(rng.NormFloat64())
		}
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		y := make([]float32, sh.m)
		for _, q := range QTypes() {
			a := make([]byte, sh.m*q.RowBytes(sh.n))
			Quantize(q, a, wf)
			for _, fam := range AvailableKernels() {
				b.Run(fmt.Sprintf("%s/%dx%d/%s", q, sh.m, sh.n, fam), func(b *testing.B) {
					prev, _ := SetKernels(fam)
					defer SetKernels(prev)
					b.SetBytes(int64(len(a)))
					for b.Loop() {
						GemvQ(q, sh.m, sh.n, a, x, y)
					}
				})
			}
		}
	}
}

// BenchmarkGemmQ measures a prefill-sized quantized product: 128 rows by
// a 2048×768 matrix; flop/s counts 2·rows·m·n.
func BenchmarkGemmQ(b *testing.B) {
	const rows, m, n = 128, 2048, 768
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*n)
	wf := make([]float32, m*n)
	for i := range wf {
		wf[i] = float32(rng.NormFloat64())
	}
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	c := make([]float32, rows*m)
	b.Run("f32", func(b *testing.B) {
		for b.Loop() {
			Gemm(false, true, rows, m, n, 1, x, n, wf, n, 0, c, m)
		}
		b.ReportMetric(2*rows*m*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	for _, q := range QTypes() {
		a := make([]byte, m*q.RowBytes(n))
		Quantize(q, a, wf)
		for _, fam := range AvailableKernels() {
			b.Run(fmt.Sprintf("%s/%s", q, fam), func(b *testing.B) {
				prev, _ := SetKernels(fam)
				defer SetKernels(prev)
				for b.Loop() {
					GemmQ(q, rows, m, n, x, n, a, c, m)
				}
				b.ReportMetric(2*rows*m*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
