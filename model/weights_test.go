package model

import (
	"testing"

	"github.com/fmkit/fmkit/tensor"
)

// TestFiniteHalves checks that a half-precision matrix holding an infinity
// or NaN is kept off the kernels that assume finite halves, and that the
// answer is remembered.
func TestFiniteHalves(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		want bool
	}{{0x3c00, true}, {0x0001, true}, {0xfbff, true}, {0x7c00, false}, {0xfc00, false}, {0x7e00, false}} {
		m := matrix{dtype: F16, f16: make([]tensor.F16, 37), rows: 1, cols: 37}
		m.f16[29] = tensor.F16(c.bits)
		if got := m.finiteHalves(); got != c.want {
			t.Errorf("half %#04x: finiteHalves = %v, want %v", c.bits, got, c.want)
		}
		m.f16[29] = 0x7c00 // the first answer stands
		if got := m.finiteHalves(); got != c.want {
			t.Errorf("half %#04x: second finiteHalves = %v, want the first answer %v", c.bits, got, c.want)
		}
	}
}
