package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// GemmBF16Rounded computes c = round(a)·bᵀ for the m×k matrix a (row
// stride lda), rounded to bfloat16 (to nearest, ties to even), and the n×k
// bfloat16 matrix b (row stride ldb), with float32 sums, as llama.cpp
// multiplies bfloat16 weights. Where the kernels have a bfloat16 dot
// product (AVX512_BF16's VDPBF16PS, two products per float32 lane and
// instruction) and a has at least 16 rows, it runs on that, about 1.5
// times the speed of GemmBF16 on Zen 4; elsewhere it rounds a and calls
// GemmBF16. Rounding a costs accuracy that GemmBF16 keeps (about 2⁻⁹ of
// each value): the engine uses it only when asked (see
// model.Options.BF16Activations). It panics on length mismatches.
func GemmBF16Rounded(m, n, k int, a []float32, lda int, b []BF16, ldb int, c []float32, ldc int) {
	checkGemm(false, true, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if ks := kernels(); ks.bf16Tile != nil && m >= bf16DotMinRows {
		gemmBF16Dot(ks.bf16Tile, m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	buf := roundedBufs.Get().(*roundedBuf)
	defer roundedBufs.Put(buf)
	buf.a, buf.row = grow(buf.a, m*k), grow(buf.row, k)
	for i := range m {
		Float32ToBF16(buf.row, a[i*lda:i*lda+k])
		BF16ToFloat32(buf.a[i*k:(i+1)*k], buf.row)
	}
	GemmBF16(false, true, m, n, k, 1, buf.a, k, b, ldb, 0, c, ldc)
}

// roundedBuf holds GemmBF16Rounded's rounded copy of a, where the kernels
// have no bfloat16 dot product, kept across calls.
type roundedBuf struct {
	a   []float32
	row []BF16
}

var roundedBufs = sync.Pool{New: func() any { return new(roundedBuf) }}

// bf16Tile is a 32-weight-row by 6-row kernel over pairs of columns (see
// gemm_bf16dp_amd64.s for the layouts).
type bf16Tile func(w, a *byte, pairs int, out *[dotTileTokens * dotTileRows]float32)

const (
	bf16PanelPair  = dotTileRows * 4   // bytes per pair of columns in a weight panel
	bf16ActPair    = dotTileTokens * 4 // and in an activation tile
	bf16DotMinRows = 16                // fewer rows of x run as GEMVs
)

// bf16DotJob is one gemmBF16Dot call.
type bf16DotJob struct {
	tile    bf16Tile
	m, n, k int
	a       []float32
	lda     int
	b       []BF16
	ldb     int
	c       []float32
	ldc     int
	acts    []byte
	row     [][]BF16 // per goroutine of the packing loop
	ps      partSync
}

var bf16DotJobs = sync.Pool{New: func() any { return new(bf16DotJob) }}

// gemmBF16Dot computes c = a·bᵀ for the m×k matrix a (row stride lda) and
// the n×k bfloat16 matrix b (row stride ldb) with tile.
func gemmBF16Dot(tile bf16Tile, m, n, k int, a []float32, lda int, b []BF16, ldb int, c []float32, ldc int) {
	j := bf16DotJobs.Get().(*bf16DotJob)
	defer func() {
		j.b, j.c, j.tile = nil, nil, nil
		bf16DotJobs.Put(j)
	}()
	j.tile, j.m, j.n, j.k, j.b, j.ldb, j.c, j.ldc = tile, m, n, k, b, ldb, c, ldc
	pairs, tiles := (k+1)/2, ceilDiv(m, dotTileTokens)
	j.acts = grow(j.acts, tiles*pairs*bf16ActPair)
	if len(j.row) < maxThreads() {
		j.row = make([][]BF16, maxThreads())
	}
	j.a, j.lda = a, lda
	parallel((*bf16PackActs)(j), tiles, &j.ps)
	j.a = nil
	parallel(j, ceilDiv(n, dotTileRows), &j.ps)
}

// bf16PackActs is the first phase of a bf16DotJob: part t packs tile t of
// the rows of a. (A method value or closure handed to ParallelFor would
// allocate on every call.)
type bf16PackActs bf16DotJob

func (p *bf16PackActs) runPart(t int, s *scratch) {
	j := (*bf16DotJob)(p)
	pairs := (j.k + 1) / 2
	j.row[s.worker] = grow(j.row[s.worker], j.k+1)
	packBF16Acts(j.acts[t*pairs*bf16ActPair:(t+1)*pairs*bf16ActPair], j.a, j.lda, j.m, t*dotTileTokens, j.k, j.row[s.worker])
}

func (j *bf16DotJob) runPart(part int, s *scratch) {
	pairs, tiles := (j.k+1)/2, ceilDiv(j.m, dotTileTokens)
	s.bytes = grow(s.bytes, pairs*bf16PanelPair)
	r0 := part * dotTileRows
	packBF16Panel(s.bytes, j.b, j.ldb, j.n, r0, j.k)
	for t := range tiles {
		j.tile(&s.bytes[0], &j.acts[t*pairs*bf16ActPair], pairs, &s.tileOut)
		storeDotTile(j.c, j.ldc, j.m, t*dotTileTokens, j.n, r0, &s.tileOut)
	}
}

// packBF16Acts rounds rows [t0, t0+6) of a (rows below m; the rest are
// zeros) to bfloat16 and lays them out as the tile reads them: per pair of
// columns, each row's two values in one 32-bit word.
func packBF16Acts(dst []byte, a []float32, lda, m, t0, k int, row []BF16) {
	clear(dst)
	for i := range min(dotTileTokens, m-t0) {
		Float32ToBF16(row[:k], a[(t0+i)*lda:(t0+i)*lda+k])
		row[k] = 0 // the partner of an odd k's last column
		for p := range (k + 1) / 2 {
			binary.LittleEndian.PutUint32(dst[p*bf16ActPair+4*i:], uint32(row[2*p])|uint32(row[2*p+1])<<16)
		}
	}
}

// packBF16Panel lays out rows [r0, r0+32) of the n×k matrix b (rows from n
// on are zeros): per pair of columns, each row's two values in one word.
func packBF16Panel(dst []byte, b []BF16, ldb, n, r0, k int) {
	pairs := (k + 1) / 2
	for r := range dotTileRows {
		if r0+r >= n {
			for p := range pairs {
				binary.LittleEndian.PutUint32(dst[p*bf16PanelPair+4*r:], 0)
			}
			continue
		}
		row := b[(r0+r)*ldb : (r0+r)*ldb+k]
		for p := range k / 2 {
			binary.LittleEndian.PutUint32(dst[p*bf16PanelPair+4*r:], uint32(row[2*p])|uint32(row[2*p+1])<<16)
		}
		if k%2 == 1 {
			binary.LittleEndian.PutUint32(dst[(pairs-1)*bf16PanelPair+4*r:], uint32(row[k-1]))
		}
	}
}

// checkBF16Tile runs tile on random bfloat16 inputs of a few depths and
// compares every result with the float64 sum of the same products: the
// kernel runs on CPUs that CI reaches only through emulators, so it is
// checked once at start-up where it is used (see checkTile).
func checkBF16Tile(tile bf16Tile) error {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, pairs := range []int{1, 5, 384} {
		w := make([]byte, pairs*bf16PanelPair)
		a := make([]byte, pairs*bf16ActPair)
		for i := 0; i+2 <= len(w); i += 2 {
			binary.LittleEndian.PutUint16(w[i:], uint16(BF16FromFloat32(2*rng.Float32()-1)))
		}
		for i := 0; i+2 <= len(a); i += 2 {
			binary.LittleEndian.PutUint16(a[i:], uint16(BF16FromFloat32(2*rng.Float32()-1)))
		}
		var out [dotTileTokens * dotTileRows]float32
		tile(&w[0], &a[0], pairs, &out)
		half := func(b []byte, off int) float64 {
			return float64(BF16(binary.LittleEndian.Uint16(b[off:])).Float32())
		}
		for t := range dotTileTokens {
			for r := range dotTileRows {
				var want, mag float64
				for p := range pairs {
					for h := range 2 {
						v := half(w, p*bf16PanelPair+4*r+2*h) * half(a, p*bf16ActPair+4*t+2*h)
						want += v
						mag += math.Abs(v)
					}
				}
				if got := float64(out[t*dotTileRows+r]); math.Abs(got-want) > 1e-5*mag+1e-30 {
					return fmt.Errorf("bfloat16 dot-product kernel, %d pairs: row %d of x, weight row %d: %g, want %g", pairs, t, r, got, want)
				}
			}
		}
	}
	return nil
}
