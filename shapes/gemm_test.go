package shapes

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func mustMachine(t *testing.T, gpu string, d Dtype) Machine {
	t.Helper()
	g, err := FindGPU(DefaultGPUs(), gpu)
	if err != nil {
		t.Fatal(err)
	}
	m, err := g.Machine(d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestQuantizationWorkedExamples checks the tile and wave arithmetic on
// examples worked by hand.
func TestQuantizationWorkedExamples(t *testing.T) {
	tests := []struct {
		name             string
		m, n, sms        int
		tile             Tile
		blocks, waves    int
		tileEff, waveEff float64
	}{
		// The example in NVIDIA's guide and the paper: 1792×1792 with
		// 256×128 tiles is 7·14 = 98 blocks, one partial wave on 108 SMs
		// (98/108 = 0.9074 busy).
		{"1792 on A100", 1792, 1792, 108, Tile{256, 128}, 98, 1, 1, 98.0 / 108},
		// One more row: 1793 rows need 8 tile rows, 8·14 = 112 blocks, two
		// waves of which the second holds 4 (112/216); the 8th tile row is
		// 1/256 used, so tile efficiency is 1793/2048.
		{"1793 on A100", 1793, 1792, 108, Tile{256, 128}, 112, 2, 1793.0 / 2048, 112.0 / 216},
		// 4096×4096 in 128×128 tiles: 1024 blocks on 132 SMs is 8 waves
		// (1056 slots), 1024/1056 busy.
		{"4096 on H100", 4096, 4096, 132, Tile{128, 128}, 1024, 8, 1, 1024.0 / 1056},
		// 100×80 in 64×64 tiles: 2·2 blocks covering 128·128.
		{"small", 100, 80, 108, Tile{64, 64}, 4, 1, 8000.0 / 16384, 4.0 / 108},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TileEfficiency(tt.m, tt.n, tt.tile); !near(got, tt.tileEff, 1e-12) {
				t.Errorf("tile efficiency %v, want %v", got, tt.tileEff)
			}
			m := Machine{Units: tt.sms, PeakTFLOPS: 100, ElemBytes: 2, AlignBytes: 16, Tiles: []Tile{tt.tile}}
			e := EstimateGEMM(GEMM{M: tt.m, N: tt.n, K: 64, Batch: 1}, m)
			if e.Blocks != tt.blocks || e.Waves != tt.waves || !near(e.WaveEff, tt.waveEff, 1e-12) {
				t.Errorf("blocks %d, waves %d (%.4f), want %d, %d (%.4f)", e.Blocks, e.Waves, e.WaveEff, tt.blocks, tt.waves, tt.waveEff)
			}
		})
	}
}

func TestWaves(t *testing.T) {
	for _, tt := range []struct {
		blocks, units, waves int
		eff                  float64
	}{
		{108, 108, 1, 1}, {109, 108, 2, 109.0 / 216}, {216, 108, 2, 1}, {1, 132, 1, 1.0 / 132}, {0, 108, 0, 0},
	} {
		w, e := Waves(tt.blocks, tt.units)
		if w != tt.waves || !near(e, tt.eff, 1e-12) {
			t.Errorf("Waves(%d, %d) = %d, %v; want %d, %v", tt.blocks, tt.units, w, e, tt.waves, tt.eff)
		}
	}
}

// TestReuseEfficiency checks the small-tile factor I/(I+16) with
// I = tm·tn/(tm+tn), by hand: 256×128 gives I = 85.33 and 0.8421; 128×128
// gives 64 and 0.8, a ratio of 0.95; 64×64 gives 32 and 0.6667, 0.7917.
func TestReuseEfficiency(t *testing.T) {
	for _, tt := range []struct {
		tile Tile
		want float64
	}{
		{Tile{256, 128}, 1}, {Tile{128, 256}, 1}, {Tile{128, 128}, 0.95}, {Tile{64, 64}, 0.6666667 / 0.8421053},
	} {
		if got := ReuseEfficiency(tt.tile, CUBLASTiles); !near(got, tt.want, 1e-6) {
			t.Errorf("ReuseEfficiency(%v) = %v, want %v", tt.tile, got, tt.want)
		}
	}
}

// TestAlignEfficiency checks the alignment steps: fp16 on an A100 wants
// 128 bytes = 64 elements; 16 bytes (8 elements) is the Tensor Core floor.
func TestAlignEfficiency(t *testing.T) {
	for _, tt := range []struct {
		d, elem, align int
		want           float64
	}{
		{4096, 2, 128, 1},    // 8192 bytes
		{64, 2, 128, 1},      // exactly 128 bytes
		{80, 2, 128, 0.9},    // h/a = 80: 160 bytes, largest power of two 32
		{10944, 2, 128, 1},   // 64·171
		{10922, 2, 128, 0.7}, // 2·5461: 4 bytes
		{50257, 2, 128, 0.45},
		{50257, 4, 128, 0.7}, // fp32: 4 bytes
		{80, 2, 16, 1},       // V100 only wants 16 bytes
		{12, 2, 16, 0.7},     // 24 bytes: 8 divides
	} {
		if got := AlignEfficiency(tt.d, tt.elem, tt.align); got != tt.want {
			t.Errorf("AlignEfficiency(%d, %d, %d) = %v, want %v", tt.d, tt.elem, tt.align, got, tt.want)
		}
	}
}

// TestTileChoice checks that the chosen tile is the cuBLAS-style best: a
// large aligned GEMM takes the largest tile, a GEMM whose N is 64 takes a
// 64-wide tile rather than waste half a 128-wide one.
func TestTileChoice(t *testing.T) {
	m := mustMachine(t, "a100", "fp16")
	if e := EstimateGEMM(GEMM{M: 8192, N: 8192, K: 4096, Batch: 1}, m); e.Tile != (Tile{256, 128}) {
		t.Errorf("8192² took tile %v, want 256x128", e.Tile)
	}
	e := EstimateGEMM(GEMM{M: 2048, N: 64, K: 2048, Batch: 160}, m)
	if e.Tile.N != 64 || e.TileEff != 1 {
		t.Errorf("N = 64 took tile %v with tile efficiency %v, want a 64-wide tile at 1", e.Tile, e.TileEff)
	}
	// 1792×1792 on 108 SMs: 128×128 tiles give 196 blocks in 2 waves
	// (0.907) after reuse 0.95, while 256×128 gives 98 blocks in 1 wave
	// (0.907): the larger tile wins.
	e = EstimateGEMM(GEMM{M: 1792, N: 1792, K: 4096, Batch: 1}, m)
	if e.Tile != (Tile{256, 128}) || e.Blocks != 98 || e.Waves != 1 {
		t.Errorf("1792² took %v, %d blocks, %d waves; want 256x128, 98, 1", e.Tile, e.Blocks, e.Waves)
	}
}

// TestSwiGLUWidth reproduces the paper's SwiGLU example on an H100 with
// h = 4096: d_ff = 8h/3 = 10922 measured 272.7 TFLOPS and 10944 398.4
// (a ratio of 0.685) for the (b, h, d_ff) × (b, d_ff, h) product. The model
// must prefer 10944 and predict a ratio near the measured one.
func TestSwiGLUWidth(t *testing.T) {
	m := mustMachine(t, "h100-sxm", "fp16")
	slow := EstimateGEMM(GEMM{M: 4096, N: 4096, K: 10922, Batch: 4}, m)
	fast := EstimateGEMM(GEMM{M: 4096, N: 4096, K: 10944, Batch: 4}, m)
	ratio := slow.TFLOPS / fast.TFLOPS
	if ratio >= 1 || math.Abs(ratio-272.73/398.38) > 0.05 {
		t.Errorf("10922/10944 predicted ratio %.3f, measured %.3f", ratio, 272.73/398.38)
	}
	// The same holds for a whole Llama-style layer.
	base := Shape{Hidden: 4096, Heads: 32, Layers: 32, Vocab: 32000, Seq: 4096, SwiGLU: true}
	a, b := base, base
	a.FFN, b.FFN = 10922, 10944
	if pa, pb := Predict(a, m), Predict(b, m); pa.LayerTFLOPS >= pb.LayerTFLOPS {
		t.Errorf("layer with d_ff 10922 predicted %.1f TFLOPS, 10944 %.1f; want 10944 faster", pa.LayerTFLOPS, pb.LayerTFLOPS)
	}
}

// TestGPT3HeadsRanking checks the paper's h/a finding on GPT-3 2.7B's
// shape (h = 2560) on an A100: 20 heads (h/a = 128) must be predicted
// faster than the 32 heads (h/a = 80) that GPT-Neo, OPT and Pythia copied.
func TestGPT3HeadsRanking(t *testing.T) {
	m := mustMachine(t, "a100", "fp16")
	base := Shape{Hidden: 2560, Layers: 32, Vocab: 50304, Seq: 2048, MicroBatch: 4}
	a32, a20 := base, base
	a32.Heads, a20.Heads = 32, 20
	p32, p20 := Predict(a32, m), Predict(a20, m)
	if p20.LayerTFLOPS <= p32.LayerTFLOPS {
		t.Fatalf("a=20 predicted %.1f TFLOPS, a=32 %.1f; want a=20 faster", p20.LayerTFLOPS, p32.LayerTFLOPS)
	}
	// The attention-over-values GEMM is where h/a = 80 hurts: its N = 80
	// fills 80/128 of a tile.
	for _, r := range p32.Rows {
		if r.Name == "attn_over_v" && !near(r.TileEff, 80.0/128, 1e-12) {
			t.Errorf("a=32 attn_over_v tile efficiency %v, want 0.625", r.TileEff)
		}
	}
	// Among the alternatives to 32 heads, 20 heads must rank with a gain
	// over the current shape.
	var found bool
	for _, a := range mustAlternatives(t, a32, m, nil) {
		if a.Kind == "heads" && a.Shape.Heads == 20 {
			found = true
			if a.Gain <= 0 {
				t.Errorf("alternative 20 heads has gain %+.3f, want > 0", a.Gain)
			}
		}
	}
	if !found {
		t.Error("alternatives do not propose 20 heads")
	}
}

func TestLayerGEMMs(t *testing.T) {
	// Llama-2-70B-like: h 8192, 64 heads, 8 kv heads, d 128, tp 8, b 1, s 4096.
	s := Shape{Hidden: 8192, Heads: 64, KVHeads: 8, Layers: 80, Vocab: 32000, Seq: 4096, TP: 8, FFN: 28672, SwiGLU: true}
	want := []GEMM{
		{"qkv", 4096, (64 + 16) * 128 / 8, 8192, 1},
		{"attn_score", 4096, 4096, 128, 8},
		{"attn_over_v", 4096, 128, 4096, 8},
		{"attn_out", 4096, 8192, 1024, 1},
		{"mlp_gate", 4096, 3584, 8192, 1},
		{"mlp_up", 4096, 3584, 8192, 1},
		{"mlp_down", 4096, 8192, 3584, 1},
	}
	got := s.Layer()
	if len(got) != len(want) {
		t.Fatalf("got %d GEMMs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("GEMM %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if l := s.Logits(); l != (GEMM{"logits", 4096, 4000, 8192, 1}) {
		t.Errorf("logits = %+v", l)
	}
}
