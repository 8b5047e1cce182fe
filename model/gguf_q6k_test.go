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

// TestGGUFQ6K: a Q6_K file loads to the logits of quantizing at load, and
// its integer products follow the dequantized weights (within 2.5% of the
// largest logit, as for Q8_0 and Q4_K; 1.7% measured). Quantizing this
// small random model's weights alone moves its logits by 1.5% of the
// largest in Q8_0, 5.2% in Q6_K and 20% in Q4_K (llama.cpp's own bytes:
// the formats' error); Q6_K must stay within 8% and closer than Q4_K.
func TestGGUFQ6K(t *testing.T) {
	dir := randomLlama(t)
	ids := []int{1, 7, 99, 250, 3, 42}
	path, notes := writeGGUF(t, dir, Q6_K)
	if len(notes) != 0 {
		t.Errorf("notes %v, want none", notes)
	}
	g := loadWith(t, path, Auto)
	if g.DType() != Q6_K {
		t.Errorf("dtype %s", g.DType())
	}
	fromFile := logitsOf(t, g, ids)
	if diff, _ := maxAbsDiff(fromFile, logitsOf(t, loadWith(t, dir, Q6_K), ids)); diff != 0 {
		t.Errorf("GGUF Q6_K logits differ from quantizing at load by %g", diff)
	}
	f32 := logitsOf(t, loadWith(t, dir, Float32), ids)
	diff, scale := maxAbsDiff(fromFile, f32)
	q4kDiff, _ := maxAbsDiff(logitsOf(t, loadWith(t, dir, Q4_K), ids), f32)
	if diff > 8e-2*scale || diff >= q4kDiff {
		t.Errorf("Q6_K logits differ from f32 by %g (max |logit| %g; Q4_K by %g)", diff, scale, q4kDiff)
	}
	dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
	if diff, scale := maxAbsDiff(fromFile, dequantized); diff > 2.5e-2*scale {
		t.Errorf("Q6_K integer products differ from the dequantized weights' by %g (max |logit| %g)", diff, scale)
	}
}

// TestGGUFQ4KMedium loads a file laid out as llama.cpp's Q4_K_M (what
// Ollama and LM Studio users download): Q4_K matrices, with output.weight
// and the ffn_down matrices in Q6_K. Its logits must follow the same
// weights dequantized to float32 (within 2.5%), and come closer to the
// float32 model's than the all-Q4_K file's (15.5% and 20% of the largest
// logit measured).
func TestGGUFQ4KMedium(t *testing.T) {
	dir := randomLlama(t)
	ids := []int{1, 7, 99, 250, 3, 42}
	f32Path, _ := writeGGUF(t, dir, Float32)
	q4kPath, _ := writeGGUF(t, dir, Q4_K)
	wide, err := gguf.Open(f32Path)
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	q4k, err := gguf.Open(q4kPath)
	if err != nil {
		t.Fatal(err)
	}
	defer q4k.Close()
	var tensors []gguf.TensorData
	q6k := 0
	for _, info := range q4k.Tensors {
		t4, _ := q4k.Tensor(info.Name)
		td := gguf.TensorData{Name: info.Name, Dims: info.Dims, Type: info.Type, Data: t4.Data}
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
	path := filepath.Join(t.TempDir(), "q4_k_m.gguf")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gguf.Write(out, q4k.KV, tensors); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	m := loadWith(t, path, Auto)
	if m.DType() != Q6_K { // the output matrix's, as llama.cpp's model type is "Q4_K - Medium"
		t.Errorf("dtype %s", m.DType())
	}
	got := logitsOf(t, m, ids)
	dequantized := logitsOf(t, loadWith(t, path, Float32), ids)
	if diff, scale := maxAbsDiff(got, dequantized); diff > 2.5e-2*scale {
		t.Errorf("Q4_K_M integer products differ from the dequantized weights' by %g (max |logit| %g)", diff, scale)
	}
	f32 := logitsOf(t, loadWith(t, dir, Float32), ids)
	diff, scale := maxAbsDiff(got, f32)
	q4kDiff, _ := maxAbsDiff(logitsOf(t, loadWith(t, q4kPath, Auto), ids), f32)
	if diff >= q4kDiff {
		t.Errorf("Q4_K_M logits differ from f32 by %g, Q4_K's by %g (max |logit| %g)", diff, q4kDiff, scale)
	}
}
