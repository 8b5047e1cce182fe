package shapes

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	for _, tt := range []struct {
		spec string
		want Range
		err  string
	}{
		{"hidden=2048:4096:64", Range{"hidden", 2048, 4096, 64}, ""},
		{"heads=8:64", Range{"heads", 8, 64, 1}, ""},
		{"micro-batch=1:16:1", Range{"micro-batch", 1, 16, 1}, ""},
		{"hidden", Range{}, "no '='"},
		{"width=1:2", Range{}, `unknown dimension "width"`},
		{"hidden=1", Range{}, "need from:to"},
		{"hidden=a:2", Range{}, `"a" is not an integer`},
		{"hidden=8:4", Range{}, "need 0 < from <= to"},
		{"hidden=0:4", Range{}, "need 0 < from <= to"},
		{"hidden=1:4:0", Range{}, "step must be positive"},
		{"hidden=1:1000000000", Range{}, "more than 100000 points"},
	} {
		got, err := ParseRange(tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"hidden=2048:4096:64", "heads=1:2", "tp=1:8:1", "x=:::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseRange(spec)
		if err != nil {
			return
		}
		if r.From <= 0 || r.To < r.From || r.Step <= 0 || (r.To-r.From)/r.Step+1 > maxSweepPoints {
			t.Fatalf("accepted %q as %+v", spec, r)
		}
	})
}

// TestSweepSawtooth sweeps the hidden size on an A100 with 32 heads, as in
// the paper's Fig. 7: throughput must not rise monotonically (the
// quantization sawtooth), values not divisible by 32 are skipped, and
// multiples of 64·32 = 2048 (h/a a multiple of 64) are at the top.
func TestSweepSawtooth(t *testing.T) {
	m := mustMachine(t, "a100", "fp16")
	base := Shape{Heads: 32, Layers: 1, Vocab: 51200, Seq: 2048, MicroBatch: 4}
	r, err := ParseRange("hidden=4000:8192:16")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Sweep(context.Background(), base, m, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points)+len(res.Skipped) != (8192-4000)/16+1 {
		t.Fatalf("%d points and %d skipped, want %d in all", len(res.Points), len(res.Skipped), (8192-4000)/16+1)
	}
	for _, v := range res.Skipped {
		if v%32 == 0 {
			t.Errorf("skipped %d, which is divisible by 32 heads", v)
		}
	}
	drops := 0
	best := res.Points[0]
	for i := 1; i < len(res.Points); i++ {
		if res.Points[i].LayerTFLOPS < res.Points[i-1].LayerTFLOPS {
			drops++
		}
		if res.Points[i].LayerTFLOPS > best.LayerTFLOPS {
			best = res.Points[i]
		}
	}
	if drops < 5 {
		t.Errorf("only %d drops in throughput over the sweep; want a sawtooth", drops)
	}
	if best.Value%2048 != 0 {
		t.Errorf("best hidden size %d is not a multiple of 2048", best.Value)
	}
	if len(res.GEMMNames) != 7 || len(res.Points[0].GEMMTFLOPS) != 7 {
		t.Errorf("GEMM names %v", res.GEMMNames)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Sweep(ctx, base, m, r); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sweep: %v", err)
	}

	var buf bytes.Buffer
	if err := WritePlot(&buf, res, "hidden sweep"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("plot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 768 || b.Dy() != 432 {
		t.Errorf("plot is %dx%d, want 768x432 (8×4.5 in at 96 dpi)", b.Dx(), b.Dy())
	}
	if err := WritePlot(&buf, &SweepResult{}, "empty"); err == nil {
		t.Error("plot of an empty sweep did not fail")
	}
}
