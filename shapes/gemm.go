package shapes

import (
	"fmt"
	"math/bits"
)

// Tile is the output block one thread block computes: M rows by N columns.
type Tile struct {
	M int `json:"m"`
	N int `json:"n"`
}

func (t Tile) String() string { return fmt.Sprintf("%dx%d", t.M, t.N) }

// CUBLASTiles are the thread-block tile sizes cuBLAS chooses among for
// Tensor Core GEMMs, as listed in NVIDIA's Matrix Multiplication Background
// guide, largest first.
var CUBLASTiles = []Tile{
	{256, 128}, {128, 256}, {128, 128}, {256, 64}, {64, 256}, {128, 64}, {64, 128}, {64, 64},
}

// Machine is what the throughput model needs to know about a processor for
// one dtype.
type Machine struct {
	Name string `json:"name"`
	// Units is the number of thread blocks that run at once: SMs on a GPU,
	// cores on a CPU.
	Units      int     `json:"units"`
	PeakTFLOPS float64 `json:"peak_tflops"`
	ElemBytes  int     `json:"elem_bytes"`
	AlignBytes int     `json:"align_bytes"`
	Tiles      []Tile  `json:"tiles"`
}

// GEMM is one matrix product of the model: Batch independent products of
// an M×K by a K×N matrix.
type GEMM struct {
	Name  string `json:"name"`
	M     int    `json:"m"`
	N     int    `json:"n"`
	K     int    `json:"k"`
	Batch int    `json:"batch"`
}

// FLOPs counts a multiply and an add per inner-product term.
func (g GEMM) FLOPs() float64 {
	return 2 * float64(g.M) * float64(g.N) * float64(g.K) * float64(max(g.Batch, 1))
}

// Estimate is the model's prediction for one GEMM on one machine.
type Estimate struct {
	GEMM
	FLOPs float64 `json:"flops"`
	Tile  Tile    `json:"tile"`
	// Blocks is the number of thread blocks, Waves the rounds of Units
	// blocks needed to run them.
	Blocks int `json:"blocks"`
	Waves  int `json:"waves"`
	// The efficiency factors; Efficiency is their product.
	TileEff    float64 `json:"tile_efficiency"`
	WaveEff    float64 `json:"wave_efficiency"`
	ReuseEff   float64 `json:"reuse_efficiency"`
	AlignEff   float64 `json:"align_efficiency"`
	Efficiency float64 `json:"efficiency"`
	// AlignedM, AlignedN and AlignedK report whether each dimension is a
	// multiple of the machine's AlignBytes.
	AlignedM bool    `json:"aligned_m"`
	AlignedN bool    `json:"aligned_n"`
	AlignedK bool    `json:"aligned_k"`
	TFLOPS   float64 `json:"tflops"`
	Seconds  float64 `json:"seconds"`
}

// TileEfficiency is the useful fraction of the tiled output:
// M·N / (⌈M/tm⌉·tm · ⌈N/tn⌉·tn).
func TileEfficiency(m, n int, t Tile) float64 {
	if m <= 0 || n <= 0 {
		return 0
	}
	return float64(m) * float64(n) / (float64(ceilDiv(m, t.M)*t.M) * float64(ceilDiv(n, t.N)*t.N))
}

// Waves returns how many rounds of units thread blocks it takes to run
// blocks of them, and the fraction of those rounds' slots that do work:
// blocks / (waves·units).
func Waves(blocks, units int) (waves int, efficiency float64) {
	if blocks <= 0 || units <= 0 {
		return 0, 0
	}
	waves = ceilDiv(blocks, units)
	return waves, float64(blocks) / float64(waves*units)
}

// reuseHalf is the tile intensity (in elements) at which the reuse factor
// reaches half its asymptote; see ReuseEfficiency.
const reuseHalf = 16

// ReuseEfficiency is the model's penalty for small tiles. A tm×tn tile
// reads tm+tn operand elements per tm·tn multiply-adds, an intensity of
// I = tm·tn/(tm+tn); the factor is I/(I+16), divided by the same for the
// largest candidate so that the best tile scores 1. Without it the smallest
// tile would always win, as it never wastes more than the largest; with it
// a 128×128 tile scores 0.95 and a 64×64 tile 0.79 of a 256×128 one.
func ReuseEfficiency(t Tile, candidates []Tile) float64 {
	best := 0.0
	for _, c := range candidates {
		best = max(best, reuse(c))
	}
	if best == 0 {
		return 1
	}
	return reuse(t) / best
}

func reuse(t Tile) float64 {
	i := float64(t.M) * float64(t.N) / float64(t.M+t.N)
	return i / (i + reuseHalf)
}

// AlignEfficiency is the Tensor Core alignment penalty for a dimension of
// d elements of elemBytes each on a machine that wants alignBytes. It
// depends on the largest power of two dividing d·elemBytes:
//   - a multiple of alignBytes runs at full speed (1.0);
//   - a multiple of 16 bytes, the Tensor Core minimum, at 0.9;
//   - a multiple of 4 or 8 bytes at 0.7, and anything else at 0.45.
//
// The lower steps are read off Fig. 7 of Anthony et al. (arXiv 2401.14489):
// on an A100, attention GEMMs whose h/a has 2 or 4 as its largest power of
// two run at about 0.7 of the throughput of those with 8 or more, and odd
// h/a at about 0.45. The 0.9 step stands for NVIDIA's advice that A100 runs
// best at 128-byte multiples but uses Tensor Cores from 16 bytes.
func AlignEfficiency(d, elemBytes, alignBytes int) float64 {
	if d <= 0 {
		return 0
	}
	b := d * elemBytes
	p := 1 << bits.TrailingZeros(uint(b))
	switch {
	case p >= alignBytes:
		return 1
	case p >= 16:
		return 0.9
	case p >= 4:
		return 0.7
	}
	return 0.45
}

// EstimateGEMM predicts the efficiency and time of g on machine m. It tries
// every tile candidate, as cuBLAS's heuristics would, and keeps the one with
// the highest tile × wave × reuse efficiency (the larger tile on ties). The
// alignment penalty is the smallest of the three dimensions' and does not
// depend on the tile. Predicted time is FLOPs / (peak · efficiency).
func EstimateGEMM(g GEMM, m Machine) Estimate {
	e := Estimate{GEMM: g, FLOPs: g.FLOPs()}
	if g.M <= 0 || g.N <= 0 || g.K <= 0 || m.Units <= 0 || len(m.Tiles) == 0 {
		return e
	}
	batch := max(g.Batch, 1)
	best := -1.0
	for _, t := range m.Tiles {
		blocks := ceilDiv(g.M, t.M) * ceilDiv(g.N, t.N) * batch
		waves, waveEff := Waves(blocks, m.Units)
		tileEff := TileEfficiency(g.M, g.N, t)
		reuseEff := ReuseEfficiency(t, m.Tiles)
		if score := tileEff * waveEff * reuseEff; score > best {
			best = score
			e.Tile, e.Blocks, e.Waves = t, blocks, waves
			e.TileEff, e.WaveEff, e.ReuseEff = tileEff, waveEff, reuseEff
		}
	}
	am := AlignEfficiency(g.M, m.ElemBytes, m.AlignBytes)
	an := AlignEfficiency(g.N, m.ElemBytes, m.AlignBytes)
	ak := AlignEfficiency(g.K, m.ElemBytes, m.AlignBytes)
	e.AlignedM, e.AlignedN, e.AlignedK = am == 1, an == 1, ak == 1
	e.AlignEff = min(am, an, ak)
	e.Efficiency = e.TileEff * e.WaveEff * e.ReuseEff * e.AlignEff
	e.TFLOPS = m.PeakTFLOPS * e.Efficiency
	if e.TFLOPS > 0 {
		e.Seconds = e.FLOPs / (e.TFLOPS * 1e12)
	}
	return e
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
