package model

import (
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/tensor"
)

// TestQuantizedPrefillMatchesDequantized runs a prompt long enough for
// the quantized products to take the prefill path (24 tokens, from
// tensor's 16 rows on). Where the kernels multiply in 8-bit integers
// (tensor.IntegerGemmQ), prefill must give at every position the logits of
// decoding the same tokens one at a time: both quantize the activations
// the same way and sum the same integer products (tensor's tests check
// that to float32 rounding), but the float32 activations of the batched
// and the one-token steps differ in their last bits, which now and then
// moves a quantized activation by one step, and the layers amplify that
// (up to 1% of the largest logit measured), so the bound is 2%; a wrong
// scale, offset or block would be off by far more. Elsewhere the weights are dequantized straight into packed panels and
// prefill must give the logits of the same GGUF file loaded as float32
// (the weights dequantized at load, multiplied by the prepacked float32
// GEMM): both multiply the same float32 weights by the same float32
// activations.
func TestQuantizedPrefillMatchesDequantized(t *testing.T) {
	llama := filepath.Join("testdata", "llama_gqa")
	for _, tc := range []struct {
		dir   string
		dtype DType
	}{
		{llama, Q8_0},
		{llama, Q4_0},
		{"", Q4_K}, // randomLlama: the K-quants need rows of 256
		{"", Q5_K},
		{"", Q6_K},
	} {
		t.Run(string(tc.dtype), func(t *testing.T) {
			dir := tc.dir
			if dir == "" {
				dir = randomLlama(t)
			}
			path, _ := writeGGUF(t, dir, tc.dtype)
			q := loadWith(t, path, Auto)
			if q.DType() != tc.dtype {
				t.Fatalf("dtype %s, want %s", q.DType(), tc.dtype)
			}
			ids := make([]int, 24)
			for i := range ids {
				ids[i] = (7*i + 3) % q.Config.Vocab
			}
			got := logitsOf(t, q, ids)
			var want []float32
			if qt, _ := tc.dtype.qtype(); tensor.IntegerGemmQ(qt) {
				seq := newSeq(t, q, len(ids))
				for _, id := range ids {
					want = append(want, forwardAll(t, q, []Input{{Seq: seq, Tokens: []int{id}, Logits: AllLogits}})[0]...)
				}
			} else {
				want = logitsOf(t, loadWith(t, path, Float32), ids)
			}
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			tol, ref := 1e-4, "the dequantized float32 model's"
			if qt, _ := tc.dtype.qtype(); tensor.IntegerGemmQ(qt) {
				tol, ref = 2e-2, "decoding's"
			}
			if diff, scale := maxAbsDiff(got, want); diff > tol*scale {
				t.Errorf("prefill logits differ from %s by %g (max |logit| %g)", ref, diff, scale)
			}
		})
	}
}
