package tensor

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	for round := 0; round < 2; round++ {
		for _, cfg := range strings.Split(os.Getenv("TUNE"), " ") {
			var kc, mc, nc int
			fmt.Sscanf(cfg, "%d,%d,%d", &kc, &mc, &nc)
			name := "avx2+fma"
			if kc == 0 {
				name = "openblas"
			} else {
				avx2Kernels.kc, avx2Kernels.mc, avx2Kernels.nc = kc, mc, nc
			}
			prev, _ := SetKernels(name)
			for _, n := range []int{1024, 2048} {
				rng := newRand(1)
				a, b, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float32, n*n)
				Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
				best := 0.0
				for st := time.Now(); time.Since(st) < 1500*time.Millisecond; {
					t0 := time.Now()
					Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
					best = max(best, 2*float64(n*n*n)/time.Since(t0).Seconds()/1e9)
				}
				fmt.Printf("%s kc=%d mc=%d nc=%d n=%d: %.1f GFLOP/s\n", name, kc, mc, nc, n, best)
			}
			SetKernels(prev)
		}
	}
}
