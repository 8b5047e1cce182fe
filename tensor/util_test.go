package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// eps32 is the float32 machine epsilon (2^-23).
const eps32 = 1.0 / (1 << 23)

// guard is written around every output a kernel must not touch.
const guard = float32(-7.75e30)

// allKernels names every kernel family, available on this machine or not.
var allKernels = []string{"avx512", "avx2+fma", "neon", "generic", "openblas"}

// forEachKernels runs f once per kernel family with that family forced,
// skipping (and saying why) the families this CPU or build cannot run.
func forEachKernels(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, name := range allKernels {
		t.Run(name, func(t *testing.T) {
			prev, err := SetKernels(name)
			if err != nil {
				switch name {
				case "openblas":
					t.Skipf("OpenBLAS backend not built in (build with -tags openblas)")
				case "avx512":
					t.Skipf("AVX-512 path not tested: this CPU lacks AVX-512F or the build is noasm (%v); run the tensor tests on an AVX-512 machine", err)
				case "neon":
					t.Skipf("NEON path not tested: this is not an arm64 build or it is noasm (%v; notes %v); .ci/arm64-qemu runs it under emulation", err, KernelNotes())
				default:
					t.Skipf("%s path not tested: %v", name, err)
				}
			}
			defer SetKernels(prev)
			if Kernels() != name {
				t.Fatalf("Kernels() = %q after SetKernels(%q)", Kernels(), name)
			}
			f(t)
		})
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// randSlice returns n uniform values in [-1, 1).
func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// guarded returns a slice of n+2·pad elements filled with guard and the
// n-element window in its middle.
func guarded(n, pad int) (all, mid []float32) {
	all = make([]float32, n+2*pad)
	for i := range all {
		all[i] = guard
	}
	return all, all[pad : pad+n]
}

func checkGuards(t *testing.T, all []float32, pad int, what string) {
	t.Helper()
	for i := 0; i < pad; i++ {
		if all[i] != guard || all[len(all)-1-i] != guard {
			t.Fatalf("%s: guard value overwritten", what)
		}
	}
}

// closeTo reports whether got is within tol·scale of want (NaN matches NaN,
// equal infinities match).
func closeTo(got float32, want, scale, tol float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g)
	case math.IsInf(want, 0):
		return g == want
	}
	return math.Abs(g-want) <= tol*scale
}
