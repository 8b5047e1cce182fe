package tensor

import (
	"math"
	"testing"
)

// bf16Value decodes a bfloat16 bit pattern from its fields, independently
// of the shift the implementation uses: sign, 8-bit exponent, 7-bit
// mantissa, bias 127.
func bf16Value(b uint16) float64 {
	sign := 1.0
	if b&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(b>>7)&0xff, float64(b&0x7f)
	switch exp {
	case 0:
		return sign * mant / 128 * math.Ldexp(1, -126)
	case 0xff:
		if mant == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + mant/128) * math.Ldexp(1, exp-127)
}

// f16Value decodes an IEEE binary16 bit pattern from its fields: sign,
// 5-bit exponent, 10-bit mantissa, bias 15.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * mant * math.Ldexp(1, -24)
	case 0x1f:
		if mant == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + mant/1024) * math.Ldexp(1, exp-15)
}

// TestWidenExhaustive widens all 65,536 bit patterns of both formats, one at
// a time and in bulk with every kernel family, against the field decoding.
// NaNs must stay NaN with their sign and payload (f16 NaNs come out quiet).
func TestWidenExhaustive(t *testing.T) {
	bf := make([]BF16, 1<<16)
	hf := make([]F16, 1<<16)
	for i := range bf {
		bf[i], hf[i] = BF16(i), F16(i)
	}
	forEachKernels(t, func(t *testing.T) {
		gotB := make([]float32, 1<<16)
		gotH := make([]float32, 1<<16)
		BF16ToFloat32(gotB, bf)
		F16ToFloat32(gotH, hf)
		for i := range bf {
			u := uint16(i)
			for _, c := range []struct {
				name      string
				one, bulk float32
				want      float64
				payload   uint32 // expected float32 bits of a NaN
			}{
				{"bf16", BF16(u).Float32(), gotB[i], bf16Value(u), uint32(u) << 16},
				{"f16", F16(u).Float32(), gotH[i], f16Value(u), uint32(u&0x8000)<<16 | 0x7fc00000 | uint32(u&0x3ff)<<13},
			} {
				for _, got := range []float32{c.one, c.bulk} {
					if math.IsNaN(c.want) {
						if math.Float32bits(got) != c.payload {
							t.Fatalf("%s %#04x: NaN widened to bits %#08x, want %#08x", c.name, u, math.Float32bits(got), c.payload)
						}
						continue
					}
					if float64(got) != c.want || math.Signbit(float64(got)) != (u&0x8000 != 0) {
						t.Fatalf("%s %#04x: widened to %v, want %v", c.name, u, got, c.want)
					}
				}
			}
		}
	})
}

// narrowCase is one float32 input and the 16-bit pattern it must round to.
type narrowCase struct {
	in   float32
	want uint16
}

// roundingCases lists, for every pair of adjacent non-negative values of a
// 16-bit format (decode gives the value of a pattern; the pattern after the
// largest finite one is +Inf, whose "value" for rounding is the next power
// of two), the values exactly on, just below and just above their midpoint,
// and each value itself; then the same negated. Ties must go to the even
// pattern, so this covers round-to-nearest-even everywhere, subnormals and
// the overflow threshold included.
func roundingCases(decode func(uint16) float64, inf uint16) []narrowCase {
	var cases []narrowCase
	for h := uint16(0); h < inf; h++ {
		lo := decode(h)
		hi := decode(h + 1)
		if h+1 == inf {
			hi = lo + (lo - decode(h-1)) // the next step above the largest finite value
		}
		mid := float32((lo + hi) / 2) // exact: one more significand bit
		even := h
		if h&1 == 1 {
			even = h + 1
		}
		cases = append(cases,
			narrowCase{float32(lo), h},
			narrowCase{mid, even},
			narrowCase{math.Nextafter32(mid, 0), h},
			narrowCase{math.Nextafter32(mid, float32(math.Inf(1))), h + 1},
		)
	}
	cases = append(cases, narrowCase{float32(math.Inf(1)), inf}, narrowCase{math.MaxFloat32, inf})
	for _, c := range cases[:len(cases):len(cases)] {
		cases = append(cases, narrowCase{-c.in, c.want | 0x8000})
	}
	return cases
}

func TestNarrowRounding(t *testing.T) {
	for _, f := range []struct {
		name   string
		decode func(uint16) float64
		inf    uint16
		one    func(float32) uint16
		bulk   func(dst []uint16, src []float32)
	}{
		{"bf16", bf16Value, 0x7f80, func(v float32) uint16 { return uint16(BF16FromFloat32(v)) }, func(dst []uint16, src []float32) {
			b := make([]BF16, len(src))
			Float32ToBF16(b, src)
			for i, v := range b {
				dst[i] = uint16(v)
			}
		}},
		{"f16", f16Value, 0x7c00, func(v float32) uint16 { return uint16(F16FromFloat32(v)) }, func(dst []uint16, src []float32) {
			b := make([]F16, len(src))
			Float32ToF16(b, src)
			for i, v := range b {
				dst[i] = uint16(v)
			}
		}},
	} {
		cases := roundingCases(f.decode, f.inf)
		in := make([]float32, len(cases))
		for i, c := range cases {
			in[i] = c.in
		}
		t.Run(f.name, func(t *testing.T) {
			forEachKernels(t, func(t *testing.T) {
				bulk := make([]uint16, len(in))
				f.bulk(bulk, in)
				for i, c := range cases {
					if got := f.one(c.in); got != c.want {
						t.Fatalf("%g (bits %#08x) rounds to %#04x, want %#04x", c.in, math.Float32bits(c.in), got, c.want)
					}
					if bulk[i] != c.want {
						t.Fatalf("bulk: %g (bits %#08x) rounds to %#04x, want %#04x", c.in, math.Float32bits(c.in), bulk[i], c.want)
					}
				}
			})
		})
	}
}

// TestNarrowNaN checks that NaNs stay NaN, quiet, with their sign, from the
// scalar and every bulk path.
func TestNarrowNaN(t *testing.T) {
	nans := []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7fffffff, 0x7f802000}
	forEachKernels(t, func(t *testing.T) {
		src := make([]float32, len(nans))
		for i, b := range nans {
			src[i] = math.Float32frombits(b)
		}
		bb := make([]BF16, len(src))
		hh := make([]F16, len(src))
		Float32ToBF16(bb, src)
		Float32ToF16(hh, src)
		for i, b := range nans {
			sign := uint16(b>>16) & 0x8000
			for _, got := range []uint16{uint16(bb[i]), uint16(BF16FromFloat32(src[i]))} {
				if got&0x7fc0 != 0x7fc0 || got&0x8000 != sign {
					t.Errorf("bf16 of NaN %#08x = %#04x, want a quiet NaN with the same sign", b, got)
				}
			}
			for _, got := range []uint16{uint16(hh[i]), uint16(F16FromFloat32(src[i]))} {
				if got&0x7e00 != 0x7e00 || got&0x8000 != sign {
					t.Errorf("f16 of NaN %#08x = %#04x, want a quiet NaN with the same sign", b, got)
				}
			}
		}
	})
}

// TestF16Finite puts every bit pattern at each position of a block of
// finite halves long enough for the four-at-a-time loop and its tail.
func TestF16Finite(t *testing.T) {
	a := make([]F16, 11)
	for i := range a {
		a[i] = F16(0x3c00 + i) // finite
	}
	if !F16Finite(a) || !F16Finite(nil) {
		t.Fatal("F16Finite rejects finite halves")
	}
	for bits := range 1 << 16 {
		h := F16(bits)
		want := !math.IsInf(float64(h.Float32()), 0) && !math.IsNaN(float64(h.Float32()))
		for pos := range a {
			b := append([]F16(nil), a...)
			b[pos] = h
			if got := F16Finite(b[1:]); pos > 0 && got != want {
				t.Fatalf("F16Finite with %#04x at %d = %v, want %v", bits, pos-1, got, want)
			}
		}
	}
}
