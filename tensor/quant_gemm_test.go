package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmQInt8 checks the integer prefill kernel of every family that has
// one against the float64 sums of the dequantized weights times each row
// of x quantized as the GEMV quantizes it (Q8_0 or Q8_K blocks), on shapes with
// partial tiles in both directions, Q4_K super-blocks, and padded strides.
func TestGemmQInt8(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := []struct{ rows, m, n int }{{1, 1, 256}, {6, 32, 256}, {7, 33, 512}, {29, 70, 768}, {64, 96, 2048}}
	tested := 0
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		SetKernels(prev)
		if qk.int8Tile == nil {
			continue
		}
		for _, q := range QTypes() {
			if !int8Formats(q) {
				continue
			}
			for _, sh := range shapes {
				tested++
				name := fmt.Sprintf("%s %s %v", fam, q, sh)
				ldx, ldc := sh.n+3, sh.m+5
				x := randFloats(rng, sh.rows*ldx, 1)
				a := make([]byte, sh.m*q.RowBytes(sh.n))
				Quantize(q, a, randFloats(rng, sh.m*sh.n, 0.05))
				got := make([]float32, sh.rows*ldc)
				for i := range got {
					got[i] = -7
				}
				gemmQInt8(qk, q, sh.rows, sh.m, sh.n, x, ldx, a, got, ldc)
				rb := q.RowBytes(sh.n)
				var act qActs
				for i := range sh.rows {
					if q.actsQ8K() {
						act.resize(sh.n, 256)
						quantizeActsQ8K(&act, x[i*ldx:i*ldx+sh.n])
					} else {
						act.resize(sh.n, 32)
						quantizeActsQ8_0(&act, x[i*ldx:i*ldx+sh.n])
					}
					for j := range ldc {
						g := got[i*ldc+j]
						if j >= sh.m {
							if g != -7 {
								t.Fatalf("%s: padding c[%d,%d] written", name, i, j)
							}
							continue
						}
						want := quantDotRef(q, a[j*rb:(j+1)*rb], &act, sh.n)
						if tol := 1e-5 * (1 + math.Sqrt(float64(sh.n))) * (1 + math.Abs(want)); math.Abs(float64(g)-want) > tol {
							t.Fatalf("%s: c[%d,%d] = %g, exact %g", name, i, j, g, want)
						}
					}
				}
			}
		}
	}
	if hasVNNI() && tested == 0 {
		t.Fatal("the CPU has AVX-512 VNNI but no family has the integer prefill kernel")
	}
}

// TestPackInt8PanelKernels checks each family's eight-row panel packers
// against packInt8Row byte for byte, on a panel whose last group of rows
// is cut short by the matrix's end.
func TestPackInt8PanelKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const m, n = 60, 512
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		SetKernels(prev)
		for _, q := range QTypes() {
			if !int8Formats(q) || qk.panel8[q] == nil {
				continue
			}
			a := make([]byte, m*q.RowBytes(n))
			Quantize(q, a, randFloats(rng, m*n, 0.05))
			rb, nb := q.RowBytes(n), n/32
			for _, r0 := range []int{0, 32} {
				got := make([]byte, nb*int8PanelBlock)
				want := make([]byte, nb*int8PanelBlock)
				packInt8Panel(got, q, a, rb, m, r0, n, qk)
				for r := range dotTileRows {
					packInt8Row(want, q, a, rb, m, r0, r, nb)
				}
				for i := range want {
					if got[i] != want[i] {
						b, off := i/int8PanelBlock, i%int8PanelBlock
						t.Fatalf("%s %s rows from %d: block %d byte %d = %#x, want %#x", fam, q, r0, b, off, got[i], want[i])
					}
				}
			}
		}
	}
}
