package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkGemvPacked times the one-row product x·op(B) with op(B) packed
// (a float32 model's decoding step) for the shapes of a hidden-768 model:
// k×n = in×out of the attention projections, the MLP's up and down
// projections and a 50304-token output layer; and, as the bandwidth to
// match, Gemv over the same weights stored row-major. Each iteration uses
// the next of several copies, together larger than any cache, so the
// weights come from memory as they do when decoding; MB/s counts the bytes
// of weights read.
func BenchmarkGemvPacked(b *testing.B) {
	for _, s := range []struct{ k, n int }{{768, 768}, {768, 3072}, {3072, 768}, {768, 50304}} {
		const cold = 96 << 20 // bytes of copies: three times a 32 MiB L3
		copies := max(1, cold/(4*s.k*s.n))
		rng := newRand(9)
		w := randSlice(rng, s.k*s.n) // W[out, in], as torch.nn.Linear stores it
		x, y := randSlice(rng, s.k), make([]float32, s.n)
		b.Run(fmt.Sprintf("%dx%d/packed", s.k, s.n), func(b *testing.B) {
			ps := make([]*PackedB, copies)
			for i := range ps {
				ps[i] = PackB(true, s.k, s.n, w, s.k)
			}
			b.SetBytes(ps[0].Bytes())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				GemmPacked(false, 1, 1, x, s.k, ps[i%copies], 0, y, s.n)
			}
		})
		b.Run(fmt.Sprintf("%dx%d/rowmajor", s.k, s.n), func(b *testing.B) {
			ws := make([][]float32, copies)
			for i := range ws {
				ws[i] = append([]float32(nil), w...)
			}
			b.SetBytes(int64(4 * len(w)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Gemv(false, s.n, s.k, 1, ws[i%copies], s.k, x, 0, y)
			}
		})
	}
}
