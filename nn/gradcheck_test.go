package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The gradient of every operation is checked against central finite
// differences in float64: for a random vector w, the backward pass from
// out with gradient w must give, for every input element x, the derivative
// of Σ w·out with respect to x. h = 1e-6 leaves a truncation error of about
// h² times the third derivative and a rounding error of about 1e-16/h, so
// 1e-6 relative (plus an absolute floor) separates correct gradients from
// any wrong term.
const (
	fdStep = 1e-6
	fdTol  = 1e-6
)

// opFunc builds an operation's output from its inputs on a tape.
type opFunc func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64]

func randTensor(rng *rand.Rand, shape ...int) *Tensor[float64] {
	t := New[float64](shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// checkGrad compares the tape's gradients of f at inputs with finite
// differences. Inputs that do not require gradients are held constant.
func checkGrad(t *testing.T, name string, rng *rand.Rand, inputs []*Tensor[float64], f opFunc) {
	t.Helper()
	for _, in := range inputs {
		in.grad = nil
	}
	g := NewTape[float64]()
	out := f(g, inputs)
	w := make([]float64, out.Len())
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	g.BackwardFrom(out, w)
	objective := func() float64 {
		o := f(nil, inputs)
		s := 0.0
		for i, v := range o.data {
			s += w[i] * v
		}
		return s
	}
	for k, in := range inputs {
		if !in.requiresGrad {
			continue
		}
		grad := in.Grad()
		if grad == nil {
			t.Fatalf("%s: input %d got no gradient", name, k)
		}
		for i := range in.data {
			x := in.data[i]
			in.data[i] = x + fdStep
			up := objective()
			in.data[i] = x - fdStep
			down := objective()
			in.data[i] = x
			want := (up - down) / (2 * fdStep)
			if d := math.Abs(grad[i] - want); d > fdTol*(1+math.Abs(want)) || math.IsNaN(grad[i]) {
				t.Fatalf("%s: input %d shape %v element %d: gradient %.10g, finite differences %.10g", name, k, in.shape, i, grad[i], want)
			}
		}
	}
	g.Reset()
}

func params(ts ...*Tensor[float64]) []*Tensor[float64] {
	for _, t := range ts {
		t.requiresGrad = true
	}
	return ts
}

func TestGradBinaryBroadcast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	shapes := [][2][]int{
		{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 4}, {3, 1}}, {{2, 1, 4}, {3, 1}},
		{{1}, {2, 3}}, {{2, 3, 4}, {2, 1, 4}}, {{5}, {}}, {{}, {}},
	}
	for _, sh := range shapes {
		for kind := opAdd; kind <= opDiv; kind++ {
			a, b := randTensor(rng, sh[0]...), randTensor(rng, sh[1]...)
			if kind == opDiv {
				for i := range b.data {
					b.data[i] = 0.5 + math.Abs(b.data[i]) // away from 0
				}
			}
			name := fmt.Sprintf("%s%v%v", binaryNames[kind], sh[0], sh[1])
			checkGrad(t, name, rng, params(a, b), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
				return g.binary(kind, in[0], in[1])
			})
			// one side constant
			a.requiresGrad = false
			checkGrad(t, name+"/b-only", rng, []*Tensor[float64]{a, b}, func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
				return g.binary(kind, in[0], in[1])
			})
		}
	}
}

func TestGradUnary(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	for act := ReLU; act <= Sigmoid; act++ {
		x := randTensor(rng, 3, 7)
		for i := range x.data {
			if math.Abs(x.data[i]) < 1e-3 { // ReLU's kink
				x.data[i] = 0.5
			}
		}
		checkGrad(t, act.String(), rng, params(x), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
			return g.Activate(in[0], act)
		})
	}
	cases := map[string]opFunc{
		"SwiGLU":     func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.SwiGLU(in[0]) },
		"Exp":        func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.Exp(in[0]) },
		"LogSigmoid": func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.LogSigmoid(in[0]) },
		"Scale":      func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.Scale(in[0], -1.7) },
		"AddScalar":  func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.AddScalar(in[0], 3) },
		"Softmax":    func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.Softmax(in[0]) },
		"LogSoftmax": func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.LogSoftmax(in[0]) },
	}
	for name, f := range cases {
		checkGrad(t, name, rng, params(randTensor(rng, 4, 6)), f)
	}
	x := randTensor(rng, 5)
	for i := range x.data {
		x.data[i] = 0.5 + math.Abs(x.data[i])
	}
	checkGrad(t, "Log", rng, params(x), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] { return g.Log(in[0]) })
}

func TestGradReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	axesCases := [][]int{nil, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}}
	for _, axes := range axesCases {
		for _, keep := range []bool{false, true} {
			for kind := reduceSum; kind <= reduceMax; kind++ {
				x := randTensor(rng, 2, 3, 4)
				name := fmt.Sprintf("reduce%d%v keep=%v", kind, axes, keep)
				checkGrad(t, name, rng, params(x), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
					return g.reduce(kind, in[0], keep, axes)
				})
			}
		}
	}
}

func TestGradShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	checkGrad(t, "Reshape", rng, params(randTensor(rng, 2, 3, 4)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		// through a second op so that the handed-over gradient is used
		return g.Scale(g.Reshape(in[0], 4, -1), 2)
	})
	for _, d := range [][2]int{{0, 1}, {0, 2}, {1, -1}} {
		checkGrad(t, fmt.Sprint("Transpose", d), rng, params(randTensor(rng, 2, 3, 4)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
			return g.Transpose(in[0], d[0], d[1])
		})
	}
	checkGrad(t, "Permute", rng, params(randTensor(rng, 2, 3, 4)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Permute(in[0], 2, 0, 1)
	})
	for _, s := range [][3]int{{0, 0, 1}, {1, 1, 3}, {2, 2, 4}, {-1, 0, 4}} {
		checkGrad(t, fmt.Sprint("Slice", s), rng, params(randTensor(rng, 2, 3, 4)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
			return g.Slice(in[0], s[0], s[1], s[2])
		})
	}
	for ax := range 3 {
		a, b := randTensor(rng, 2, 3, 4), randTensor(rng, 2, 3, 4)
		b.shape[ax] = 1
		b.data = b.data[:b.Len()/[]int{2, 3, 4}[ax]]
		checkGrad(t, fmt.Sprint("Concat", ax), rng, params(a, b), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
			return g.Concat(ax, in[0], in[1], in[0])
		})
	}
	ids := []int{3, 0, 3, 1, 4, 3}
	checkGrad(t, "Embedding", rng, params(randTensor(rng, 5, 3)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Embedding(in[0], ids)
	})
	cond := []bool{true, false, false, true, true, false}
	checkGrad(t, "Where", rng, params(randTensor(rng, 2, 3), randTensor(rng, 2, 3)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Where(cond, in[0], in[1])
	})
}

func TestGradMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	for _, shared := range []bool{false, true} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			const m, n, k = 3, 4, 5
			a := randTensor(rng, 2, m, k)
			if tr[0] {
				a = randTensor(rng, 2, k, m)
			}
			bs := []int{2, k, n}
			if tr[1] {
				bs = []int{2, n, k}
			}
			if shared {
				bs = bs[1:]
			}
			b := randTensor(rng, bs...)
			name := fmt.Sprintf("MatMul shared=%v trans=%v", shared, tr)
			checkGrad(t, name, rng, params(a, b), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
				return g.MatMul(in[0], in[1], tr[0], tr[1])
			})
		}
	}
	x, w, b := randTensor(rng, 2, 3, 5), randTensor(rng, 4, 5), randTensor(rng, 4)
	checkGrad(t, "Linear", rng, params(x, w, b), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Linear(in[0], in[1], in[2])
	})
	checkGrad(t, "Linear/no bias", rng, params(x, w), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Linear(in[0], in[1], nil)
	})
}

func TestGradNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	x, w, b := randTensor(rng, 3, 2, 8), randTensor(rng, 8), randTensor(rng, 8)
	checkGrad(t, "LayerNorm", rng, params(x, w, b), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.LayerNorm(in[0], in[1], in[2], 1e-5)
	})
	checkGrad(t, "LayerNorm/plain", rng, params(x), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.LayerNorm(in[0], nil, nil, 1e-5)
	})
	checkGrad(t, "RMSNorm", rng, params(x, w), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.RMSNorm(in[0], in[1], 1e-6)
	})
}

func TestGradLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	targets := []int{2, IgnoreIndex, 0, 4, 4}
	for _, eps := range []float64{0, 0.1} {
		for _, sum := range []bool{false, true} {
			for _, f64 := range []bool{false, true} {
				opts := CrossEntropyOptions{LabelSmoothing: eps, Sum: sum, Float64: f64}
				checkGrad(t, fmt.Sprintf("CrossEntropy%+v", opts), rng, params(randTensor(rng, 5, 6)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
					return g.CrossEntropy(in[0], targets, opts)
				})
			}
		}
	}
	// The result of an operation gets a fresh gradient buffer, which the
	// float64 path overwrites instead of adding to.
	checkGrad(t, "CrossEntropy{Float64} of a result", rng, params(randTensor(rng, 5, 6)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.CrossEntropy(g.Scale(in[0], 2), targets, CrossEntropyOptions{Float64: true})
	})
	checkGrad(t, "TokenLogProbs", rng, params(randTensor(rng, 5, 6)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.TokenLogProbs(in[0], targets)
	})
}

func TestGradDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	checkGrad(t, "Dropout", rng, params(randTensor(rng, 4, 50)), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.Dropout(in[0], 0.3, 42)
	})
}

// TestGradAttention covers the layouts of the three architectures, grouped
// and multi-query attention, partial rotary, sequences longer than one
// query block, and dropout.
func TestGradAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	type cfg struct {
		name                     string
		batch, seq, heads, kv, d int
		rope                     int
		layout                   string
		dropout                  float64
	}
	for _, c := range []cfg{
		{"neox", 2, 5, 2, 2, 4, 2, "neox", 0},
		{"gpt2", 1, 6, 3, 3, 2, 0, "gpt2", 0},
		{"llama-gqa", 2, 4, 4, 2, 4, 4, "llama", 0},
		{"mqa", 1, 5, 3, 1, 2, 2, "llama", 0},
		{"long", 1, 70, 1, 1, 2, 2, "llama", 0},
		{"dropout", 1, 6, 2, 1, 2, 2, "llama", 0.25},
	} {
		spec := &Attention{Batch: c.batch, Seq: c.seq, Heads: c.heads, KVHeads: c.kv, HeadDim: c.d, Dropout: c.dropout, DropoutKey: 7}
		d := c.d
		var width int
		switch c.layout {
		case "neox":
			spec.QBase, spec.QStride, spec.KBase, spec.KStride, spec.VBase, spec.VStride = 0, 3*d, d, 3*d, 2*d, 3*d
			width = 3 * c.heads * d
		case "gpt2":
			H := c.heads * d
			spec.QBase, spec.QStride, spec.KBase, spec.KStride, spec.VBase, spec.VStride = 0, d, H, d, 2*H, d
			width = 3 * H
		case "llama":
			spec.QBase, spec.QStride = 0, d
			spec.KBase, spec.KStride = c.heads*d, d
			spec.VBase, spec.VStride = (c.heads+c.kv)*d, d
			width = (c.heads + 2*c.kv) * d
		}
		if c.rope > 0 {
			spec.RoPE = NewRoPE(c.rope, 10000)
		}
		qkv := randTensor(rng, c.batch*c.seq, width)
		if c.name == "long" {
			// keep the check's cost down: gradient of a subset only
			checkGrad(t, c.name, rng, params(qkv), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
				return g.CausalSelfAttention(in[0], spec)
			})
			continue
		}
		checkGrad(t, c.name, rng, params(qkv), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
			return g.CausalSelfAttention(in[0], spec)
		})
	}
	x := randTensor(rng, 6, 8)
	checkGrad(t, "ApplyRoPE", rng, params(x), func(g *Tape[float64], in []*Tensor[float64]) *Tensor[float64] {
		return g.ApplyRoPE(in[0], NewRoPE(2, 10000), 3, 4)
	})
}
