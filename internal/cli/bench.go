package cli

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
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

// openBLAS is the kernel family name of the optional cgo backend.
const openBLAS = "openblas"

func newBenchGemmCmd() *cobra.Command {
	var (
		sizes   string
		threads int
		asJSON  bool
		minTime time.Duration
		kernel  string
		bType   string
		maxMem  int64
	)
	cmd := &cobra.Command{
		Use:   "gemm",
		Short: "GFLOP/s of square float32 GEMM (C = A·B) for each size",
		Long: `Measures C = A·B for square float32 matrices of each size and prints the best
GFLOP/s. A binary built with -tags openblas also measures OpenBLAS's
cblas_sgemm in the same run, as the peer.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, err := parseSizes(sizes, maxMem)
			if err != nil {
				return err
			}
			if threads < 0 {
				return fmt.Errorf("--threads %d: expected a positive count, or 0 for GOMAXPROCS", threads)
			}
			if bType != "f32" && bType != "bf16" && bType != "f16" {
				return fmt.Errorf("--b %q: expected f32, bf16 or f16", bType)
			}
			backends, err := benchBackends(kernel, bType)
			if err != nil {
				return err
			}
			if threads > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
			}
			prev := tensor.Kernels()
			defer tensor.SetKernels(prev)
			var results []gemmResult
			for _, n := range ns {
				for _, be := range backends {
					if err := cmd.Context().Err(); err != nil {
						return err
					}
					if _, err := tensor.SetKernels(be); err != nil {
						return err
					}
					name := be
					if be != openBLAS {
						name = "fmkit-" + be
						if bType != "f32" {
							name += "-" + bType
						}
					}
					g := measureGemm(n, bType, minTime)
					results = append(results, gemmResult{Size: n, Threads: runtime.GOMAXPROCS(0), Backend: name, GFLOPS: g})
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(map[string]any{"results": results})
			}
			fmt.Fprintf(w, "%8s %8s %-24s %10s\n", "size", "threads", "backend", "GFLOP/s")
			for _, r := range results {
				fmt.Fprintf(w, "%8d %8d %-24s %10.1f\n", r.Size, r.Threads, r.Backend, r.GFLOPS)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sizes, "sizes", "256,512,1024,2048", "comma-separated square matrix sizes")
	cmd.Flags().IntVar(&threads, "threads", 0, "worker threads (0: GOMAXPROCS)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object with a "results" list`)
	cmd.Flags().DurationVar(&minTime, "min-time", 500*time.Millisecond, "minimum timed duration per size and backend")
	cmd.Flags().StringVar(&kernel, "kernel", "", "kernel family to measure (default: the fastest this CPU runs; one of "+strings.Join(tensor.AvailableKernels(), ", ")+")")
	cmd.Flags().StringVar(&bType, "b", "f32", "element type of B: f32, bf16 or f16 (16-bit B is widened while packing)")
	cmd.Flags().Int64Var(&maxMem, "max-bytes", 1<<30, "largest memory for the three float32 matrices of one size, checked before any is allocated")
	return cmd
}

// benchBackends lists the kernel families to measure: the chosen (or
// default) one, then OpenBLAS as the peer when it is built in.
func benchBackends(kernel, bType string) ([]string, error) {
	avail := tensor.AvailableKernels()
	if kernel == "" {
		kernel = avail[0]
	}
	if !slices.Contains(avail, kernel) {
		return nil, fmt.Errorf("--kernel %q: not available in this build on this CPU; expected one of %s", kernel, strings.Join(avail, ", "))
	}
	if kernel == openBLAS && bType != "f32" {
		return nil, fmt.Errorf("--kernel openblas: OpenBLAS has no GEMM with %s B; use --b f32", bType)
	}
	backends := []string{kernel}
	if kernel != openBLAS && bType == "f32" && slices.Contains(avail, openBLAS) {
		backends = append(backends, openBLAS)
	}
	return backends, nil
}

// parseSizes reads --sizes and checks every size against maxBytes, the
// memory its three n×n float32 matrices may take, before any is allocated
// (as shapes bench does).
func parseSizes(s string, maxBytes int64) ([]int, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("--max-bytes %d: expected a positive size", maxBytes)
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sizes %q: expected positive integers separated by commas", s)
		}
		if need := gemmBytes(n); need > float64(maxBytes) {
			return nil, fmt.Errorf("--sizes %d: three %d×%d float32 matrices take %.1f GiB, more than --max-bytes %d (%.1f GiB)",
				n, n, n, need/(1<<30), maxBytes, float64(maxBytes)/(1<<30))
		}
		out = append(out, n)
	}
	return out, nil
}

// gemmBytes is the memory of A, B and C for size n, in float64 so that no
// size overflows.
func gemmBytes(n int) float64 { return 3 * 4 * float64(n) * float64(n) }

// measureGemm returns the best GFLOP/s over repeated n×n×n products after
// one warm-up call, timing until minTime has passed.
func measureGemm(n int, bType string, minTime time.Duration) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = rng.Float32()-0.5, rng.Float32()-0.5
	}
	run := func() { tensor.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }
	switch bType {
	case "bf16":
		b16 := make([]tensor.BF16, n*n)
		tensor.Float32ToBF16(b16, b)
		run = func() { tensor.GemmBF16(false, false, n, n, n, 1, a, n, b16, n, 0, c, n) }
	case "f16":
		b16 := make([]tensor.F16, n*n)
		tensor.Float32ToF16(b16, b)
		run = func() { tensor.GemmF16(false, false, n, n, n, 1, a, n, b16, n, 0, c, n) }
	}
	run()
	best := 0.0
	for start := time.Now(); time.Since(start) < minTime; {
		t0 := time.Now()
		run()
		best = max(best, 2*float64(n)*float64(n)*float64(n)/time.Since(t0).Seconds()/1e9)
	}
	return best
}
