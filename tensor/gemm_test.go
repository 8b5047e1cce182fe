package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmTol bounds every GEMM error relative to the magnitude of the exact
// result's terms: |C - C₆₄| ≤ gemmTol·(|α|·Σ_p|a_ip·b_pj| + |β·c_ij|).
// It is 128 ulp: far above float32 rounding of any summation order, far
// below the error of a dropped or doubled term (≥ 1/k of the scale for the
// largest k tested, 4096, i.e. 2.4e-4).
const gemmTol = 128 * eps32

type gemmShape struct{ m, n, k int }

// gemmShapes are awkward on purpose: single elements, sizes that are not
// multiples of any tile, k = 0, a k that needs two depth blocks, an n that
// needs two column blocks, an m that needs several row blocks and threads,
// and the few-row products that run as GEMVs.
var gemmShapes = []gemmShape{
	{1, 1, 1}, {7, 13, 5}, {64, 64, 1}, {5, 7, 0}, {0, 3, 4}, {3, 0, 4},
	{1, 37, 70}, {2, 33, 300}, {13, 17, 300}, {150, 40, 10}, {40, 2100, 20},
	{31, 65, 257}, {4097, 33, 65}, {1, 4096, 4096},
	// a few rows: GEMVs sharing each block of B, split over threads
	{3, 71, 129}, {4, 1001, 300}, {5, 33, 64}, {16, 300, 129}, {17, 40, 50},
}

// alphaBeta are the scalings tried on every small shape; the big ones use
// the first two only.
var alphaBeta = []struct{ alpha, beta float32 }{
	{1, 0}, {-0.5, 1.5}, {2, 1}, {1, -1}, {0, 0.25}, {0, 0},
}

type bKind int

const (
	bF32 bKind = iota
	bBF16
	bF16Kind
)

func (k bKind) String() string { return [...]string{"f32", "bf16", "f16"}[k] }

// gemmCase is one GEMM with operands stored with padded strides, C framed by
// guard rows and columns.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	kind           bKind
	a              []float32
	lda            int
	b              []float32 // the float32 values of B (exact for 16-bit B)
	bBF16          []BF16
	bF16           []F16
	ldb            int
	c, cAll        []float32
	ldc, cPad      int
	c0             []float32 // C before the call
}

func newGemmCase(rng *rand.Rand, transA, transB bool, s gemmShape, alpha, beta float32, kind bKind) *gemmCase {
	g := &gemmCase{transA: transA, transB: transB, m: s.m, n: s.n, k: s.k, alpha: alpha, beta: beta, kind: kind}
	ar, ac := s.m, s.k
	if transA {
		ar, ac = s.k, s.m
	}
	br, bc := s.k, s.n
	if transB {
		br, bc = s.n, s.k
	}
	g.lda, g.ldb, g.ldc = ac+3, bc+5, s.n+2
	g.a = randSlice(rng, max(0, ar*g.lda))
	g.b = randSlice(rng, max(0, br*g.ldb))
	switch kind {
	case bBF16:
		g.bBF16 = make([]BF16, len(g.b))
		Float32ToBF16(g.bBF16, g.b)
		BF16ToFloat32(g.b, g.bBF16)
	case bF16Kind:
		g.bF16 = make([]F16, len(g.b))
		Float32ToF16(g.bF16, g.b)
		F16ToFloat32(g.b, g.bF16)
	}
	g.cPad = 2*g.ldc + 1
	g.cAll, g.c = guarded(s.m*g.ldc, g.cPad)
	for i := 0; i < s.m; i++ {
		for j := 0; j < s.n; j++ {
			if beta == 0 {
				g.c[i*g.ldc+j] = float32(math.NaN()) // must not be read
			} else {
				g.c[i*g.ldc+j] = 2*rng.Float32() - 1
			}
		}
	}
	g.c0 = append([]float32(nil), g.c...)
	return g
}

func (g *gemmCase) call() {
	switch g.kind {
	case bF32:
		Gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	case bBF16:
		GemmBF16(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.bBF16, g.ldb, g.beta, g.c, g.ldc)
	case bF16Kind:
		GemmF16(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.bF16, g.ldb, g.beta, g.c, g.ldc)
	}
}

func (g *gemmCase) aAt(i, p int) float64 {
	if g.transA {
		return float64(g.a[p*g.lda+i])
	}
	return float64(g.a[i*g.lda+p])
}

func (g *gemmCase) bAt(p, j int) float64 {
	if g.transB {
		return float64(g.b[j*g.ldb+p])
	}
	return float64(g.b[p*g.ldb+j])
}

// check compares C with a float64 reference and the guards and padding
// with their old values.
func (g *gemmCase) check(t *testing.T) {
	t.Helper()
	checkGuards(t, g.cAll, g.cPad, "C")
	// op(A) by rows and op(B) by columns, in float64, contiguous in p.
	opA := make([]float64, g.m*g.k)
	opB := make([]float64, g.n*g.k)
	for p := 0; p < g.k; p++ {
		for i := 0; i < g.m; i++ {
			opA[i*g.k+p] = g.aAt(i, p)
		}
		for j := 0; j < g.n; j++ {
			opB[j*g.k+p] = g.bAt(p, j)
		}
	}
	bad := 0
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.ldc; j++ {
			got := g.c[i*g.ldc+j]
			if i*g.ldc+j >= len(g.c) {
				break
			}
			if j >= g.n {
				if got != guard {
					t.Fatalf("C padding (%d,%d) overwritten with %v", i, j, got)
				}
				continue
			}
			var sum, mag float64
			if g.alpha != 0 {
				ra, rb := opA[i*g.k:(i+1)*g.k], opB[j*g.k:(j+1)*g.k]
				for p, av := range ra {
					v := av * rb[p]
					sum += v
					mag += math.Abs(v)
				}
			}
			want := float64(g.alpha) * sum
			scale := math.Abs(float64(g.alpha)) * mag
			if g.beta != 0 {
				c0 := float64(g.c0[i*g.ldc+j])
				want += float64(g.beta) * c0
				scale += math.Abs(float64(g.beta) * c0)
			}
			if !closeTo(got, want, scale, gemmTol) {
				if bad++; bad <= 5 {
					t.Errorf("C[%d][%d] = %v, want %v (scale %.3g)", i, j, got, want, scale)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d wrong elements", bad)
	}
}

func TestGemm(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(1)
		for _, s := range gemmShapes {
			// Big products try fewer scalings; the huge one (16M-element B)
			// only the batch-1 decoding layouts, to keep the test fast.
			big, huge := s.m*s.n*s.k > 1<<20, s.n*s.k > 1<<22
			if huge && testing.Short() {
				continue // -short, as under an emulator (.ci/avx512-bochs)
			}
			for _, kind := range []bKind{bF32, bBF16, bF16Kind} {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					if huge && tr[0] {
						continue
					}
					for ai, ab := range alphaBeta {
						if big && (ai > 1 || kind != bF32 && ai > 0) || huge && ai > 0 {
							break
						}
						name := fmt.Sprintf("%dx%dx%d/%s/tA=%v,tB=%v/α=%v,β=%v", s.m, s.n, s.k, kind, tr[0], tr[1], ab.alpha, ab.beta)
						g := newGemmCase(rng, tr[0], tr[1], s, ab.alpha, ab.beta, kind)
						g.call()
						t.Run(name, g.check)
					}
				}
			}
		}
	})
}

// TestGemmThreads runs the split code paths with more parts than this
// machine has cores, so that every grid shape is exercised anywhere.
func TestGemmThreads(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(2)
		for _, threads := range []int{1, 2, 3, 4, 6} {
			for _, s := range []gemmShape{{97, 211, 130}, {300, 20, 64}, {20, 300, 64}} {
				g := newGemmCase(rng, false, true, s, 1.5, 0.5, bF32)
				j := &gemmJob{gemmArgs: gemmArgs{transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k, alpha: g.alpha, a: g.a, lda: g.lda, b32: g.b, ldb: g.ldb, beta: g.beta, c: g.c, ldc: g.ldc}}
				j.run(threads)
				t.Run(fmt.Sprintf("threads=%d/%dx%dx%d", threads, s.m, s.n, s.k), g.check)
			}
		}
	})
}

// TestGemmSerial runs the single-goroutine entry point on shapes that Gemm
// would split or run as GEMVs.
func TestGemmSerial(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(4)
		for _, s := range []gemmShape{{1, 37, 70}, {16, 300, 129}, {257, 256, 64}, {64, 300, 700}} {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				g := newGemmCase(rng, tr[0], tr[1], s, -0.5, 1.5, bF32)
				GemmSerial(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
				t.Run(fmt.Sprintf("%dx%dx%d/tA=%v,tB=%v", s.m, s.n, s.k, tr[0], tr[1]), g.check)
			}
		}
	})
}

func TestGemmBatched(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(3)
		for _, s := range []gemmShape{{7, 9, 16}, {33, 65, 64}, {128, 128, 96}} {
			for _, tr := range [][2]bool{{false, true}, {true, false}} {
				const batch = 5
				cases := make([]*gemmCase, batch)
				for p := range cases {
					cases[p] = newGemmCase(rng, tr[0], tr[1], s, 0.75, 0.5, bF32)
				}
				// Lay the batch out in shared slices with gaps between
				// matrices, then check each one in place.
				sa, sb, sc := len(cases[0].a)+3, len(cases[0].b)+1, len(cases[0].cAll)
				a := make([]float32, batch*sa)
				b := make([]float32, batch*sb)
				c := make([]float32, batch*sc)
				for p, g := range cases {
					copy(a[p*sa:], g.a)
					copy(b[p*sb:], g.b)
					copy(c[p*sc:], g.cAll)
					g.cAll = c[p*sc : p*sc+len(g.cAll)]
					g.c = g.cAll[g.cPad : g.cPad+len(g.c)]
				}
				g0 := cases[0]
				GemmBatched(tr[0], tr[1], batch, s.m, s.n, s.k, g0.alpha, a, sa, g0.lda, b, sb, g0.ldb, g0.beta, c[g0.cPad:], sc, g0.ldc)
				for p, g := range cases {
					t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/%d", s.m, s.n, s.k, tr[0], p), g.check)
				}
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 12)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Gemm(false, false, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) }},
		{"short lda", func() { Gemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"short A", func() { Gemm(false, false, 4, 3, 4, 1, a, 4, a, 3, 0, a, 3) }},
		{"short C", func() { Gemm(false, false, 3, 5, 1, 1, a, 1, a, 5, 0, a, 5) }},
		{"transposed B stride", func() { Gemm(false, true, 2, 4, 3, 1, a, 3, a, 2, 0, a, 4) }},
		{"short x", func() { Gemv(false, 2, 3, 1, a, 3, a[:2], 0, a) }},
		{"short y", func() { Gemv(true, 2, 3, 1, a, 3, a, 0, a[:2]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

// TestGemmAllocs checks that GEMM and GEMV allocate nothing once the pools
// are warm, serial and parallel.
func TestGemmAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector empties sync.Pools at random")
	}
	rng := newRand(4)
	const n = 192
	a, b, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float32, n*n)
	b16 := make([]BF16, n*n)
	Float32ToBF16(b16, b)
	q40, q4k := make([]byte, n*Q4_0.RowBytes(n)), make([]byte, 256*Q4_K.RowBytes(256))
	Quantize(Q4_0, q40, b)
	Quantize(Q4_K, q4k, randSlice(rng, 256*256))
	for name, f := range map[string]func(){
		"GemmQ":           func() { GemmQ(Q4_0, 32, n, n, a, n, q40, c, n) },
		"GemmQ4K":         func() { GemmQ(Q4_K, 20, 100, 256, a, 256, q4k, c, 100) },
		"GemvQ":           func() { GemvQ(Q4_0, n, n, q40, a[:n], c[:n]) },
		"GemmBF16Rounded": func() { GemmBF16Rounded(n, n, n, a, n, b16, n, c, n) },
		"ParallelFor":     func() { ParallelFor(64, 1, func(int, int) {}) },
		"Gemm":            func() { Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) },
		"GemmT":           func() { Gemm(true, true, n, n, n, 1, a, n, b, n, 1, c, n) },
		"GemmBF16":        func() { GemmBF16(false, true, n, n, n, 1, a, n, b16, n, 0, c, n) },
		"GemmM1":          func() { GemmBF16(false, true, 1, n, n, 1, a, n, b16, n, 0, c, n) },
		"Gemv":            func() { Gemv(false, n, n, 1, a, n, b, 0, c) },
		"GemvT":           func() { Gemv(true, n, n, 1, a, n, b, 0, c) },
		"Batched":         func() { GemmBatched(false, true, 8, 24, 24, 24, 1, a, 576, 24, b, 576, 24, 0, c, 576, 24) },
	} {
		f()
		if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}
