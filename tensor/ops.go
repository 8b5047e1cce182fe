package tensor

import (
	"math"
	"slices"
)

// SoftmaxTo writes softmax(x) into dst. The maximum is subtracted first, so
// large inputs do not overflow. A row that is all -Inf has no defined
// distribution and yields NaN, as PyTorch does. It panics if the lengths differ.
func SoftmaxTo(dst, x []float32) {
	checkLen("SoftmaxTo", len(dst), len(x))
	mx := maxOf(x)
	var sum float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - mx)))
		dst[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range dst {
		dst[i] *= inv
	}
}

// LogSoftmaxTo writes log(softmax(x)) into dst, computed as x - max -
// log(sum(exp(x - max))). An all -Inf row yields NaN. It panics if the
// lengths differ.
func LogSoftmaxTo(dst, x []float32) {
	checkLen("LogSoftmaxTo", len(dst), len(x))
	mx := maxOf(x)
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - mx))
	}
	lse := mx + float32(math.Log(sum))
	for i, v := range x {
		dst[i] = v - lse
	}
}

func maxOf(x []float32) float32 {
	mx := float32(math.Inf(-1))
	for _, v := range x {
		if v > mx || v != v {
			mx = v
		}
	}
	return mx
}

// LayerNormTo writes (x - mean) / sqrt(var + eps) · weight + bias into dst,
// with the biased variance, as torch.nn.LayerNorm computes it. weight and bias
// may be nil (no affine part). It panics on length mismatches.
func LayerNormTo(dst, x, weight, bias []float32, eps float32) {
	checkLen("LayerNormTo", len(dst), len(x))
	var mean float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	var variance float64
	for _, v := range x {
		d := float64(v) - mean
		variance += d * d
	}
	variance /= float64(len(x))
	inv := 1 / math.Sqrt(variance+float64(eps))
	affine(dst, x, weight, bias, func(v float32) float32 { return float32((float64(v) - mean) * inv) })
}

// RMSNormTo writes x / sqrt(mean(x²) + eps) · weight into dst, as Hugging
// Face's LlamaRMSNorm computes it (eps inside the square root). weight may be
// nil. It panics on length mismatches.
func RMSNormTo(dst, x, weight []float32, eps float32) {
	checkLen("RMSNormTo", len(dst), len(x))
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(ss/float64(len(x))+float64(eps)))
	affine(dst, x, weight, nil, func(v float32) float32 { return v * inv })
}

func affine(dst, x, weight, bias []float32, norm func(float32) float32) {
	if weight != nil {
		checkLen("norm weight", len(weight), len(x))
	}
	if bias != nil {
		checkLen("norm bias", len(bias), len(x))
	}
	for i, v := range x {
		y := norm(v)
		if weight != nil {
			y *= weight[i]
		}
		if bias != nil {
			y += bias[i]
		}
		dst[i] = y
	}
}

// GELUTo writes the exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), into dst
// (Hugging Face "gelu"). It panics if the lengths differ.
func GELUTo(dst, x []float32) {
	checkLen("GELUTo", len(dst), len(x))
	for i, v := range x {
		dst[i] = float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	}
}

// GELUTanhTo writes the tanh approximation of GELU,
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), into dst (Hugging Face
// "gelu_new" and "gelu_pytorch_tanh"). It panics if the lengths differ.
func GELUTanhTo(dst, x []float32) {
	checkLen("GELUTanhTo", len(dst), len(x))
	const c = 0.7978845608028654 // √(2/π)
	for i, v := range x {
		f := float64(v)
		dst[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}

// SiLUTo writes x·sigmoid(x) into dst. It panics if the lengths differ.
func SiLUTo(dst, x []float32) {
	checkLen("SiLUTo", len(dst), len(x))
	for i, v := range x {
		dst[i] = float32(float64(v) / (1 + math.Exp(-float64(v))))
	}
}

// Gather copies rows ids[i] of the row-major table (cols columns) into row i
// of dst, the embedding lookup. It panics if an id is out of range or dst is
// not len(ids)·cols long; callers validate ids that come from users.
func Gather(dst, table []float32, cols int, ids []int) {
	checkLen("Gather", len(dst), len(ids)*cols)
	for i, id := range ids {
		copy(dst[i*cols:(i+1)*cols], table[id*cols:(id+1)*cols])
	}
}

// GatherBF16 is Gather from a bfloat16 table, widening as it copies.
func GatherBF16(dst []float32, table []BF16, cols int, ids []int) {
	checkLen("GatherBF16", len(dst), len(ids)*cols)
	for i, id := range ids {
		BF16ToFloat32(dst[i*cols:(i+1)*cols], table[id*cols:(id+1)*cols])
	}
}

// GatherF16 is Gather from a half-precision table, widening as it copies.
func GatherF16(dst []float32, table []F16, cols int, ids []int) {
	checkLen("GatherF16", len(dst), len(ids)*cols)
	for i, id := range ids {
		F16ToFloat32(dst[i*cols:(i+1)*cols], table[id*cols:(id+1)*cols])
	}
}

// Argmax returns the index of the largest element, the first one on ties,
// matching torch.argmax. NaN compares as larger than everything. It returns
// -1 for an empty slice.
func Argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if best < 0 || v > x[best] || (v != v && x[best] == x[best]) {
			best = i
		}
	}
	return best
}

// TopK returns the indices of the k largest elements in descending order of
// value, lower index first on ties. k is clamped to len(x).
func TopK(x []float32, k int) []int {
	k = min(max(k, 0), len(x))
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] > x[b]:
			return -1
		case x[a] < x[b]:
			return 1
		}
		return 0
	})
	return idx[:k:k]
}
