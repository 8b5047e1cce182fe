package tensor

import "math"

// The exact GELU in float32, x·Φ(x), from the complementary error function
// in the form erfc(z) = t·exp(-z² + P(2t-1)) with t = 1/(1 + z/2) and
// z = |x|/√2 (the form of Numerical Recipes' erfcc, with a degree-11
// polynomial fitted here by least squares on Chebyshev nodes to
// log(erfcx(z)/t); its error is below 0.3 ulp). Then Φ(x) = erfc(z)/2 for
// x < 0, where it keeps full relative precision far into the tail, and
// 1 - erfc(z)/2 for x ≥ 0. -z² = -x²/2 is passed to the exponential exactly,
// as a rounded square plus its rounding error: rounding z or z² instead
// would cost up to 100 ulp at x ≈ -13. Overall the relative error is below
// 4·2⁻²³ against float64's math.Erfc (3.1·2⁻²³ at worst on a dense grid,
// TestGELUDense).
const (
	geluP    = 0.35355339059327373 // 1/(2√2): t = 1/(1 + |x|·geluP)
	geluMaxA = 14                  // Φ(-14) = 8e-45 is zero in float32; larger |x| change nothing
	gelu0    = -0.6717941164970398
	gelu1    = 0.6726431846618652
	gelu2    = 0.04734377935528755
	gelu3    = -0.04689403995871544
	gelu4    = -0.009879023768007755
	gelu5    = 0.008811323903501034
	gelu6    = 0.0017909719608724117
	gelu7    = -0.0022950288839638233
	gelu8    = -0.0002240365865873173
	gelu9    = 0.0005805649561807513
	gelu10   = 6.3205143305822276e-06
	gelu11   = -8.99444567039609e-05
)

// geluf is the scalar GELU; geluAVX2 computes the same steps eight lanes at
// a time.
func geluf(x float32) float32 {
	a := min(float32(math.Abs(float64(x))), geluMaxA)
	sq := a * a
	sqErr := float32(float64(a)*float64(a) - float64(sq)) // exact: a·a fits in float64
	t := 1 / (1 + a*geluP)
	u := 2*t - 1
	p := float32(gelu11)
	for _, c := range [...]float32{gelu10, gelu9, gelu8, gelu7, gelu6, gelu5, gelu4, gelu3, gelu2, gelu1, gelu0} {
		p = p*u + c
	}
	q := 0.5 * t * expSplit(-0.5*sq, p-0.5*sqErr)
	if math.Signbit(float64(x)) {
		return x * q
	}
	return x * (1 - q)
}

func geluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = geluf(v)
	}
}

func geluTanhGeneric(dst, x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	x = x[:len(dst)]
	for i, v := range x {
		u := c * (v + 0.044715*v*v*v)
		dst[i] = v / (1 + expf(-2*u))
	}
}

func siluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v / (1 + expf(-v))
	}
}

// expSumGeneric writes exp(x[i] - m) into dst (unless dst is empty) and
// returns the sum of those values in float64.
func expSumGeneric(dst, x []float32, m float32) float64 {
	var sum float64
	if len(dst) == 0 {
		for _, v := range x {
			sum += float64(expf(v - m))
		}
		return sum
	}
	dst = dst[:len(x)]
	for i, v := range x {
		e := expf(v - m)
		dst[i] = e
		sum += float64(e)
	}
	return sum
}

// maxGeneric returns the largest element, NaN if there is one, -Inf for an
// empty slice.
func maxGeneric(x []float32) float32 {
	mx := float32(math.Inf(-1))
	for _, v := range x {
		if v > mx || v != v {
			mx = v
		}
	}
	return mx
}
