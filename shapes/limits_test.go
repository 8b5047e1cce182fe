package shapes

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
)

func mustAlternatives(t *testing.T, s Shape, m Machine, opts *AlternativesOptions) []Alternative {
	t.Helper()
	alts, err := Alternatives(context.Background(), s, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return alts
}

// TestAnalyzeLimits is the table of hostile shapes of issue 24: each must
// fail fast, before the search, with a specific error and little memory.
func TestAnalyzeLimits(t *testing.T) {
	g, _ := FindGPU(DefaultGPUs(), "a100")
	cases := []struct {
		name  string
		shape Shape
		opts  *AlternativesOptions
		want  string
		is    error
	}{
		{"the 24 GB shape of the issue", Shape{Hidden: 1e9, Heads: 1, Layers: 1e9, Vocab: 1e9, Seq: 2048},
			nil, "dimensions too large: the GEMM sizes M·N·K (qkv 6.14e+21, mlp 1.64e+22, logits 2.05e+21) exceed 64-bit integers", nil},
		{"hidden at the int64 limit (ffn was -4)", Shape{Hidden: math.MaxInt64, Heads: 1, Layers: 1, Vocab: 1, Seq: 1},
			nil, "default ffn width 7.38e+19", nil},
		{"sequence squared overflows", Shape{Hidden: 128, Heads: 1, Layers: 1, Vocab: 1, Seq: 1 << 40},
			nil, "(attn_score 1.55e+26)", nil},
		{"large but valid: too many hidden sizes", Shape{Hidden: 1e8, Heads: 1, Layers: 1, Vocab: 32000, Seq: 8},
			nil, "about 2e+06 hidden values lie within ±2% of the parameters, more than MaxCandidates (100000)", ErrTooManyCandidates},
		{"large but valid: too many MLP widths", Shape{Hidden: 1 << 20, Heads: 4096, Layers: 1, Vocab: 32000, Seq: 8},
			nil, "about 2.53e+05 ffn values lie", ErrTooManyCandidates},
		{"a lower candidate limit", Shape{Hidden: 4096, Heads: 32, Layers: 32, Vocab: 32000, Seq: 4096, SwiGLU: true},
			&AlternativesOptions{MaxCandidates: 100}, "more than MaxCandidates (100)", ErrTooManyCandidates},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			start := time.Now()
			n := memtest.AllocatedBytes(func() { _, err = Analyze(context.Background(), c.shape, g, "fp16", c.opts) })
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if n > 1<<20 {
				t.Errorf("allocated %d bytes before failing", n)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Logf("took %v (a shared machine?)", d)
			}
		})
	}
}

// TestAlternativesOffAndCancelled checks that Off does no search and that
// a cancelled context stops a search that would otherwise run.
func TestAlternativesOffAndCancelled(t *testing.T) {
	m := mustMachine(t, "a100", "fp16")
	big := Shape{Hidden: 1 << 17, Heads: 1024, Layers: 1, Vocab: 32000, Seq: 8}
	var alts []Alternative
	var err error
	n := memtest.AllocatedBytes(func() { alts, err = Alternatives(context.Background(), big, m, &AlternativesOptions{Off: true}) })
	if err != nil || alts != nil || n > 1<<10 {
		t.Errorf("Off: %d alternatives, %v, %d bytes allocated", len(alts), err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Alternatives(ctx, big, m, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
}
