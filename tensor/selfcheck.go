package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// checkTile runs a family's GEMM micro-kernel on a few depths and scalings
// and compares every element with a float64 reference. The AVX-512 and
// NEON kernels run on CPUs that CI reaches only through emulators (Bochs,
// QEMU), so the check runs once at start-up on the machines that use them:
// a kernel that disagrees is not offered, and the next family takes its
// place (see KernelNotes). It costs a few microseconds.
func checkTile(ks *kernelSet) error {
	rng := rand.New(rand.NewPCG(1, 2))
	mr, nr := ks.mr, ks.nr
	const ldcPad = 3 // a row stride wider than the tile, as edge tiles use
	for _, k := range []int{1, 7, 64, ks.kc + 1} {
		a, b := make([]float32, k*mr), make([]float32, k*nr)
		for i := range a {
			a[i] = 2*rng.Float32() - 1
		}
		for i := range b {
			b[i] = 2*rng.Float32() - 1
		}
		for _, s := range [][2]float32{{1, 0}, {-0.5, 1.5}} {
			alpha, beta := s[0], s[1]
			ldc := nr + ldcPad
			c := make([]float32, mr*ldc)
			c0 := make([]float32, len(c))
			for i := range c {
				c0[i] = 2*rng.Float32() - 1
				if beta == 0 {
					c0[i] = float32(math.NaN()) // must not be read
				}
			}
			copy(c, c0)
			ks.tile(k, a, b, c, ldc, alpha, beta)
			if err := tileError(k, mr, nr, a, b, c, c0, ldc, alpha, beta); err != nil {
				return fmt.Errorf("%s GEMM micro-kernel, depth %d, alpha %g, beta %g: %w", ks.name, k, alpha, beta, err)
			}
		}
	}
	return nil
}

// tileError compares C with alpha·Σ_p a[p]ᵀ·b[p] + beta·C0 in float64,
// within float32 rounding of the terms' magnitudes, and checks that the
// padding past each row was left alone.
func tileError(k, mr, nr int, a, b, c, c0 []float32, ldc int, alpha, beta float32) error {
	for i := range mr {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= nr {
				if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
					return fmt.Errorf("wrote past the tile at row %d, column %d", i, j)
				}
				continue
			}
			var sum, mag float64
			for p := range k {
				t := float64(a[p*mr+i]) * float64(b[p*nr+j])
				sum += t
				mag += math.Abs(t)
			}
			want := float64(alpha) * sum
			if beta != 0 {
				want += float64(beta) * float64(c0[i*ldc+j])
				mag += math.Abs(float64(c0[i*ldc+j]))
			}
			if tol := 1e-5 * (mag + 1); !(math.Abs(float64(got)-want) <= tol) {
				return fmt.Errorf("element [%d][%d] of C is %g, want %g", i, j, got, want)
			}
		}
	}
	return nil
}

// kernelNotes says which families this CPU supports but this process does
// not use, and why. It is filled at package initialisation.
var kernelNotes []string

// KernelNotes lists the kernel families that the CPU supports but that
// failed their start-up check and were left out, one line each, or nothing
// when every supported family is in use.
func KernelNotes() []string { return append([]string(nil), kernelNotes...) }
