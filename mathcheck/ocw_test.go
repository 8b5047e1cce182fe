package mathcheck

import (
	"math"
	"testing"
)

func TestNumericEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want bool
	}{
		{1, 1.000001, true},      // isclose: within 1e-5 relative
		{1, 1.0001, false},       // beyond 1e-5
		{3e8, 3.0000299e8, true}, // relative to the second value
		{1e-9, 1.001e-9, true},   // near zero: within 1% of the mean
		{1e-9, 1.1e-9, false},    // near zero: 10% apart
		{5, 5 + 5e-9, true},      // already close: the 1% test
		{0, 0, false},            // Llemma's strict "<" fails at 0 = 0
		{-1e-9, -1e-9, false},    // and for negative values near zero
		{-2, -2.00001, true},     // isclose on negatives
		{math.NaN(), math.NaN(), false},
		{math.Inf(1), math.Inf(1), true},
	} {
		if got := NumericEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("NumericEqual(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestParseNumeric(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"3.2 eV", 3.2},
		{"6.02e23 kg", 6.02e23},
		{"2**3", 8},
		{"-2**2", -4},
		{"(1+2)/4", 0.75},
		{"$1.5\\times 10^{3}$", 1500},
		{"\\frac{1}{2} \\mathrm{~m}", 0.5},
		{"-3 \\text{ m/s}", -3},
		{"12 years", 12},
		{"1.5 cm", 1.5},
		{"2 \\pi", 2 * math.Pi},
	} {
		got, err := ParseNumeric(tc.in)
		if err != nil || math.Abs(got-tc.want) > 1e-9*math.Abs(tc.want) {
			t.Errorf("ParseNumeric(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	// Model output is never run: Python code is just not a number.
	for _, in := range []string{"__import__('os').getcwd()", "x+1", "(1,2)", "", "\\text{many}", "1+"} {
		if v, err := ParseNumeric(in); err == nil {
			t.Errorf("ParseNumeric(%q) = %v, want an error", in, v)
		}
	}
}

func TestGSM8K(t *testing.T) {
	for _, tc := range []struct {
		fn   func(string) (string, bool)
		in   string
		want string
		ok   bool
	}{
		{GSM8KGold, "She pays 2 * 3 = <<2*3=6>>6.\n#### 1,234", "1234", true},
		{GSM8KGold, "#### -5", "-5", true},
		{GSM8KGold, "no marker", "", false},
		{GSM8KLlemmaAnswer, "So 5 + 4 = 9. The answer is 9.", "9", true},
		{GSM8KLlemmaAnswer, "The answer is 12. The answer is 13.", "12", true},
		{GSM8KLlemmaAnswer, "The answer is -3.", "", false}, // \d+: no sign
		{GSM8KLlemmaAnswer, "The answer is 1,000.", "1", true},
		{GSM8KLlemmaAnswer, "The answer is ١٢.", "١٢", true}, // Python's \d is Unicode
	} {
		got, ok := tc.fn(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
