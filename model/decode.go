package model

import "github.com/fmkit/fmkit/tensor"

// Decoding steps (one row) run the linear layers that share an input as
// one tensor.GemvBatch: a layer's q, k and v projections, and its gate and
// up projections. Each GEMV alone costs a start and a join of the kernel
// goroutines, about as long as a small product itself.

// gemvOp describes l applied to the one row x into y, for
// tensor.GemvBatch; ok is false when the weight's layout is one GemvBatch
// does not take (a 16-bit GPT-2 Conv1D weight, stored transposed).
func (l *linear) gemvOp(x, y []float32) (op tensor.GemvOp, ok bool) {
	w := &l.w
	op = tensor.GemvOp{M: l.out, N: l.in, X: x[:l.in], Y: y[:l.out]}
	switch qt, quantized := w.dtype.qtype(); {
	case l.packed != nil:
		op.Packed = l.packed
	case quantized:
		op.Q, op.Quant = qt, w.q
	case l.inOut:
		return op, false
	case w.dtype == BF16:
		op.BF16 = w.bf16
	case w.dtype == F16:
		op.F16, op.F16Finite = w.f16, w.finiteHalves()
	default:
		return op, false
	}
	return op, true
}

// applyRow computes y[i] = x·W_iᵀ + b_i for one row x and each linear,
// as one batch where the weights allow. ops is scratch space.
func applyRow(ls []*linear, ys [][]float32, x []float32, ops []tensor.GemvOp) []tensor.GemvOp {
	ops = ops[:0]
	for i, l := range ls {
		op, ok := l.gemvOp(x, ys[i])
		if !ok {
			l.apply(ys[i], l.out, x, l.in, 1)
			continue
		}
		ops = append(ops, op)
	}
	tensor.GemvBatch(ops)
	for i, l := range ls {
		if _, ok := l.gemvOp(x, ys[i]); ok && l.bias != nil {
			tensor.Axpy(1, l.bias, ys[i][:l.out])
		}
	}
	return ops
}
