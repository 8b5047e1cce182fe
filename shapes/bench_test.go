package shapes

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestBench(t *testing.T) {
	s := Shape{Hidden: 64, Heads: 2, Layers: 1, Vocab: 200, Seq: 48}
	opts := &BenchOptions{MinTime: time.Millisecond, CalibrationSize: 96, Tile: Tile{32, 32}}
	var seen []string
	rep, err := Bench(context.Background(), s, opts, func(done, total int, name string) {
		if total != 7 || done != len(seen) {
			t.Errorf("progress(%d, %d, %s) out of order", done, total, name)
		}
		seen = append(seen, name)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"qkv", "attn_score", "attn_over_v", "attn_out", "mlp_up", "mlp_down", "logits"}
	if strings.Join(seen, ",") != strings.Join(want, ",") || len(rep.Rows) != len(want) {
		t.Fatalf("benched %v, rows %d; want %v", seen, len(rep.Rows), want)
	}
	if rep.Machine.Units != runtime.GOMAXPROCS(0) || rep.Machine.Tiles[0] != (Tile{32, 32}) {
		t.Errorf("CPU machine %+v", rep.Machine)
	}
	// The peak is set so that the model predicts the calibration GEMM's
	// measured speed exactly.
	calib := EstimateGEMM(GEMM{M: 96, N: 96, K: 96, Batch: 1}, rep.Machine)
	if math.Abs(calib.TFLOPS*1e3-rep.CalibrationGFLOPS) > 1e-9*rep.CalibrationGFLOPS {
		t.Errorf("calibration predicted %v GFLOP/s, measured %v", calib.TFLOPS*1e3, rep.CalibrationGFLOPS)
	}
	for _, r := range rep.Rows {
		if r.MeasuredSeconds <= 0 || r.PredictedGFLOPS <= 0 || math.Abs(r.MeasuredGFLOPS-r.FLOPs/r.MeasuredSeconds/1e9) > 1e-6*r.MeasuredGFLOPS {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	// The attention GEMMs run as batched products: b·a = 2 of them.
	if rep.Rows[1].Batch != 2 || rep.Rows[1].M != 48 || rep.Rows[1].K != 32 {
		t.Errorf("attn_score GEMM %+v", rep.Rows[1].GEMM)
	}
}

func TestBenchErrors(t *testing.T) {
	big := Shape{Hidden: 8192, Heads: 64, Layers: 1, Vocab: 128000, Seq: 8192}
	if _, err := Bench(context.Background(), big, nil, nil); err == nil || !strings.Contains(err.Error(), "GEMM qkv (8192×24576×8192, batch 1) needs 1.75 GiB") || !strings.Contains(err.Error(), "GiB limit") {
		t.Errorf("too large: %v", err)
	}
	if _, err := Bench(context.Background(), Shape{Hidden: 10, Heads: 3}, nil, nil); err == nil {
		t.Error("invalid shape accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	small := Shape{Hidden: 64, Heads: 2, Layers: 1, Vocab: 64, Seq: 16}
	if _, err := Bench(ctx, small, &BenchOptions{CalibrationSize: 32}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled bench: %v", err)
	}
}
