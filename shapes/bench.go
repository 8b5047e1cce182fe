package shapes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/fmkit/fmkit/tensor"
)

// BenchOptions configures Bench. The zero value means defaults.
type BenchOptions struct {
	// MinTime is how long each GEMM is timed for, at least. The default is
	// 200ms.
	MinTime time.Duration
	// Tile is the CPU model's block: the output block one core works on at
	// a time. The default is 64×64.
	Tile Tile
	// MaxBytes bounds the float32 operands of any one GEMM. The default is
	// 1 GiB.
	MaxBytes int64
	// CalibrationSize is the side of the square GEMM whose speed stands for
	// the CPU's peak. The default is 256.
	CalibrationSize int
}

func (o *BenchOptions) ensureDefaults() {
	if o.MinTime <= 0 {
		o.MinTime = 200 * time.Millisecond
	}
	if o.Tile.M <= 0 || o.Tile.N <= 0 {
		o.Tile = Tile{64, 64}
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.CalibrationSize <= 0 {
		o.CalibrationSize = 256
	}
}

// BenchRow is one GEMM measured on this CPU beside the CPU model's
// prediction.
type BenchRow struct {
	Estimate
	MeasuredSeconds float64 `json:"measured_seconds"`
	MeasuredGFLOPS  float64 `json:"measured_gflops"`
	PredictedGFLOPS float64 `json:"predicted_gflops"`
}

// BenchReport is Bench's result.
type BenchReport struct {
	// Machine is the CPU model: GOMAXPROCS units, the tile, and as peak the
	// calibration GEMM's speed divided by its own predicted efficiency.
	Machine           Machine    `json:"machine"`
	CalibrationGFLOPS float64    `json:"calibration_gflops"`
	Rows              []BenchRow `json:"gemms"`
}

// Bench runs the forward GEMMs of one layer of s, and its logits, with
// tensor.Gemm in float32 on this CPU, and predicts each with the same
// quantization model applied to the CPU: one unit per GOMAXPROCS core, one
// tile candidate (opts.Tile), and a peak calibrated on a square GEMM
// (256³ by default).
// The CPU model is illustrative: caches, prefetching and the kernel's own
// register blocking are not in it. progress, if not nil, is called before
// each GEMM. It stops at the next GEMM boundary when ctx is cancelled,
// returning the rows measured so far and ctx's error.
func Bench(ctx context.Context, s Shape, opts *BenchOptions, progress func(done, total int, name string)) (*BenchReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var o BenchOptions
	if opts != nil {
		o = *opts
	}
	o.ensureDefaults()
	s = s.WithDefaults()
	gemms := append(s.Layer(), s.Logits())
	for _, g := range gemms {
		if b := operandBytes(g); b > o.MaxBytes {
			return nil, fmt.Errorf("shapes: bench: GEMM %s (%d×%d×%d, batch %d) needs %.2f GiB of float32 operands, more than the %.2f GiB limit; use a smaller --sequence-length, --micro-batch or --hidden-size",
				g.Name, g.M, g.N, g.K, g.Batch, float64(b)/GiB, float64(o.MaxBytes)/GiB)
		}
	}

	m := Machine{Name: "cpu", Units: runtime.GOMAXPROCS(0), ElemBytes: 4, AlignBytes: 32, Tiles: []Tile{o.Tile}}
	n := o.CalibrationSize
	calib := GEMM{Name: "calibration", M: n, N: n, K: n, Batch: 1}
	secs, err := timeGEMM(ctx, calib, o.MinTime)
	if err != nil {
		return nil, err
	}
	rep := &BenchReport{CalibrationGFLOPS: calib.FLOPs() / secs / 1e9}
	// Set the peak so that the model predicts the calibration GEMM exactly.
	m.PeakTFLOPS = 1
	m.PeakTFLOPS = rep.CalibrationGFLOPS / 1e3 / EstimateGEMM(calib, m).Efficiency
	rep.Machine = m

	for i, g := range gemms {
		if progress != nil {
			progress(i, len(gemms), g.Name)
		}
		secs, err := timeGEMM(ctx, g, o.MinTime)
		if err != nil {
			return rep, err
		}
		e := EstimateGEMM(g, m)
		rep.Rows = append(rep.Rows, BenchRow{
			Estimate:        e,
			MeasuredSeconds: secs,
			MeasuredGFLOPS:  e.FLOPs / secs / 1e9,
			PredictedGFLOPS: e.TFLOPS * 1e3,
		})
	}
	return rep, nil
}

func operandBytes(g GEMM) int64 {
	b := int64(max(g.Batch, 1))
	return 4 * b * (int64(g.M)*int64(g.K) + int64(g.K)*int64(g.N) + int64(g.M)*int64(g.N))
}

// timeGEMM runs g once to warm up, then repeatedly until minTime has
// passed, and returns the fastest run in seconds. The operands are
// allocated once, before timing.
func timeGEMM(ctx context.Context, g GEMM, minTime time.Duration) (float64, error) {
	batch := max(g.Batch, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = rng.Float32() - 0.5
		}
		return x
	}
	a, b := fill(batch*g.M*g.K), fill(batch*g.K*g.N)
	c := make([]float32, batch*g.M*g.N)
	run := func() {
		if batch == 1 {
			tensor.Gemm(false, false, g.M, g.N, g.K, 1, a, g.K, b, g.N, 0, c, g.N)
			return
		}
		tensor.GemmBatched(false, false, batch, g.M, g.N, g.K, 1, a, g.M*g.K, g.K, b, g.K*g.N, g.N, 0, c, g.M*g.N, g.N)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	run()
	best := 0.0
	for start := time.Now(); best == 0 || time.Since(start) < minTime; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t0 := time.Now()
		run()
		d := time.Since(t0).Seconds()
		if best == 0 || d < best {
			best = d
		}
	}
	return best, nil
}
