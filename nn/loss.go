package nn

import (
	"fmt"
	"math"
)

// IgnoreIndex is the target that CrossEntropy and TokenLogProbs skip, as
// PyTorch's default ignore_index (-100) and Hugging Face's padding labels.
const IgnoreIndex = -100

// CrossEntropyOptions configures CrossEntropy. The zero value is
// PyTorch's default: mean over the counted targets, no label smoothing.
type CrossEntropyOptions struct {
	// LabelSmoothing ε mixes the one-hot target with the uniform
	// distribution: target = (1-ε)·onehot + ε/vocab. Default 0.
	LabelSmoothing float64
	// Sum returns the sum over counted targets instead of their mean.
	Sum bool
	// Float64 computes the log-softmax and its gradient in float64 from
	// the logits cast up, as PyTorch does for
	// cross_entropy(logits.to(torch.float64), targets) on float32 logits,
	// and rounds the loss and the gradient back to T. It costs one float64
	// exponential per logit and a saved gradient of the logits' size.
	Float64 bool
}

// CrossEntropy returns the cross-entropy between softmax(logits) and the
// targets, torch.nn.functional.cross_entropy on logits [n, vocab] and
// targets of length n. Targets equal to IgnoreIndex are left out (they
// neither add to the loss nor count in the mean; with none counted the mean
// is NaN, as in PyTorch). It panics on another target outside [0, vocab).
func (g *Tape[T]) CrossEntropy(logits *Tensor[T], targets []int, opts CrossEntropyOptions) *Tensor[T] {
	rows, vocab := checkTargets("CrossEntropy", logits, targets)
	if opts.Float64 {
		return g.crossEntropy64(logits, targets, rows, vocab, opts)
	}
	out := g.result(nil, logits)
	lse := g.scratch(out, rows) // the normaliser of each row
	eps := opts.LabelSmoothing
	losses := make([]float64, rows)
	parallelFor(rows, 2*vocab, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t := targets[r]
			if t == IgnoreIndex {
				continue
			}
			x := logits.data[r*vocab : (r+1)*vocab]
			z := logSumExp(x)
			lse[r] = z
			nll := float64(z - x[t])
			if eps != 0 {
				var sum float64
				for _, v := range x {
					sum += float64(z - v)
				}
				nll = (1-eps)*nll + eps*sum/float64(vocab)
			}
			losses[r] = nll
		}
	})
	var total float64
	count := 0
	for r, l := range losses {
		if targets[r] != IgnoreIndex {
			total += l
			count++
		}
	}
	scale := 1.0
	if !opts.Sum {
		scale = 1 / float64(count)
	}
	out.data[0] = T(total * scale)
	// d logits = (softmax - target distribution)·upstream·scale
	g.onBackward(out, func() {
		gl, fresh := logits.gradFor()
		up := float64(out.grad[0]) * scale
		parallelFor(rows, 2*vocab, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				gr := gl[r*vocab : (r+1)*vocab]
				t := targets[r]
				if t == IgnoreIndex {
					if fresh {
						clear(gr)
					}
					continue
				}
				x := logits.data[r*vocab : (r+1)*vocab]
				crossEntropyRowGrad(gr, fresh, x, lse[r], t, eps, T(up))
			}
		})
	})
	return out
}

// crossEntropy64 is CrossEntropy with opts.Float64. The forward pass
// already has the softmax in float64, so it saves the gradient of each
// row's loss, softmax − target distribution, rounded once to T; the
// backward pass scales it by the upstream gradient.
func (g *Tape[T]) crossEntropy64(logits *Tensor[T], targets []int, rows, vocab int, opts CrossEntropyOptions) *Tensor[T] {
	out := g.result(nil, logits)
	var dx []T
	if out.requiresGrad {
		dx = g.scratch(out, rows*vocab)
	}
	eps := opts.LabelSmoothing
	smooth := eps / float64(vocab)
	losses := make([]float64, rows)
	parallelFor(rows, 4*vocab, func(lo, hi int) {
		e := make([]float64, vocab) // exp(x - max) of a row
		for r := lo; r < hi; r++ {
			t := targets[r]
			var d []T
			if dx != nil {
				d = dx[r*vocab : (r+1)*vocab]
			}
			if t == IgnoreIndex {
				clear(d)
				continue
			}
			x := logits.data[r*vocab : (r+1)*vocab]
			m := math.Inf(-1)
			for _, v := range x {
				if w := float64(v); w > m || w != w {
					m = w
				}
			}
			var sum, logitSum float64
			for i, v := range x {
				e[i] = math.Exp(float64(v) - m)
				sum += e[i]
				logitSum += float64(v)
			}
			z := m + math.Log(sum)
			nll := z - float64(x[t])
			if eps != 0 {
				nll = (1-eps)*nll + eps*(z-logitSum/float64(vocab))
			}
			losses[r] = nll
			if d == nil {
				continue
			}
			for i := range d {
				d[i] = T(e[i]/sum - smooth)
			}
			d[t] = T(e[t]/sum - smooth - (1 - eps))
		}
	})
	var total float64
	count := 0
	for r, l := range losses {
		if targets[r] != IgnoreIndex {
			total += l
			count++
		}
	}
	scale := 1.0
	if !opts.Sum {
		scale = 1 / float64(count)
	}
	out.data[0] = T(total * scale)
	g.onBackward(out, func() {
		gl, fresh := logits.gradFor()
		up := T(float64(out.grad[0]) * scale)
		parallelFor(rows*vocab, 1, func(lo, hi int) {
			if fresh {
				scaleTo(gl[lo:hi], up, dx[lo:hi])
				return
			}
			axpy(up, dx[lo:hi], gl[lo:hi])
		})
	})
	return out
}

// crossEntropyRowGrad sets (fresh) or adds up·(softmax(x) - target) to gr.
func crossEntropyRowGrad[T Float](gr []T, fresh bool, x []T, lse T, t int, eps float64, up T) {
	smooth := T(eps / float64(len(x)))
	hot := T(1 - eps)
	if fresh {
		expTo(gr, x, lse)
		for i := range gr {
			gr[i] = up * (gr[i] - smooth)
		}
		gr[t] -= up * hot
		return
	}
	for i, v := range x {
		p := T(math.Exp(float64(v - lse)))
		gr[i] += up * (p - smooth)
	}
	gr[t] -= up * hot
}

// TokenLogProbs returns, for each row of logits [n, vocab], the
// log-probability of its target under softmax: log p(targets[i]). Rows
// whose target is IgnoreIndex give 0 and pass no gradient. This is the
// per-token quantity DPO sums over a response.
func (g *Tape[T]) TokenLogProbs(logits *Tensor[T], targets []int) *Tensor[T] {
	rows, vocab := checkTargets("TokenLogProbs", logits, targets)
	out := g.result([]int{rows}, logits)
	lse := g.scratch(out, rows)
	parallelFor(rows, 2*vocab, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			if targets[r] == IgnoreIndex {
				out.data[r] = 0
				continue
			}
			x := logits.data[r*vocab : (r+1)*vocab]
			lse[r] = logSumExp(x)
			out.data[r] = x[targets[r]] - lse[r]
		}
	})
	// d logits_r = upstream_r·(onehot - softmax)
	g.onBackward(out, func() {
		gl, fresh := logits.gradFor()
		parallelFor(rows, 2*vocab, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				gr := gl[r*vocab : (r+1)*vocab]
				t := targets[r]
				if t == IgnoreIndex || out.grad[r] == 0 {
					if fresh {
						clear(gr)
					}
					continue
				}
				x := logits.data[r*vocab : (r+1)*vocab]
				crossEntropyRowGrad(gr, fresh, x, lse[r], t, 0, -out.grad[r])
			}
		})
	})
	return out
}

func checkTargets[T Float](op string, logits *Tensor[T], targets []int) (rows, vocab int) {
	if logits.Dims() != 2 || logits.shape[0] != len(targets) {
		panic(fmt.Sprintf("nn: %s: logits of shape %v and %d targets; want [n, vocab] and n", op, logits.shape, len(targets)))
	}
	rows, vocab = logits.shape[0], logits.shape[1]
	for i, t := range targets {
		if t != IgnoreIndex && (t < 0 || t >= vocab) {
			panic(fmt.Sprintf("nn: %s: target %d at row %d outside the vocabulary of %d", op, t, i, vocab))
		}
	}
	return rows, vocab
}
