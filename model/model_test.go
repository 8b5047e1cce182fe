package model

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/npy"
)

// fixtures are the checkpoints written by testdata/gen/engine/make_fixtures.py.
var fixtures = []string{
	"neox_parallel", "neox_sequential_tied", "neox_dynamic_f16",
	"llama_gqa", "llama3_mqa_bias", "llama_bf16_linear",
	"gpt2", "gpt2_scaled",
}

type reference struct {
	Sequences [][]int  `json:"sequences"`
	Sites     []string `json:"sites"`
	Greedy    struct {
		Prompt []int `json:"prompt"`
		Tokens []int `json:"tokens"`
	} `json:"greedy"`
}

func loadFixture(t testing.TB, name string) (*Model, *reference) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	m, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	b, err := os.ReadFile(filepath.Join(dir, "ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return m, &ref
}

func readNpy(t testing.TB, path string) ([]float32, []int) {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float32()
	if err != nil {
		t.Fatal(err)
	}
	return v, a.Shape
}

// relTol is the bound: max |Δ| ≤ 1e-4 × max |reference|.
const relTol = 1e-4

func maxAbsDiff(a, b []float32) (diff, scale float64) {
	for i := range a {
		diff = math.Max(diff, math.Abs(float64(a[i])-float64(b[i])))
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	return diff, scale
}

func checkClose(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	diff, scale := maxAbsDiff(got, want)
	t.Logf("%s: max |Δ| = %.3g, max |ref| %.3g", what, diff, scale)
	if diff > tol*scale || math.IsNaN(diff) {
		t.Errorf("%s: max |Δ| = %.3g, bound %.3g (max |ref| %.3g)", what, diff, tol*scale, scale)
	}
}

// forwardAll runs the inputs in one Forward and returns each input's logits
// flattened [tokens, vocab].
func forwardAll(t testing.TB, m *Model, batch []Input) [][]float32 {
	t.Helper()
	out := make([][]float32, len(batch))
	err := m.Forward(context.Background(), batch, &ForwardOptions{Logits: func(r Row, l []float32) error {
		out[r.Input] = append(out[r.Input], l...)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newSeq(t testing.TB, m *Model, capacity int) *Sequence {
	t.Helper()
	s, err := m.NewSequence(capacity)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLogitsMatchReference(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m, ref := loadFixture(t, name)
			for i, ids := range ref.Sequences {
				want, _ := readNpy(t, filepath.Join("testdata", name, fmt.Sprintf("logits_%d.npy", i)))
				got := forwardAll(t, m, []Input{{Seq: newSeq(t, m, len(ids)), Tokens: ids, Logits: AllLogits}})
				checkClose(t, fmt.Sprintf("sequence %d", i), got[0], want, relTol)
			}
		})
	}
}

// LogProbs gives the log-softmax of the reference logits, also when the
// rows span several logits chunks (here 5 copies of each sequence).
func TestLogProbsMatchReference(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m, ref := loadFixture(t, name)
			var batch []Input
			var want [][]float32
			for copies := 0; copies < 5; copies++ {
				for i, ids := range ref.Sequences {
					logits, _ := readNpy(t, filepath.Join("testdata", name, fmt.Sprintf("logits_%d.npy", i)))
					want = append(want, logSoftmax64(logits, m.Config.Vocab))
					batch = append(batch, Input{Seq: newSeq(t, m, len(ids)), Tokens: ids, Logits: AllLogits})
				}
			}
			got := make([][]float32, len(batch))
			err := m.Forward(context.Background(), batch, &ForwardOptions{LogProbs: true, Logits: func(r Row, l []float32) error {
				got[r.Input] = append(got[r.Input], l...)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range batch {
				checkClose(t, fmt.Sprintf("input %d", i), got[i], want[i], relTol)
			}
		})
	}
}

// logSoftmax64 is the log-softmax of each row of V logits, in float64.
func logSoftmax64(logits []float32, V int) []float32 {
	out := make([]float32, len(logits))
	for r := 0; r+V <= len(logits); r += V {
		row := logits[r : r+V]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - mx)
		}
		for j, v := range row {
			out[r+j] = float32(float64(v) - mx - math.Log(sum))
		}
	}
	return out
}

// The MLP runs in blocks of mlpRows rows; blocks that split sequences
// anywhere give the reference logits.
func TestMLPBlocks(t *testing.T) {
	defer func(n int) { mlpRows = n }(mlpRows)
	mlpRows = 5
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m, ref := loadFixture(t, name)
			var batch []Input
			for _, ids := range ref.Sequences {
				batch = append(batch, Input{Seq: newSeq(t, m, len(ids)), Tokens: ids, Logits: AllLogits})
			}
			got := forwardAll(t, m, batch)
			for i := range ref.Sequences {
				want, _ := readNpy(t, filepath.Join("testdata", name, fmt.Sprintf("logits_%d.npy", i)))
				checkClose(t, fmt.Sprintf("sequence %d", i), got[i], want, relTol)
			}
		})
	}
}
