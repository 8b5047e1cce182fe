package nn

import (
	"fmt"
	"math"
	"slices"
)

// LayerNorm normalises the last dimension of x to zero mean and unit
// variance (the biased variance, plus eps, as torch.nn.LayerNorm) and
// applies weight and bias, either of which may be nil.
func (g *Tape[T]) LayerNorm(x, weight, bias *Tensor[T], eps float64) *Tensor[T] {
	return g.norm("LayerNorm", x, weight, bias, eps, true)
}

// RMSNorm scales the last dimension of x by 1/sqrt(mean(x²) + eps) and
// multiplies by weight (may be nil), as Llama's RMSNorm does.
func (g *Tape[T]) RMSNorm(x, weight *Tensor[T], eps float64) *Tensor[T] {
	return g.norm("RMSNorm", x, weight, nil, eps, false)
}

func (g *Tape[T]) norm(op string, x, weight, bias *Tensor[T], eps float64, center bool) *Tensor[T] {
	rows, n := x.rows()
	for _, p := range []*Tensor[T]{weight, bias} {
		if p != nil && (p.Len() != n || p.Dims() != 1) {
			panic(fmt.Sprintf("nn: %s: parameter of shape %v for input of shape %v; want [%d]", op, p.shape, x.shape, n))
		}
	}
	out := g.result(slices.Clone(x.shape), x, weight, bias)
	// stats holds each row's mean (LayerNorm) and 1/std, for the backward
	// pass.
	stats := g.scratch(out, 2*rows)
	var w, b []T
	if weight != nil {
		w = weight.data
	}
	if bias != nil {
		b = bias.data
	}
	parallelFor(rows, 4*n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x.data[r*n:(r+1)*n], out.data[r*n:(r+1)*n]
			mean, rstd := rowMoments(xr, eps, center)
			stats[2*r], stats[2*r+1] = mean, rstd
			for i, v := range xr {
				y := (v - mean) * rstd
				if w != nil {
					y *= w[i]
				}
				if b != nil {
					y += b[i]
				}
				yr[i] = y
			}
		}
	})
	g.onBackward(out, func() { normBackward(x, weight, bias, out, stats, center) })
	return out
}

// rowMoments returns the mean (0 unless center) and 1/sqrt(var + eps) of a
// row, with the sums in float64.
func rowMoments[T Float](x []T, eps float64, center bool) (mean, rstd T) {
	var m float64
	if center {
		for _, v := range x {
			m += float64(v)
		}
		m /= float64(len(x))
		mean = T(m)
	}
	var ss float64
	for _, v := range x {
		d := float64(v - mean)
		ss += d * d
	}
	return mean, T(1 / math.Sqrt(ss/float64(len(x))+eps))
}

// normBackward: with x̂ = (x - mean)·rstd and dx̂ = dy·w,
// dx = rstd·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) (the mean(dx̂) term only when
// centering); dw = Σ_rows dy·x̂ and db = Σ_rows dy.
func normBackward[T Float](x, weight, bias, out *Tensor[T], stats []T, center bool) {
	rows, n := x.rows()
	gy := out.grad
	if x.requiresGrad {
		gx, fresh := x.gradFor()
		parallelFor(rows, 8*n, func(lo, hi int) {
			dxh := make([]T, n)
			for r := lo; r < hi; r++ {
				xr, gr, dr := x.data[r*n:(r+1)*n], gy[r*n:(r+1)*n], gx[r*n:(r+1)*n]
				mean, rstd := stats[2*r], stats[2*r+1]
				var sumD, sumDX float64
				for i, v := range gr {
					d := v
					if weight != nil {
						d *= weight.data[i]
					}
					dxh[i] = d
					sumD += float64(d)
					sumDX += float64(d * (xr[i] - mean) * rstd)
				}
				mD, mDX := T(sumD/float64(n)), T(sumDX/float64(n))
				if !center {
					mD = 0
				}
				for i, d := range dxh {
					v := rstd * (d - mD - (xr[i]-mean)*rstd*mDX)
					if fresh {
						dr[i] = v
					} else {
						dr[i] += v
					}
				}
			}
		})
	}
	if weight != nil && weight.requiresGrad {
		columnSums(weight, rows, n, func(r int, acc []T) {
			mean, rstd := stats[2*r], stats[2*r+1]
			g, xr := gy[r*n:(r+1)*n], x.data[r*n:(r+1)*n]
			for i := range acc {
				acc[i] += g[i] * (xr[i] - mean) * rstd
			}
		})
	}
	if bias != nil && bias.requiresGrad {
		columnSums(bias, rows, n, func(r int, acc []T) { addTo(acc, acc, gy[r*n:(r+1)*n]) })
	}
}

// columnSums adds Σ_r row(r) to p's gradient, where row(r, acc) adds row
// r's contribution (n values) into acc. Each goroutine sums its own block
// of rows before the blocks are added together, in a fixed order.
func columnSums[T Float](p *Tensor[T], rows, n int, row func(r int, acc []T)) {
	parts := max(1, min(maxProcs(), rows*n/minParallel))
	partial := make([][]T, parts)
	parallelFor(parts, minParallel, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			acc := make([]T, n)
			for r := q * rows / parts; r < (q+1)*rows/parts; r++ {
				row(r, acc)
			}
			partial[q] = acc
		}
	})
	gp := p.zeroedGrad()
	for _, acc := range partial {
		addTo(gp, gp, acc)
	}
}
