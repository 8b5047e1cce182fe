package nn

import (
	"fmt"
	"math"
	"slices"
)

// Dropout zeroes each element of x with probability p and scales the rest
// by 1/(1-p), as torch.nn.functional.dropout in training mode. Which
// elements drop is a function of key and the element's index only (a
// counter-based generator), so the backward pass recomputes the mask instead
// of storing it, and results do not depend on the number of threads. Use a
// different key for every call (see DropoutKey). p = 0 returns x itself.
func (g *Tape[T]) Dropout(x *Tensor[T], p float64, key uint64) *Tensor[T] {
	if p == 0 {
		return x
	}
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("nn: Dropout: probability %v outside [0, 1)", p))
	}
	out := g.result(slices.Clone(x.shape), x)
	threshold := dropThreshold(p)
	scale := T(1 / (1 - p))
	parallelFor(x.Len(), 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if keepElement(key, uint64(i), threshold) {
				out.data[i] = x.data[i] * scale
			} else {
				out.data[i] = 0
			}
		}
	})
	g.onBackward(out, func() {
		gx, fresh := x.gradFor()
		parallelFor(x.Len(), 4, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				var v T
				if keepElement(key, uint64(i), threshold) {
					v = out.grad[i] * scale
				}
				if fresh {
					gx[i] = v
				} else {
					gx[i] += v
				}
			}
		})
	})
	return out
}

// dropThreshold is p as a fraction of 2⁶⁴.
func dropThreshold(p float64) uint64 {
	if p >= 1 {
		return math.MaxUint64
	}
	return uint64(p * (1 << 63) * 2)
}

// keepElement reports whether element i survives: its hash is at or above
// the threshold.
func keepElement(key, i, threshold uint64) bool {
	return mix64(key^(i*0x9e3779b97f4a7c15)) >= threshold
}

// mix64 is SplitMix64's finaliser: a bijection of 64-bit words whose output
// bits each depend on all input bits.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// DropoutKey derives the key of one dropout call from a run's seed and
// numbers that identify the call (the optimizer step, the micro-batch, the
// layer, the site), so that a resumed run drops the same elements.
func DropoutKey(seed uint64, ids ...uint64) uint64 {
	k := mix64(seed)
	for _, id := range ids {
		k = mix64(k ^ mix64(id+0x632be59bd9b4e019))
	}
	return k
}
