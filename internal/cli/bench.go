package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/tensor"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the speed of fmkit's kernels on this machine",
	}
	cmd.AddCommand(newBenchGemmCmd())
	return cmd
}

type gemmResult struct {
	Size    int     `json:"size"`
	Threads int     `json:"threads"`
	Backend string  `json:"backend"`
	GFLOPS  float64 `json:"gflops"`
}

func newBenchGemmCmd() *cobra.Command {
	var (
		sizes   string
		threads int
		asJSON  bool
		minTime time.Duration
	)
	cmd := &cobra.Command{
		Use:   "gemm",
		Short: "GFLOP/s of square float32 GEMM (C = A·B) for each size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, err := parseSizes(sizes)
			if err != nil {
				return err
			}
			if threads < 0 {
				return fmt.Errorf("--threads %d: expected a positive count, or 0 for GOMAXPROCS", threads)
			}
			if threads > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
			}
			var results []gemmResult
			for _, n := range ns {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				g := measureGemm(n, minTime)
				results = append(results, gemmResult{Size: n, Threads: runtime.GOMAXPROCS(0), Backend: "fmkit-" + tensor.Kernels(), GFLOPS: g})
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(map[string]any{"results": results})
			}
			fmt.Fprintf(w, "%8s %8s %-20s %10s\n", "size", "threads", "backend", "GFLOP/s")
			for _, r := range results {
				fmt.Fprintf(w, "%8d %8d %-20s %10.1f\n", r.Size, r.Threads, r.Backend, r.GFLOPS)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sizes, "sizes", "256,512,1024,2048", "comma-separated square matrix sizes")
	cmd.Flags().IntVar(&threads, "threads", 0, "worker threads (0: GOMAXPROCS)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object with a "results" list`)
	cmd.Flags().DurationVar(&minTime, "min-time", 500*time.Millisecond, "minimum timed duration per size")
	return cmd
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sizes %q: expected positive integers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// measureGemm returns the best GFLOP/s over repeated n×n×n products after
// one warm-up call, timing until minTime has passed.
func measureGemm(n int, minTime time.Duration) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = rng.Float32()-0.5, rng.Float32()-0.5
	}
	run := func() { tensor.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }
	run()
	best := 0.0
	for start := time.Now(); time.Since(start) < minTime; {
		t0 := time.Now()
		run()
		best = max(best, 2*float64(n)*float64(n)*float64(n)/time.Since(t0).Seconds()/1e9)
	}
	return best
}
