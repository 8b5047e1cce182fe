package tensor

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func benchGemm(b *testing.B, n int, kind bKind, transB bool) {
	rng := newRand(1)
	a, bf, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float32, n*n)
	bb := make([]BF16, n*n)
	bh := make([]F16, n*n)
	Float32ToBF16(bb, bf)
	Float32ToF16(bh, bf)
	b.SetBytes(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		switch kind {
		case bF32:
			Gemm(false, transB, n, n, n, 1, a, n, bf, n, 0, c, n)
		case bBF16:
			GemmBF16(false, transB, n, n, n, 1, a, n, bb, n, 0, c, n)
		case bF16Kind:
			GemmF16(false, transB, n, n, n, 1, a, n, bh, n, 0, c, n)
		}
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		for _, kind := range []bKind{bF32, bBF16, bF16Kind} {
			for _, tb := range []bool{false, true} {
				b.Run(fmt.Sprintf("%d/%s/transB=%v", n, kind, tb), func(b *testing.B) { benchGemm(b, n, kind, tb) })
			}
		}
	}
}

// parallelCopy copies src to dst in GOMAXPROCS pieces at once: the streaming
// copy GEMV's bandwidth is measured against.
func parallelCopy(dst, src []byte) {
	threads := maxThreads()
	var wg sync.WaitGroup
	for p := 0; p < threads; p++ {
		lo, hi := span(len(src), 4096, threads, p)
		wg.Add(1)
		go func() {
			copy(dst[lo:hi], src[lo:hi])
			wg.Done()
		}()
	}
	wg.Wait()
}

// BenchmarkGemvBandwidth times y = A·x for a 8192×4096 A (too big for any
// cache) alternately with a streaming copy of 64 MiB, and reports both
// bandwidths (from the fastest repetition of each) and their ratio. GEMV's bandwidth counts the bytes of A read;
// the copy's counts bytes read plus bytes written, as STREAM does.
func BenchmarkGemvBandwidth(b *testing.B) {
	const m, n = 8192, 4096
	rng := newRand(5)
	x, y := randSlice(rng, n), make([]float32, m)
	a32 := randSlice(rng, m*n)
	src, dst := make([]byte, 64<<20), make([]byte, 64<<20)
	for i := range src {
		src[i] = byte(i)
	}
	for _, kind := range []string{"f32", "bf16", "f16", "f16Finite", "f32T", "bf16T", "f16T"} {
		b.Run(kind, func(b *testing.B) {
			var run func()
			bytes := 4 * m * n
			switch kind {
			case "f32":
				run = func() { Gemv(false, m, n, 1, a32, n, x, 0, y) }
			case "f32T":
				xt, yt := randSlice(rng, m), make([]float32, n)
				run = func() { Gemv(true, m, n, 1, a32, n, xt, 0, yt) }
			case "bf16", "bf16T":
				a := make([]BF16, m*n)
				Float32ToBF16(a, a32)
				bytes = 2 * m * n
				run = func() { GemvBF16(false, m, n, 1, a, n, x, 0, y) }
				if kind == "bf16T" {
					xt, yt := randSlice(rng, m), make([]float32, n)
					run = func() { GemvBF16(true, m, n, 1, a, n, xt, 0, yt) }
				}
			case "f16", "f16Finite":
				a := make([]F16, m*n)
				Float32ToF16(a, a32)
				bytes = 2 * m * n
				run = func() { GemvF16(false, m, n, 1, a, n, x, 0, y) }
				if kind == "f16Finite" {
					run = func() { GemvF16Finite(false, m, n, 1, a, n, x, 0, y) }
				}
			case "f16T":
				a := make([]F16, m*n)
				Float32ToF16(a, a32)
				bytes = 2 * m * n
				xt, yt := randSlice(rng, m), make([]float32, n)
				run = func() { GemvF16(true, m, n, 1, a, n, xt, 0, yt) }
			}
			run()
			parallelCopy(dst, src)
			// The best of each, since other processes on the machine only
			// ever slow a run down.
			tGemv, tCopy := time.Hour, time.Hour
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				run()
				t1 := time.Now()
				parallelCopy(dst, src)
				tGemv = min(tGemv, t1.Sub(t0))
				tCopy = min(tCopy, time.Since(t1))
			}
			gemvBW := float64(bytes) / tGemv.Seconds() / 1e9
			copyBW := 2 * float64(len(src)) / tCopy.Seconds() / 1e9
			b.ReportMetric(gemvBW, "GB/s")
			b.ReportMetric(copyBW, "copyGB/s")
			b.ReportMetric(100*gemvBW/copyBW, "%copy")
		})
	}
}

func BenchmarkElementwise(b *testing.B) {
	rng := newRand(12)
	const vocab, hidden = 50257, 4096
	logits := randSlice(rng, vocab)
	h := randSlice(rng, hidden)
	w := randSlice(rng, hidden)
	out := make([]float32, vocab)
	bf := make([]BF16, hidden)
	for _, c := range []struct {
		name string
		n    int
		f    func()
	}{
		{"Softmax/50257", vocab, func() { SoftmaxTo(out, logits) }},
		{"LogSoftmax/50257", vocab, func() { LogSoftmaxTo(out, logits) }},
		{"RMSNorm/4096", hidden, func() { RMSNormTo(out[:hidden], h, w, 1e-6) }},
		{"LayerNorm/4096", hidden, func() { LayerNormTo(out[:hidden], h, w, w, 1e-5) }},
		{"SiLU/4096", hidden, func() { SiLUTo(out[:hidden], h) }},
		{"GELU/4096", hidden, func() { GELUTo(out[:hidden], h) }},
		{"GELUTanh/4096", hidden, func() { GELUTanhTo(out[:hidden], h) }},
		{"BF16ToFloat32/4096", hidden, func() { BF16ToFloat32(out[:hidden], bf) }},
		{"Float32ToBF16/4096", hidden, func() { Float32ToBF16(bf, h) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(4 * c.n))
			for i := 0; i < b.N; i++ {
				c.f()
			}
		})
	}
}
