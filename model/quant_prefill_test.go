package model

import (
	"path/filepath"
	"testing"
)

// TestQuantizedPrefillMatchesDequantized runs a prompt long enough for
// the quantized products to take the float32 GEMM path (24 tokens, from
// tensor's 16 rows on: weights dequantized straight into packed panels)
// and expects the logits of the same GGUF file loaded as float32 (the
// weights dequantized at load, multiplied by the prepacked float32 GEMM)
// at every position, to float32 rounding: both multiply the same float32
// weights by the same float32 activations.
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
			want := logitsOf(t, loadWith(t, path, Float32), ids)
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			if diff, scale := maxAbsDiff(got, want); diff > 1e-4*scale {
				t.Errorf("prefill logits differ from the dequantized float32 model's by %g (max |logit| %g)", diff, scale)
			}
		})
	}
}
