package tensor

import "math"

// Constants of the float32 exponential (after Cephes expf): exp(x) =
// 2^n·exp(r) with n = round(x·log2 e) and r = x - n·ln 2 split in two parts so that r
// is exact, then a degree-6 polynomial for exp(r) on |r| ≤ ln2/2. The error
// is below 2 ulp of float32 over the whole normal range.
const (
	expLog2e = 1.44269504088896341
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
	// expHi is the largest x with finite exp(x); expLo the smallest with a
	// normal result. Below expLo the result is flushed to zero (the true
	// value is under 1.2e-38).
	expHi = 88.72283
	expLo = -87.33654

	roundMagic float32 = 12582912 // 1.5·2^23
)

// expf returns e^x in float32 arithmetic. NaN gives NaN, x > expHi gives
// +Inf, x < expLo gives 0.
func expf(x float32) float32 { return expSplit(x, 0) }

// expSplit returns e^(hi+lo) for an argument given as a float32 sum that
// would lose precision if rounded to one float32: for a large exact hi (with
// |lo| ≤ 2, say), hi+lo has an absolute rounding error of up to ulp(hi)/2,
// which becomes a relative error of the result. Here n is chosen from
// hi+lo, but the reduced argument r = hi - n·ln2 + lo is formed from hi
// itself (hi - n·C1 is exact for large hi: the two are within a factor of
// two), so that only r's own small rounding errors remain.
func expSplit(hi, lo float32) float32 {
	s := hi + lo
	switch {
	case s != s:
		return s
	case s > expHi:
		return float32(math.Inf(1))
	case s < expLo:
		return 0
	}
	// Adding 1.5·2^23 rounds s·log2e to the nearest integer (ties to
	// even) in the float32 addition itself; the integer is in the low
	// mantissa bits of t.
	t := s*expLog2e + roundMagic
	n := t - roundMagic
	r := hi - n*expC1
	r -= n * expC2
	r += lo
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	p = p*r*r + r + 1
	// n is in [-126, 128]; 2^n is built in two halves so n = 128 does not
	// overflow before the polynomial (which is < 1 there) scales it down.
	ni := int32(math.Float32bits(t)) - int32(math.Float32bits(roundMagic))
	h := ni / 2
	return p * math.Float32frombits(uint32(h+127)<<23) * math.Float32frombits(uint32(ni-h+127)<<23)
}
