package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
)

// torchCase is one operation computed by PyTorch (testdata/gen/nn/ops.py):
// its inputs, an upstream gradient w, the output and the gradient of
// Σ w·output with respect to each input.
type torchCase struct {
	Name   string          `json:"name"`
	Op     string          `json:"op"`
	Args   json.RawMessage `json:"args"`
	Inputs []struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
		Grad  []float64 `json:"grad"`
	} `json:"inputs"`
	W   []float64 `json:"w"`
	Out struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"out"`
}

type torchArgs struct {
	TransA, TransB bool
	Axes           []int
	Keep           bool
	D0, D1         int
	Perm           []int
	Axis           int
	Start, End     int
	IDs            []int
	Cond           []bool
	Eps            float64
	Targets        []int
	Smoothing      float64
	Sum            bool
	Float64        bool
	Batch, Seq     int
	Heads, KV, D   int
	Rope           int
	Layout         string
}

func loadTorchCases(t *testing.T) []torchCase {
	t.Helper()
	b, err := os.ReadFile("testdata/ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []torchCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

// runTorchOp applies the case's operation with nn.
func runTorchOp[T Float](g *Tape[T], c *torchCase, a *torchArgs, in []*Tensor[T]) *Tensor[T] {
	switch c.Op {
	case "add":
		return g.Add(in[0], in[1])
	case "sub":
		return g.Sub(in[0], in[1])
	case "mul":
		return g.Mul(in[0], in[1])
	case "div":
		return g.Div(in[0], in[1])
	case "matmul":
		return g.MatMul(in[0], in[1], a.TransA, a.TransB)
	case "linear":
		var bias *Tensor[T]
		if len(in) > 2 {
			bias = in[2]
		}
		return g.Linear(in[0], in[1], bias)
	case "sum":
		return g.Sum(in[0], a.Keep, a.Axes...)
	case "mean":
		return g.Mean(in[0], a.Keep, a.Axes...)
	case "max":
		return g.Max(in[0], a.Keep, a.Axes...)
	case "transpose":
		return g.Transpose(in[0], a.D0, a.D1)
	case "permute":
		return g.Permute(in[0], a.Perm...)
	case "slice":
		return g.Slice(in[0], a.Axis, a.Start, a.End)
	case "concat":
		return g.Concat(a.Axis, in[0], in[1], in[0])
	case "embedding":
		return g.Embedding(in[0], a.IDs)
	case "where":
		return g.Where(a.Cond, in[0], in[1])
	case "relu":
		return g.ReLU(in[0])
	case "gelu":
		return g.GELU(in[0])
	case "gelu_tanh":
		return g.GELUTanh(in[0])
	case "quick_gelu":
		return g.Activate(in[0], QuickGELU)
	case "silu":
		return g.SiLU(in[0])
	case "tanh":
		return g.Tanh(in[0])
	case "sigmoid":
		return g.Sigmoid(in[0])
	case "exp":
		return g.Exp(in[0])
	case "log":
		return g.Log(in[0])
	case "logsigmoid":
		return g.LogSigmoid(in[0])
	case "softmax":
		return g.Softmax(in[0])
	case "log_softmax":
		return g.LogSoftmax(in[0])
	case "swiglu":
		return g.SwiGLU(in[0])
	case "layer_norm":
		return g.LayerNorm(in[0], in[1], in[2], a.Eps)
	case "rms_norm":
		return g.RMSNorm(in[0], in[1], a.Eps)
	case "attention":
		return g.CausalSelfAttention(in[0], torchAttention(a))
	case "cross_entropy":
		return g.CrossEntropy(in[0], a.Targets, CrossEntropyOptions{LabelSmoothing: a.Smoothing, Sum: a.Sum, Float64: a.Float64})
	case "token_logprobs":
		return g.TokenLogProbs(in[0], a.Targets)
	}
	panic("unknown op " + c.Op)
}

func torchAttention(a *torchArgs) *Attention {
	d := a.D
	s := &Attention{Batch: a.Batch, Seq: a.Seq, Heads: a.Heads, KVHeads: a.KV, HeadDim: d}
	if a.Layout == "neox" {
		s.QBase, s.QStride, s.KBase, s.KStride, s.VBase, s.VStride = 0, 3*d, d, 3*d, 2*d, 3*d
	} else {
		s.QBase, s.QStride, s.KBase, s.KStride, s.VBase, s.VStride = 0, d, a.Heads*d, d, (a.Heads+a.KV)*d, d
	}
	if a.Rope > 0 {
		s.RoPE = NewRoPE(a.Rope, 10000)
	}
	return s
}

// TestAgainstTorch runs every PyTorch case in float64, where results must
// agree to rounding (1e-10 of the values' scale), and in float32, where they
// must agree to 1e-5 of it.
func TestAgainstTorch(t *testing.T) {
	cases := loadTorchCases(t)
	if len(cases) < 80 {
		t.Fatalf("only %d cases in testdata/ops.json", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name+"/float64", func(t *testing.T) { checkTorchCase[float64](t, c, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { checkTorchCase[float32](t, c, 2e-5) })
	}
}

func checkTorchCase[T Float](t *testing.T, c *torchCase, tol float64) {
	var a torchArgs
	if err := json.Unmarshal(c.Args, &a); err != nil {
		t.Fatal(err)
	}
	in := make([]*Tensor[T], len(c.Inputs))
	for i, x := range c.Inputs {
		data := make([]T, len(x.Data))
		for j, v := range x.Data {
			data[j] = T(v)
		}
		in[i] = FromData(data, x.Shape...)
		in[i].requiresGrad = x.Grad != nil
	}
	g := NewTape[T]()
	out := runTorchOp(g, c, &a, in)
	if !slices.Equal(out.shape, c.Out.Shape) && !(len(out.shape) == 0 && len(c.Out.Shape) == 0) {
		t.Fatalf("output shape %v, torch %v", out.shape, c.Out.Shape)
	}
	compare(t, "output", toFloat64(out.data), c.Out.Data, tol)
	w := make([]T, len(c.W))
	for i, v := range c.W {
		w[i] = T(v)
	}
	g.BackwardFrom(out, w)
	for i, x := range c.Inputs {
		if x.Grad == nil {
			continue
		}
		compare(t, fmt.Sprintf("gradient of input %d", i), toFloat64(in[i].Grad()), x.Grad, tol)
	}
	g.Reset()
}

func toFloat64[T Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// compare checks |got - want| ≤ tol·(1 + max|want|) elementwise.
func compare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, torch has %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*scale) {
			t.Fatalf("%s: element %d is %.10g, torch %.10g (difference %.3g, allowed %.3g)", what, i, got[i], want[i], d, tol*scale)
		}
	}
}
