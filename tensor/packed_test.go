package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestGemmPacked runs the GEMM shapes with op(B) packed ahead of time, for
// both stored layouts of B, with several scalings, through the serial,
// split-grid and one-row (GEMV) paths.
func TestGemmPacked(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(5)
		shapes := append(append([]gemmShape(nil), gemmShapes...), gemmShape{1, 50, 700}, gemmShape{1, 65, 257}, gemmShape{2, 100, 513}, gemmShape{48, 3000, 96})
		for _, s := range shapes {
			big := s.m*s.n*s.k > 1<<20
			if s.n*s.k > 1<<22 && testing.Short() {
				continue // the 16M-element B, as TestGemm leaves it out under -short (emulators)
			}
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for ai, ab := range alphaBeta {
					if big && ai > 1 {
						break
					}
					g := newGemmCase(rng, tr[0], tr[1], s, ab.alpha, ab.beta, bF32)
					p := PackB(g.transB, g.k, g.n, g.b, g.ldb)
					if p.Rows() != g.k || p.Cols() != g.n {
						t.Fatalf("PackB shape %d×%d, want %d×%d", p.Rows(), p.Cols(), g.k, g.n)
					}
					GemmPacked(g.transA, g.m, g.alpha, g.a, g.lda, p, g.beta, g.c, g.ldc)
					t.Run(fmt.Sprintf("%dx%dx%d/tA=%v,tB=%v/α=%v,β=%v", s.m, s.n, s.k, tr[0], tr[1], ab.alpha, ab.beta), g.check)
				}
			}
		}
	})
}

// TestGemmPackedThreads forces split grids and split GEMVs with more parts
// than this machine has cores.
func TestGemmPackedThreads(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(6)
		for _, threads := range []int{2, 3, 4, 6} {
			for _, s := range []gemmShape{{97, 211, 130}, {300, 20, 64}, {1, 300, 512}, {20, 3000, 64}} {
				g := newGemmCase(rng, false, true, s, 1.5, 0.5, bF32)
				p := PackB(true, g.k, g.n, g.b, g.ldb)
				j := &gemmJob{gemmArgs: gemmArgs{m: g.m, n: g.n, k: g.k, alpha: g.alpha, a: g.a, lda: g.lda, beta: g.beta, c: g.c, ldc: g.ldc, packed: p}}
				j.run(threads)
				t.Run(fmt.Sprintf("threads=%d/%dx%dx%d", threads, s.m, s.n, s.k), g.check)
			}
		}
	})
}

// TestPackedColTo reads every column of op(B) back out of the packing.
func TestPackedColTo(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(7)
		for _, s := range []gemmShape{{0, 37, 600}, {0, 1, 1}, {0, 50, 3}} {
			for _, transB := range []bool{false, true} {
				g := newGemmCase(rng, false, transB, s, 1, 0, bF32)
				p := PackB(transB, g.k, g.n, g.b, g.ldb)
				col := make([]float32, g.k)
				for j := 0; j < g.n; j++ {
					p.ColTo(col, j)
					for q, v := range col {
						if float64(v) != g.bAt(q, j) {
							t.Fatalf("%dx%d transB=%v: column %d row %d = %v, want %v", g.k, g.n, transB, j, q, v, g.bAt(q, j))
						}
					}
				}
			}
		}
	})
}

func TestGemmPackedAllocs(t *testing.T) {
	rng := newRand(8)
	const n = 192
	a, b, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float32, n*n)
	p := PackB(true, n, n, b, n)
	for name, f := range map[string]func(){
		"GemmPacked":   func() { GemmPacked(false, n, 1, a, n, p, 0, c, n) },
		"GemmPackedM1": func() { GemmPacked(false, 1, 1, a, n, p, 0, c, n) },
	} {
		f()
		if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}

// TestGemvPackedMatchesGemm compares the one-row product with a packed B
// (the decoding step, which streams the packing with gemvPanels) with the
// blocked GEMM on the same packing (two equal rows of A, which the
// micro-kernel computes) and with a float64 sum, on shapes with edge
// tiles: k below the kernels' four-row step and between slices, n around
// the family's sliver width and the columns one chunk of the GEMV covers.
func TestGemvPackedMatchesGemm(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(21)
		nr := kernels().nr
		chunk := len(scratch{}.tile) / nr * nr
		ks := []int{1, 2, 3, 4, 5, 7, 255, 256, 257, 513, 768}
		ns := []int{1, nr - 1, nr, nr + 1, 3*nr + 5, chunk - 1, chunk + 1, 2*chunk + nr + 3}
		for i := 0; i < 40; i++ {
			k, n := ks[rng.IntN(len(ks))], max(1, ns[rng.IntN(len(ns))])
			transB := rng.IntN(2) == 0
			ldb := n
			if transB {
				ldb = k
			}
			b := randSlice(rng, k*n)
			p := PackB(transB, k, n, b, ldb)
			x := randSlice(rng, k)
			a2 := append(append([]float32(nil), x...), x...)
			gemv := make([]float32, n)
			gemm := make([]float32, 2*n)
			GemmPacked(false, 1, 1, x, k, p, 0, gemv, n)
			GemmPacked(false, 2, 1, a2, k, p, 0, gemm, n)
			for j := 0; j < n; j++ {
				var sum, mag float64
				for q := 0; q < k; q++ {
					bq := b[q*n+j]
					if transB {
						bq = b[j*k+q]
					}
					v := float64(x[q]) * float64(bq)
					sum += v
					mag += math.Abs(v)
				}
				if !closeTo(gemv[j], sum, mag, gemmTol) || !closeTo(gemv[j], float64(gemm[j]), mag, gemmTol) {
					t.Fatalf("k=%d n=%d transB=%v: column %d = %v, GEMM %v, float64 %v", k, n, transB, j, gemv[j], gemm[j], sum)
				}
			}
		}
	})
}

// TestGemvPanels runs each family's gemvPanels kernel on one slice of
// slivers against the float64 sums it must add into acc, for every depth
// up to past two of its four-row steps, and checks it writes nothing past
// acc.
func TestGemvPanels(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		ks := kernels()
		rng := newRand(22)
		nr := ks.nr
		for kb := 0; kb <= 11; kb++ {
			for slivers := 1; slivers <= 5; slivers++ {
				w := slivers * nr
				a, blk := randSlice(rng, kb), randSlice(rng, kb*w)
				all := randSlice(rng, w+nr)
				acc0 := append([]float32(nil), all...)
				ks.gemvPanels(nr, kb, a, blk, all[:w])
				for j := 0; j < w; j++ {
					s, c := j/nr*nr, j%nr
					sum, mag := float64(acc0[j]), math.Abs(float64(acc0[j]))
					for q := 0; q < kb; q++ {
						v := float64(a[q]) * float64(blk[s*kb+q*nr+c])
						sum += v
						mag += math.Abs(v)
					}
					if !closeTo(all[j], sum, mag, 8*eps32) {
						t.Fatalf("kb=%d slivers=%d: acc[%d] = %v, want %v", kb, slivers, j, all[j], sum)
					}
				}
				for j := w; j < len(all); j++ {
					if all[j] != acc0[j] {
						t.Fatalf("kb=%d slivers=%d: acc[%d] past the end written", kb, slivers, j)
					}
				}
			}
		}
	})
}
