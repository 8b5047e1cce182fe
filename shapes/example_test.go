package shapes_test

import (
	"fmt"

	"github.com/fmkit/fmkit/shapes"
)

// GPT-3 2.7B's shape (h = 2560, 32 heads) on an A100: the attention GEMMs
// suffer from h/a = 80, and 20 heads (h/a = 128) are predicted faster.
func Example() {
	a100, err := shapes.FindGPU(shapes.DefaultGPUs(), "a100")
	if err != nil {
		panic(err)
	}
	m, err := a100.Machine("fp16")
	if err != nil {
		panic(err)
	}
	for _, heads := range []int{32, 20} {
		s := shapes.Shape{Hidden: 2560, Heads: heads, Layers: 32, Vocab: 50304, Seq: 2048, MicroBatch: 4}
		p := shapes.Predict(s, m)
		fmt.Printf("heads %d (h/a %d): layer %.0f TFLOPS, %.1f%% of peak\n", heads, s.HeadDim(), p.LayerTFLOPS, 100*p.LayerEfficiency)
	}
	e := shapes.EstimateGEMM(shapes.GEMM{Name: "example", M: 1792, N: 1792, K: 1792, Batch: 1}, m)
	fmt.Printf("1792×1792: %v tiles, %d blocks in %d wave (%.1f%% busy)\n", e.Tile, e.Blocks, e.Waves, 100*e.WaveEff)
	// Output:
	// heads 32 (h/a 80): layer 292 TFLOPS, 93.5% of peak
	// heads 20 (h/a 128): layer 308 TFLOPS, 98.8% of peak
	// 1792×1792: 256x128 tiles, 98 blocks in 1 wave (90.7% busy)
}

// The cookbook's FLOP calculator for GPT-3 175B with its defaults: 300B
// tokens of training with activation recomputation.
func ExampleFLOPsOptions_Count() {
	o := shapes.DefaultFLOPsOptions()
	o.NumLayers, o.HiddenSize = 96, 12288
	f, err := o.Count()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4g FLOPs (iteration factor %d)\n", f.Total, f.IterFactor)
	// Output: 4.294e+23 FLOPs (iteration factor 4)
}
