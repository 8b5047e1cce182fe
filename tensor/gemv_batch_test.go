package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemvBatch runs ops of every form in one batch and compares each with
// the same product computed alone: exactly for quantized and packed ops
// (the same kernels on the same rows), within float32 rounding for the
// row-major ones (rows may be grouped differently).
func TestGemvBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	randn := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, fam := range AvailableKernels() {
		t.Run(fam, func(t *testing.T) {
			prev, _ := SetKernels(fam)
			defer SetKernels(prev)
			for _, n := range []int{256, 768, 1000 - 1000%32} {
				x, x2 := randn(n), randn(n)
				var ops []GemvOp
				var want [][]float32
				// Every third op takes a second vector, so that shared
				// and separate quantized inputs both occur.
				add := func(op GemvOp, alone func(x, y []float32)) {
					op.X, op.Y = x, make([]float32, op.M)
					if len(ops)%3 == 2 {
						op.X = x2
					}
					w := make([]float32, op.M)
					alone(op.X, w)
					ops = append(ops, op)
					want = append(want, w)
				}
				for _, m := range []int{5, 64, 300} {
					a := randn(m * n)
					b16 := make([]BF16, m*n)
					Float32ToBF16(b16, a)
					h16 := make([]F16, m*n)
					Float32ToF16(h16, a)
					add(GemvOp{M: m, N: n, F32: a}, func(x, y []float32) { Gemv(false, m, n, 1, a, n, x, 0, y) })
					add(GemvOp{M: m, N: n, BF16: b16}, func(x, y []float32) { GemvBF16(false, m, n, 1, b16, n, x, 0, y) })
					add(GemvOp{M: m, N: n, F16: h16, F16Finite: true}, func(x, y []float32) { GemvF16(false, m, n, 1, h16, n, x, 0, y) })
					packed := PackB(true, n, m, a, n)
					add(GemvOp{M: m, N: n, Packed: packed}, func(x, y []float32) { GemmPacked(false, 1, 1, x, n, packed, 0, y, m) })
					for _, q := range QTypes() {
						if n%q.BlockSize() != 0 {
							continue
						}
						qa := make([]byte, m*q.RowBytes(n))
						Quantize(q, qa, a)
						add(GemvOp{M: m, N: n, Q: q, Quant: qa}, func(x, y []float32) { GemvQ(q, m, n, qa, x, y) })
					}
				}
				GemvBatch(ops)
				for i, op := range ops {
					exact := op.Quant != nil || op.Packed != nil
					for j := range op.Y {
						d := math.Abs(float64(op.Y[j] - want[i][j]))
						if exact && d != 0 || d > 1e-4*(1+math.Abs(float64(want[i][j]))) {
							t.Fatalf("n=%d op %d (%s) row %d: batch %g, alone %g", n, i, opKind(op), j, op.Y[j], want[i][j])
						}
					}
				}
			}
		})
	}
}

func opKind(op GemvOp) string {
	switch {
	case op.Quant != nil:
		return op.Q.String()
	case op.Packed != nil:
		return "packed"
	case op.BF16 != nil:
		return "bf16"
	case op.F16 != nil:
		return "f16"
	}
	return "f32"
}
