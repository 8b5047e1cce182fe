package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDequantizeQ5KLayout checks the bit layout on a hand-made block: one
// weight at a time set to each level, with the others at level 0, every
// sub-block's scale s+1 and min 0.
func TestDequantizeQ5KLayout(t *testing.T) {
	blk := make([]byte, q5KBlockBytes)
	putHalf(blk, 0, 0.5)
	sc := blk[q5KScales : q5KScales+12]
	for j := range 8 { // Q4_K's packing of scale j+1, min 0
		ls := uint8(j + 1)
		if j < 4 {
			sc[j] = ls
		} else {
			sc[j+4] = ls & 0xf
			sc[j-4] |= (ls >> 4) << 6
		}
	}
	setLevel := func(i int, q byte) {
		c, r := i/64, i%64
		lo := &blk[q5KLow+32*c+r%32]
		shift := 4 * (r / 32)
		*lo = *lo&^(0xf<<shift) | (q&0xf)<<shift
		bit := 2*c + r/32
		hb := &blk[q5KHigh+r%32]
		*hb = *hb&^(1<<bit) | (q>>4)<<bit
	}
	y := make([]float32, 256)
	for _, i := range []int{0, 31, 32, 63, 64, 100, 128, 191, 192, 255} {
		for _, q := range []byte{1, 15, 16, 17, 31} {
			setLevel(i, q)
			Dequantize(Q5_K, y, blk)
			for j, v := range y {
				want := float32(0)
				if j == i {
					want = 0.5 * float32(j/32+1) * float32(q)
				}
				if v != want {
					t.Fatalf("weight %d at level %d: y[%d] = %g, want %g", i, q, j, v, want)
				}
			}
			setLevel(i, 0)
		}
	}
}

// TestDotQ5K checks the Q5_K dot product against the float64 sum of the
// dequantized weights times the dequantized Q8_K activations, on arbitrary
// bytes (every level, scale and min) and on quantized rows.
func TestDotQ5K(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 5))
	for _, blocks := range []int{0, 1, 2, 3, 17} {
		n := 256 * blocks
		for _, arbitrary := range []bool{true, false} {
			w := make([]byte, Q5_K.RowBytes(n))
			if arbitrary {
				for i := range w {
					w[i] = byte(rng.IntN(256))
				}
				for b := range blocks { // finite f16 d and dmin
					putHalf(w, b*q5KBlockBytes, float32(rng.NormFloat64()*1e-3))
					putHalf(w, b*q5KBlockBytes+2, float32(rng.NormFloat64()*1e-3))
				}
			} else {
				wf := make([]float32, n)
				for i := range wf {
					wf[i] = float32(rng.NormFloat64() * 0.05)
				}
				Quantize(Q5_K, w, wf)
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			var a qActs
			a.resize(n, 256)
			quantizeActsQ8K(&a, x)
			got := dotQ5KGeneric(w, a.q, a.d, a.sums)
			want := quantDotRef(Q5_K, w, &a, n)
			wf := make([]float32, n)
			Dequantize(Q5_K, wf, w)
			var mag float64
			for i := range n {
				mag += math.Abs(float64(wf[i]) * float64(a.q[i]) * float64(a.d[i/256]))
			}
			// The integer sums are exact; the float32 scaling, the
			// difference of the scales' and mins' terms and the sum over
			// blocks round.
			if math.Abs(float64(got)-want) > 1e-6*mag {
				t.Errorf("%d blocks, arbitrary bytes %v: dot %g, exact %g (|terms| %g)", blocks, arbitrary, got, want, mag)
			}
		}
	}
}
