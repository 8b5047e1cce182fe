package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/torchcheck"
	"github.com/fmkit/fmkit/nn/transformer"
)

// torchRun is testdata/train/<arch>/run.json, written by
// testdata/gen/nn/train.py from PyTorch.
type torchRun struct {
	Settings struct {
		BatchSize   int       `json:"batch_size"`
		GradAccum   int       `json:"grad_accum"`
		LR          float64   `json:"lr"`
		Schedule    string    `json:"schedule"`
		Warmup      int       `json:"warmup"`
		MinLRRatio  float64   `json:"min_lr_ratio"`
		MaxGradNorm float64   `json:"max_grad_norm"`
		WeightDecay float64   `json:"weight_decay"`
		Betas       []float64 `json:"betas"`
		Eps         float64   `json:"eps"`
		Steps       int       `json:"steps"`
	} `json:"settings"`
	Steps []struct {
		Loss     float64 `json:"loss"`
		GradNorm float64 `json:"grad_norm"`
		LR       float64 `json:"lr"`
	} `json:"steps"`
}

func readTorchRun(t *testing.T, arch string) *torchRun {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "train", arch, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r torchRun
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// options returns the run's settings as Options, sequences in file order.
func (r *torchRun) options() *Options {
	s := r.Settings
	off := false
	return &Options{
		SeqLen: 64, BatchSize: s.BatchSize, GradAccum: s.GradAccum, Steps: s.Steps,
		Optimizer: "adamw", LR: s.LR, WeightDecay: s.WeightDecay, Beta1: s.Betas[0], Beta2: s.Betas[1], Eps: s.Eps,
		Schedule: s.Schedule, WarmupSteps: s.Warmup, MinLRRatio: s.MinLRRatio,
		MaxGradNorm: s.MaxGradNorm, NoClip: s.MaxGradNorm == 0, Shuffle: &off,
	}
}

// relClose reports |got - want| ≤ tol·(|want| + scale).
func relClose(got, want, scale, tol float64) bool {
	return math.Abs(got-want) <= tol*(math.Abs(want)+scale)
}

// TestMatchesPyTorch trains each architecture for three AdamW steps and
// compares every step's loss and gradient norm, and every weight after
// them, with PyTorch: within 1e-5 relative in float32 (for weights, relative
// to the value plus the tensor's mean magnitude, so that elements near zero
// are judged on the tensor's scale).
func TestMatchesPyTorch(t *testing.T) {
	for _, arch := range []string{"neox", "llama", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "train", arch)
			ref := readTorchRun(t, arch)
			m, _, err := transformer.Load[float32](filepath.Join(dir, "init"))
			if err != nil {
				t.Fatal(err)
			}
			data, err := ReadJSONL(filepath.Join(dir, "data.jsonl"), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []Metrics
			lm := &LM{Model: m, Data: data, Options: ref.options(), OnStep: func(x Metrics) error {
				got = append(got, x)
				return nil
			}}
			if err := lm.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ref.Steps) {
				t.Fatalf("%d steps, PyTorch ran %d", len(got), len(ref.Steps))
			}
			for i, want := range ref.Steps {
				g := got[i]
				if !relClose(g.Loss, want.Loss, 0, 1e-5) || !relClose(g.GradNorm, want.GradNorm, 0, 1e-5) || !relClose(g.LR, want.LR, 0, 1e-12) {
					t.Errorf("step %d: loss %.8g, grad norm %.8g, lr %g; PyTorch %.8g, %.8g, %g", i+1, g.Loss, g.GradNorm, g.LR, want.Loss, want.GradNorm, want.LR)
				}
			}
			var lrs []float64
			for _, s := range ref.Steps {
				lrs = append(lrs, s.LR)
			}
			torchcheck.Weights(t, m.Tensors(), dir, 1e-5, lrs, ref.Settings.Eps, ref.Settings.Betas[1])
		})
	}
}

// isKeyBias reports whether element i of tensor name is a bias of the
// attention keys in a dimension that rotary embeddings leave alone. Adding
// a constant to every key there shifts all of a query's scores equally,
// which softmax ignores, so the exact gradient is zero and both
// implementations compute rounding noise there, which Adam scales up to
// steps of about lr (torchcheck.Weights allows for it).
// TestKeyBiasGradientIsNoise checks that fmkit's is noise too. (In rotated
// dimensions the bias turns with the position, so its gradient is real.)
func isKeyBias(name string, i int) bool {
	const hidden, headDim, rotary = 32, 8, 2 // the fixtures' sizes; GPT-NeoX rotates 2 of 8
	switch name {
	case "gpt_neox.layers.0.attention.query_key_value.bias", "gpt_neox.layers.1.attention.query_key_value.bias":
		j := i % (3 * headDim)
		return j >= headDim+rotary && j < 2*headDim
	case "transformer.h.0.attn.c_attn.bias", "transformer.h.1.attn.c_attn.bias":
		return i >= hidden && i < 2*hidden
	}
	return false
}

func TestKeyBiasGradientIsNoise(t *testing.T) {
	dir := filepath.Join("..", "testdata", "train", "neox")
	m, _, err := transformer.Load[float32](filepath.Join(dir, "init"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := ReadJSONL(filepath.Join(dir, "data.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	off := false
	lm := &LM{Model: m, Data: data, Options: &Options{SeqLen: 64, BatchSize: 4, Steps: 1, LR: 1e-9, Shuffle: &off}}
	if err := lm.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		if p.Name != "gpt_neox.layers.0.attention.query_key_value.bias" {
			continue
		}
		var key, other float64
		for i, g := range p.Grad() {
			if isKeyBias(p.Name, i) {
				key = math.Max(key, math.Abs(float64(g)))
			} else {
				other = math.Max(other, math.Abs(float64(g)))
			}
		}
		if key > 1e-5*other || other == 0 {
			t.Errorf("key bias gradient up to %g, the rest up to %g; want the key part at rounding level", key, other)
		}
		return
	}
	t.Fatal("no query_key_value bias")
}

// TestInterruptAndResume cancels a run after its second step, as Ctrl-C
// does, and checks that a checkpoint of step 2 was written and that
// resuming from it ends exactly where an uninterrupted run ends.
func TestInterruptAndResume(t *testing.T) {
	dir := filepath.Join("..", "testdata", "train", "gpt2")
	newLM := func(out string) *LM {
		m, _, err := transformer.Load[float32](filepath.Join(dir, "init"))
		if err != nil {
			t.Fatal(err)
		}
		data, err := ReadJSONL(filepath.Join(dir, "data.jsonl"), nil)
		if err != nil {
			t.Fatal(err)
		}
		d := 0.2
		cfg, _ := os.ReadFile(filepath.Join(dir, "init", "config.json"))
		return &LM{Model: m, ConfigJSON: cfg, Data: data, Out: out,
			Options: &Options{SeqLen: 8, BatchSize: 2, Steps: 5, LR: 5e-3, Dropout: &d, Seed: 7}}
	}
	full := newLM(t.TempDir())
	if err := full.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	first := newLM(out)
	first.OnStep = func(m Metrics) error {
		if m.Step == 2 {
			cancel()
		}
		return nil
	}
	if err := first.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	ckpt, err := LatestCheckpoint(out)
	if err != nil || filepath.Base(ckpt) != "checkpoint-2" {
		t.Fatalf("latest checkpoint %q, %v; want checkpoint-2", ckpt, err)
	}
	second := newLM(out)
	if err := second.Resume(ckpt); err != nil {
		t.Fatal(err)
	}
	if err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, p := range full.Model.Params() {
		q := second.Model.Params()[i]
		for j, v := range p.Data() {
			if q.Data()[j] != v {
				t.Fatalf("%s element %d: %v after resuming, %v uninterrupted", p.Name, j, q.Data()[j], v)
			}
		}
	}

	// A checkpoint of other data is refused.
	other := newLM(t.TempDir())
	other.Data.ids[0]++
	if err := other.Resume(ckpt); err == nil || !strings.Contains(err.Error(), "was trained on") {
		t.Errorf("resume on other data: err = %v", err)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"[1, 2]\n", "data.jsonl:1: expected a JSON object"},
		{"{\"ids\": [1]}\n{\"ids\": \"x\"}\n", "data.jsonl:2: expected a JSON object"},
		{"{\"ids\": [1, -4]}\n", "data.jsonl:1: token id -4 is not a valid id"},
		{"{\"ids\": [1], \"text\": \"a\"}\n", "data.jsonl:1: has both"},
		{"\n\n", "holds no sequences"},
		{"{\"text\": \"a\"}", "data.jsonl:1: has \"text\" but no tokenizer"},
	} {
		_, err := readJSONL(strings.NewReader(c.in), "data.jsonl", nil)
		if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want ErrData with %q", c.in, err, c.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	text := "one\r\ntwo\n\n  \nthree\nfour\n\n"
	for _, c := range []struct {
		by   string
		want []textPiece
	}{
		{"line", []textPiece{{"one", 1}, {"two", 2}, {"three", 5}, {"four", 6}}},
		{"paragraph", []textPiece{{"one\ntwo", 1}, {"three\nfour", 5}}},
		{"document", []textPiece{{"one\ntwo\n\n  \nthree\nfour", 1}}},
	} {
		got := splitText(text, c.by)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %+v, want %+v", c.by, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s piece %d: %+v, want %+v", c.by, i, got[i], c.want[i])
			}
		}
	}
}
