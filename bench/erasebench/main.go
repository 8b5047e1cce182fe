// Command erasebench times fmkit's LEACE statistics and eraser building on
// the activations and labels in two .npy files, and the float32 GEMM of
// package tensor at the shape the covariance update uses, printing one JSON
// object. bench/erase_vs_torch.sh runs it next to the same algorithm in
// PyTorch on the same files.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/fmkit/fmkit/erase"
	"github.com/fmkit/fmkit/linalg"
	"github.com/fmkit/fmkit/npy"
	"github.com/fmkit/fmkit/tensor"
)

type result struct {
	Rows    int    `json:"rows"`
	Dim     int    `json:"dim"`
	Classes int    `json:"classes"`
	Threads int    `json:"threads"`
	Linalg  string `json:"linalg"`
	Kernels string `json:"kernels"`
	// GemmGFLOPS is tensor.Gemm on d×512 by 512×d, the shape of one block
	// of the float32 covariance update.
	GemmGFLOPS float64 `json:"gemm_gflops"`
	// Update*GFLOPS count 2·n·d² flops (the full d×d rank-n update) over
	// the wall time of streaming all rows through Fitter.Update*.
	Update32GFLOPS float64 `json:"update32_gflops"`
	Update64GFLOPS float64 `json:"update64_gflops"`
	// Update32Ratio is the median over five rounds of the update's
	// throughput over the GEMM's, timed back to back.
	Update32Ratio float64 `json:"update32_vs_gemm"`
	// EraserSeconds is Fitter.Eraser on the fitted statistics (best of 3).
	EraserSeconds      float64 `json:"eraser_s"`
	EraserWhitening    string  `json:"eraser_whitening"`
	EigenEraserSeconds float64 `json:"eigen_eraser_s"`
}

func main() {
	xPath := flag.String("x", "", "float32 activations [n, d] (.npy)")
	zPath := flag.String("z", "", "int64 labels [n] (.npy)")
	batch := flag.Int("batch", 4096, "rows per Fitter update")
	eigen := flag.Bool("eigen", true, "also time the eigendecomposition path (no shrinkage on a rank-deficient copy)")
	flag.Parse()
	if err := run(*xPath, *zPath, *batch, *eigen); err != nil {
		fmt.Fprintln(os.Stderr, "erasebench:", err)
		os.Exit(1)
	}
}

func run(xPath, zPath string, batch int, eigen bool) error {
	xa, err := npy.ReadFile(xPath)
	if err != nil {
		return err
	}
	x, err := xa.Float32()
	if err != nil {
		return err
	}
	za, err := npy.ReadFile(zPath)
	if err != nil {
		return err
	}
	z64, err := za.Int64()
	if err != nil {
		return err
	}
	n, d := xa.Shape[0], xa.Shape[1]
	labels := make([]int, n)
	k := 0
	for i, v := range z64 {
		labels[i] = int(v)
		k = max(k, labels[i]+1)
	}
	res := result{Rows: n, Dim: d, Classes: k, Threads: runtime.GOMAXPROCS(0), Linalg: linalg.Backend(), Kernels: tensor.Kernels()}
	// The machine is shared, so the GEMM and the update are timed in
	// alternation, five rounds of (best of five GEMMs, one pass of all rows
	// through a fresh Fitter); the ratio is the median of the rounds'
	// ratios, and the throughputs are the best seen.
	flops := 2 * float64(n) * float64(d) * float64(d)
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	var f64 *erase.Fitter
	var ratios []float64
	for r := 0; r < 5; r++ {
		g := gemmGFLOPS(d, 512, 5)
		f32, _ := erase.NewFitter(d, k, nil)
		t := time.Now()
		for i := 0; i < n; i += batch {
			j := min(i+batch, n)
			if err := f32.UpdateFloat32(x[i*d:j*d], erase.Labels(labels[i:j])); err != nil {
				return err
			}
		}
		u := flops / time.Since(t).Seconds() / 1e9
		ratios = append(ratios, u/g)
		res.GemmGFLOPS = max(res.GemmGFLOPS, g)
		res.Update32GFLOPS = max(res.Update32GFLOPS, u)
	}
	sort.Float64s(ratios)
	res.Update32Ratio = ratios[len(ratios)/2]
	for r := 0; r < 3; r++ {
		f64, _ = erase.NewFitter(d, k, nil)
		t := time.Now()
		for i := 0; i < n; i += batch {
			j := min(i+batch, n)
			if err := f64.Update(x64[i*d:j*d], erase.Labels(labels[i:j])); err != nil {
				return err
			}
		}
		res.Update64GFLOPS = max(res.Update64GFLOPS, flops/time.Since(t).Seconds()/1e9)
	}

	res.EraserSeconds, res.EraserWhitening, err = timeEraser(f64)
	if err != nil {
		return err
	}
	if eigen {
		// A duplicated feature makes Σ_XX singular, forcing the eigen path.
		for i := 0; i < n; i++ {
			x64[i*d+d-1] = x64[i*d]
		}
		fe, _ := erase.NewFitter(d, k, nil)
		if err := fe.Update(x64, erase.Labels(labels)); err != nil {
			return err
		}
		var how string
		res.EigenEraserSeconds, how, err = timeEraser(fe)
		if err != nil {
			return err
		}
		if how != "eigen" {
			return fmt.Errorf("rank-deficient copy took the %s path", how)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func timeEraser(f *erase.Fitter) (float64, string, error) {
	best := 0.0
	var how string
	for r := 0; r < 3; r++ {
		t := time.Now()
		e, err := f.Eraser()
		if err != nil {
			return 0, "", err
		}
		s := time.Since(t).Seconds()
		if r == 0 || s < best {
			best = s
		}
		how = e.Metadata["whitening"]
	}
	return best, how, nil
}

// gemmGFLOPS returns the best of reps timings of a d×k by k×d product,
// the shape of one covariance block.
func gemmGFLOPS(d, k, reps int) float64 {
	a := make([]float32, d*k)
	b := make([]float32, k*d)
	c := make([]float32, d*d)
	for i := range a {
		a[i] = float32(i%7) - 3
		b[i] = float32(i%5) - 2
	}
	best := 0.0
	for r := 0; r < reps; r++ {
		t := time.Now()
		tensor.Gemm(false, false, d, d, k, 1, a, k, b, d, 0, c, d)
		best = max(best, 2*float64(d)*float64(d)*float64(k)/time.Since(t).Seconds()/1e9)
	}
	return best
}
