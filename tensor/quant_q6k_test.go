package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomQ6KRow returns blocks of arbitrary bytes (every 6-bit level, every
// int8 scale, -128 included) with a finite f16 d in each.
func randomQ6KRow(rng *rand.Rand, blocks int) []byte {
	w := make([]byte, blocks*q6KBlockBytes)
	for i := range w {
		w[i] = byte(rng.IntN(256))
	}
	for b := range blocks {
		putHalf(w, b*q6KBlockBytes+q6KHalf, float32(rng.NormFloat64()*1e-3))
	}
	return w
}

// TestDequantizeQ6KLayout checks the bit layout on hand-made blocks: one
// weight at a time set to each level, with the others at level 32 (zero).
func TestDequantizeQ6KLayout(t *testing.T) {
	blk := make([]byte, q6KBlockBytes)
	for j := range 16 {
		blk[q6KScales+j] = byte(int8(j - 8)) // scales -8..7
	}
	putHalf(blk, q6KHalf, 0.5)
	setLevel := func(i int, q byte) {
		h, r := i/128, i%128
		k, l := r/32, r%32
		lo := &blk[64*h+l+32*(k&1)]
		shift := 4 * (k / 2)
		*lo = *lo&^(0xf<<shift) | (q&0xf)<<shift
		hb := &blk[128+32*h+l]
		*hb = *hb&^(3<<(2*k)) | (q>>4)<<(2*k)
	}
	for i := range 256 {
		setLevel(i, 32)
	}
	y := make([]float32, 256)
	for _, i := range []int{0, 15, 16, 31, 32, 63, 64, 95, 96, 127, 128, 200, 255} {
		for _, q := range []byte{0, 1, 31, 33, 47, 63} {
			setLevel(i, q)
			Dequantize(Q6_K, y, blk)
			for j, v := range y {
				want := float32(0)
				if j == i {
					want = 0.5 * float32(j/16-8) * float32(int(q)-32)
				}
				if v != want {
					t.Fatalf("weight %d at level %d: y[%d] = %g, want %g", i, q, j, v, want)
				}
			}
			setLevel(i, 32)
		}
	}
}

// TestDotQ6K checks the Q6_K dot product against the float64 sum of the
// dequantized weights times the dequantized Q8_K activations, on arbitrary
// bytes and on quantized rows.
func TestDotQ6K(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 6))
	for _, blocks := range []int{0, 1, 2, 3, 17} {
		n := 256 * blocks
		for _, arbitrary := range []bool{true, false} {
			var w []byte
			if arbitrary {
				w = randomQ6KRow(rng, blocks)
			} else {
				wf := make([]float32, n)
				for i := range wf {
					wf[i] = float32(rng.NormFloat64() * 0.05)
				}
				w = make([]byte, Q6_K.RowBytes(n))
				Quantize(Q6_K, w, wf)
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			var a qActs
			a.resize(n, 256)
			quantizeActsQ8K(&a, x)
			got := dotQ6KGeneric(w, a.q, a.d)
			want := quantDotRef(Q6_K, w, &a, n)
			wf := make([]float32, n)
			Dequantize(Q6_K, wf, w)
			var mag float64
			for i := range n {
				mag += math.Abs(float64(wf[i]) * float64(a.q[i]) * float64(a.d[i/256]))
			}
			// Each block's integer sum is exact; the float32 scaling and
			// the sum over blocks round.
			if math.Abs(float64(got)-want) > 1e-6*mag {
				t.Errorf("%d blocks, arbitrary bytes %v: dot %g, exact %g (|terms| %g)", blocks, arbitrary, got, want, mag)
			}
		}
	}
}
