package tensor

import (
	"math"
	"unsafe"
)

// BF16 is a bfloat16 value: the upper 16 bits of an IEEE float32.
type BF16 uint16

// F16 is an IEEE 754 binary16 (half-precision) value.
type F16 uint16

// BF16FromFloat32 rounds f to the nearest bfloat16, ties to even.
// NaN stays NaN (quieted, sign kept); overflow rounds to ±Inf.
func BF16FromFloat32(f float32) BF16 {
	bits := math.Float32bits(f)
	if bits&0x7fffffff > 0x7f800000 {
		return BF16(bits>>16 | 0x0040)
	}
	bias := uint32(0x7fff) + (bits>>16)&1
	return BF16((bits + bias) >> 16)
}

// Float32 returns b widened to float32. The conversion is exact.
func (b BF16) Float32() float32 { return math.Float32frombits(uint32(b) << 16) }

// F16FromFloat32 rounds f to the nearest binary16 value, ties to even.
// Values too large become ±Inf, values too small become signed zero or a
// subnormal, and NaN stays NaN (quieted, sign kept).
func F16FromFloat32(f float32) F16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	abs := bits & 0x7fffffff
	switch {
	case abs > 0x7f800000: // NaN: keep the top mantissa bits, force quiet.
		return F16(sign | 0x7e00 | uint16(abs>>13)&0x3ff)
	case abs >= 0x477ff000: // rounds to at least 65520: overflow to Inf.
		return F16(sign | 0x7c00)
	case abs >= 0x38800000: // normal half: rebias exponent 127 -> 15.
		h := abs - 0x38000000
		h += 0xfff + (h>>13)&1
		return F16(sign | uint16(h>>13))
	case abs < 0x33000000: // below half the smallest subnormal: zero.
		return F16(sign)
	default: // subnormal half.
		exp := abs >> 23
		mant := abs&0x7fffff | 0x800000
		shift := 126 - exp // 14 + (112 - exp) + 13 - 13
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return F16(sign | uint16(h))
	}
}

// Float32 returns h widened to float32. The conversion is exact; a NaN
// keeps its sign and payload and comes out quiet, as the F16C instruction
// VCVTPH2PS makes it, so that every kernel family widens alike.
func (h F16) Float32() float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal: value = mant * 2^-24, exactly representable in float32.
		f := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(f))
	case 0x1f:
		if mant != 0 {
			mant |= 0x200 // quiet NaN
		}
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// BF16ToFloat32 widens src into dst. It panics if the lengths differ.
func BF16ToFloat32(dst []float32, src []BF16) {
	checkLen("BF16ToFloat32", len(dst), len(src))
	kernels().widenBF16(dst, src)
}

// F16ToFloat32 widens src into dst. It panics if the lengths differ.
func F16ToFloat32(dst []float32, src []F16) {
	checkLen("F16ToFloat32", len(dst), len(src))
	kernels().widenF16(dst, src)
}

// Float32ToBF16 rounds src into dst. It panics if the lengths differ.
func Float32ToBF16(dst []BF16, src []float32) {
	checkLen("Float32ToBF16", len(dst), len(src))
	kernels().narrowBF16(dst, src)
}

// Float32ToF16 rounds src into dst. It panics if the lengths differ.
func Float32ToF16(dst []F16, src []float32) {
	checkLen("Float32ToF16", len(dst), len(src))
	kernels().narrowF16(dst, src)
}

func checkLen(fn string, a, b int) {
	if a != b {
		panic("tensor: " + fn + ": length mismatch")
	}
}

// F16Finite reports whether a holds no infinity or NaN (a half with all
// exponent bits set). Weights that pass can use GemvF16Finite and
// GemmF16Finite. It tests four halves per step, at memory speed.
func F16Finite(a []F16) bool {
	// Halves up to the first 8-byte boundary, so that the rest can be read
	// as uint64s (a may be only 2-byte aligned).
	head := 0
	for head < len(a) && uintptr(unsafe.Pointer(&a[head]))%8 != 0 {
		head++
	}
	n4 := head + (len(a)-head)&^3
	for _, h := range a[:head] {
		if h&0x7c00 == 0x7c00 {
			return false
		}
	}
	if n4 > head {
		const exps = 0x7c007c007c007c00 // the exponent field of each half
		const ones, tops = 0x0001000100010001, 0x8000800080008000
		for _, v := range unsafe.Slice((*uint64)(unsafe.Pointer(&a[head])), (n4-head)/4) {
			// u has a zero lane exactly where a half's exponent is all ones;
			// its lanes are below 0x8000, so the classic zero-lane test is exact.
			u := v&exps ^ exps
			if (u-ones)&^u&tops != 0 {
				return false
			}
		}
	}
	for _, h := range a[n4:] {
		if h&0x7c00 == 0x7c00 {
			return false
		}
	}
	return true
}
