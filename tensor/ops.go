package tensor

import (
	"math"
	"slices"
)

// SoftmaxTo writes softmax(x) into dst. The maximum is subtracted first, so
// large inputs do not overflow; exponentials are float32 (within 2 ulp) and
// their sum is accumulated in float64. A row that is all -Inf has no
// defined distribution and yields NaN, as PyTorch does. dst may be x. It
// panics if the lengths differ.
func SoftmaxTo(dst, x []float32) {
	checkLen("SoftmaxTo", len(dst), len(x))
	if len(x) == 0 {
		return
	}
	ks := kernels()
	sum := ks.expSum(dst, x, ks.max(x))
	inv := float32(1 / sum)
	for i := range dst {
		dst[i] *= inv
	}
}

// LogSoftmaxTo writes log(softmax(x)) into dst, computed as x - max -
// log(sum(exp(x - max))). An all -Inf row yields NaN. dst may be x. It
// panics if the lengths differ.
func LogSoftmaxTo(dst, x []float32) {
	checkLen("LogSoftmaxTo", len(dst), len(x))
	if len(x) == 0 {
		return
	}
	lse := LogSumExp(x)
	for i, v := range x {
		dst[i] = v - lse
	}
}

// LogSumExp returns log(Σ exp(x[i])), computed as max + log(Σ exp(x[i] -
// max)) with the sum in float64: the normaliser of a log-softmax, for
// callers that need only some of its entries (the log-probability of one
// token is x[token] - LogSumExp(x)). It is -Inf for an empty slice and NaN
// for an all -Inf one.
func LogSumExp(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	ks := kernels()
	mx := ks.max(x)
	return mx + float32(math.Log(ks.expSum(nil, x, mx)))
}

// LogSoftmaxParts returns the first index of the maximum of x (the one
// torch.argmax picks) and logSum = log Σ exp(x[i] - max) in float64, so
// that the log-softmax of entry i is
//
//	float64(x[i]-x[argmax]) - logSum
//
// without the float32 rounding of LogSoftmaxTo. Every log-probability
// fmkit reports for a token (lm/native's scores, lm/guided's, the server's
// logprobs) is computed from these parts in this way, so that they agree to
// the last bit. x must not be empty.
func LogSoftmaxParts(x []float32) (argmax int, logSum float64) {
	for i, v := range x {
		if v > x[argmax] {
			argmax = i
		}
	}
	return argmax, math.Log(SumExp(x, x[argmax]))
}

// SumExp returns Σ exp(x[i] - m) in float64, with float32 exponentials
// (within 2 ulp, as SoftmaxTo's): with m the maximum of x, the log-softmax
// of entry i is x[i] - m - log(SumExp(x, m)), without the float32 rounding
// of LogSumExp's result.
func SumExp(x []float32, m float32) float64 {
	if len(x) == 0 {
		return 0
	}
	return kernels().expSum(nil, x, m)
}

// ExpTo writes exp(x[i] - m) into dst and returns the sum of what it wrote,
// in float64. The exponentials are float32 within 2 ulp, as SoftmaxTo's;
// arguments above about 88.7 give +Inf, and results below the smallest normal
// float32 (arguments below about -87.3) may be flushed to 0. dst
// may be x. It panics if the lengths differ.
func ExpTo(dst, x []float32, m float32) float64 {
	checkLen("ExpTo", len(dst), len(x))
	if len(x) == 0 {
		return 0
	}
	return kernels().expSum(dst, x, m)
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

// GELUTo writes the exact GELU, x·Φ(x) = 0.5·x·erfc(-x/√2), into dst
// (Hugging Face "gelu"), in float32 with a relative error below 4·2⁻²³;
// the erfc form keeps full relative precision for negative x (see geluf).
// dst may be x. It panics if the lengths differ.
func GELUTo(dst, x []float32) {
	checkLen("GELUTo", len(dst), len(x))
	kernels().gelu(dst, x)
}

// GELUTanhTo writes the tanh approximation of GELU,
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), into dst (Hugging Face
// "gelu_new" and "gelu_pytorch_tanh"). It is evaluated as x·σ(2u), the same
// function without the cancellation of 1 + tanh for negative x. dst may be
// x. It panics if the lengths differ.
func GELUTanhTo(dst, x []float32) {
	checkLen("GELUTanhTo", len(dst), len(x))
	kernels().geluTanh(dst, x)
}

// SiLUTo writes x·sigmoid(x) = x/(1+e^-x) into dst. dst may be x. It panics
// if the lengths differ.
func SiLUTo(dst, x []float32) {
	checkLen("SiLUTo", len(dst), len(x))
	kernels().silu(dst, x)
}

// AddTo writes x[i] + y[i] into dst. It panics if the lengths differ.
func AddTo(dst, x, y []float32) {
	checkLen("AddTo", len(dst), len(x))
	checkLen("AddTo", len(dst), len(y))
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

// MulTo writes x[i]·y[i] into dst. It panics if the lengths differ.
func MulTo(dst, x, y []float32) {
	checkLen("MulTo", len(dst), len(x))
	checkLen("MulTo", len(dst), len(y))
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

// ScaleTo writes alpha·x[i] into dst. It panics if the lengths differ.
func ScaleTo(dst []float32, alpha float32, x []float32) {
	checkLen("ScaleTo", len(dst), len(x))
	for i, v := range x {
		dst[i] = alpha * v
	}
}

// Dot returns Σ x[i]·y[i], vectorised with several partial sums. It panics
// if the lengths differ.
func Dot(x, y []float32) float32 {
	checkLen("Dot", len(x), len(y))
	return kernels().dotF32(x, y)
}

// Axpy computes y[i] += alpha·x[i] (fused multiply-add where the CPU has
// it). It panics if the lengths differ.
func Axpy(alpha float32, x, y []float32) {
	checkLen("Axpy", len(x), len(y))
	kernels().axpyF32(alpha, x, y)
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
