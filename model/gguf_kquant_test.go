package model

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/tensor"
)

// TestGGUFKQuants: a Q5_K or Q6_K file loads to the logits of quantizing
// at load, and its integer products follow the dequantized weights
// (within 2.5% of the largest logit, as for Q8_0 and Q4_K; 1.6-1.7%
// measured). Quantizing this small random model's weights alone moves its
// logits by 1.5% of the largest in Q8_0, 5.2% in Q6_K, 13% in Q5_K and 20%
// in Q4_K (llama.cpp's own bytes: the formats' error); each format must
// stay within its bound and closer to float32 than the next coarser one.
func TestGGUFKQuants(t *testing.T) {
	dir := randomLlama(t)
	ids := []int{1, 7, 99, 250, 3, 42}
	f32 := logitsOf(t, loadWith(t, dir, Float32), ids)
	for _, tc := range []struct {
		q, coarser DType
		bound      float64
	}{{Q6_K, Q5_K, 8e-2}, {Q5_K, Q4_K, 18e-2}} {
		t.Run(string(tc.q), func(t *testing.T) {
			path, notes := writeGGUF(t, dir, tc.q)
			if len(notes) != 0 {
				t.Errorf("notes %v, want none", notes)
			}
			g := loadWith(t, path, Auto)
			if g.DType() != tc.q {
				t.Errorf("dtype %s", g.DType())
			}
			fromFile := logitsOf(t, g, ids)
			if diff, _ := maxAbsDiff(fromFile, logitsOf(t, loadWith(t, dir, tc.q), ids)); diff != 0 {
				t.Errorf("GGUF %s logits differ from quantizing at load by %g", tc.q, diff)
			}
			diff, scale := maxAbsDiff(fromFile, f32)
			coarser, _ := maxAbsDiff(logitsOf(t, loadWith(t, dir, tc.coarser), ids), f32)
			if diff > tc.bound*scale || diff >= coarser {
				t.Errorf("%s logits differ from f32 by %g (max |logit| %g; %s by %g)", tc.q, diff, scale, tc.coarser, coarser)
			}
			dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
			if diff, scale := maxAbsDiff(fromFile, dequantized); diff > 2.5e-2*scale {
				t.Errorf("%s integer products differ from the dequantized weights' by %g (max |logit| %g)", tc.q, diff, scale)
			}
		})
	}
}

// TestGGUFKQuantMixes loads files laid out as llama.cpp's Q4_K_M and
// Q5_K_M (what Ollama and LM Studio users download): Q4_K or Q5_K
// matrices, with output.weight and the ffn_down matrices in Q6_K. Their
// logits must follow the same weights dequantized to float32 (within
// 2.5%), and come closer to the float32 model's than the file without the
// Q6_K matrices (Q4_K_M 15.5% of the largest logit against all-Q4_K's 20%).
func TestGGUFKQuantMixes(t *testing.T) {
	dir := randomLlama(t)
	ids := []int{1, 7, 99, 250, 3, 42}
	f32Path, _ := writeGGUF(t, dir, Float32)
	wide, err := gguf.Open(f32Path)
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	f32 := logitsOf(t, loadWith(t, dir, Float32), ids)
	for _, base := range []DType{Q4_K, Q5_K} {
		t.Run(string(base)+"_m", func(t *testing.T) {
			basePath, _ := writeGGUF(t, dir, base)
			path := withQ6KOutputAndDown(t, basePath, wide)
			m := loadWith(t, path, Auto)
			if m.DType() != Q6_K { // the output matrix's; llama.cpp names the file "Q4_K - Medium"
				t.Errorf("dtype %s", m.DType())
			}
			got := logitsOf(t, m, ids)
			dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
			if diff, scale := maxAbsDiff(got, dequantized); diff > 2.5e-2*scale {
				t.Errorf("integer products differ from the dequantized weights' by %g (max |logit| %g)", diff, scale)
			}
			diff, scale := maxAbsDiff(got, f32)
			baseDiff, _ := maxAbsDiff(logitsOf(t, loadWith(t, basePath, Auto), ids), f32)
			if diff >= baseDiff {
				t.Errorf("logits differ from f32 by %g, all-%s's by %g (max |logit| %g)", diff, base, baseDiff, scale)
			}
		})
	}
}

// withQ6KOutputAndDown writes a copy of the GGUF file at path with
// output.weight and every ffn_down matrix quantized to Q6_K from the
// float32 file wide, and returns the copy's path.
func withQ6KOutputAndDown(t *testing.T, path string, wide *gguf.File) string {
	t.Helper()
	src, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var tensors []gguf.TensorData
	q6k := 0
	for _, info := range src.Tensors {
		ts, _ := src.Tensor(info.Name)
		td := gguf.TensorData{Name: info.Name, Dims: info.Dims, Type: info.Type, Data: ts.Data}
		if info.Name == "output.weight" || strings.HasSuffix(info.Name, ".ffn_down.weight") {
			tf, _ := wide.Tensor(info.Name)
			v := make([]float32, len(tf.Data)/4)
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(tf.Data[4*i:]))
			}
			td.Type, td.Data = gguf.Q6_K, make([]byte, tensor.Q6_K.RowBytes(len(v)))
			tensor.Quantize(tensor.Q6_K, td.Data, v)
			q6k++
		}
		tensors = append(tensors, td)
	}
	if q6k != 3 { // output and two layers' ffn_down
		t.Fatalf("%d Q6_K tensors, want 3", q6k)
	}
	out := filepath.Join(t.TempDir(), "mixed.gguf")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := gguf.Write(f, src.KV, tensors); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}
