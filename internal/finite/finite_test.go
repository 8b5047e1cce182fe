package finite

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		s       string
		bits    int
		want    float64
		errText string // "" for no error
		finite  bool   // the error wraps ErrNotFinite
	}{
		{"1.5", 64, 1.5, "", false},
		{"-0", 64, 0, "", false},
		{"1e-320", 64, 1e-320, "", false},
		{"1e-400", 64, 0, "", false}, // underflows to zero: finite
		{"NaN", 64, 0, `"NaN" is not a finite number`, true},
		{"nan", 64, 0, `"nan" is not a finite number`, true},
		{"Inf", 64, 0, `"Inf" is not a finite number`, true},
		{"-infinity", 64, 0, `"-infinity" is not a finite number`, true},
		{"1e309", 64, 0, `"1e309" is out of range, not a finite number`, true},
		{"1e39", 32, 0, `"1e39" is out of range, not a finite number`, true},
		{"3e38", 32, float64(float32(3e38)), "", false},
		{"abc", 64, 0, `"abc" is not a number`, false},
		{"", 64, 0, `"" is not a number`, false},
	}
	for _, c := range cases {
		got, err := Parse(c.s, c.bits)
		switch {
		case c.errText == "" && (err != nil || got != c.want):
			t.Errorf("Parse(%q, %d) = %v, %v; want %v", c.s, c.bits, got, err, c.want)
		case c.errText != "" && (err == nil || err.Error() != c.errText):
			t.Errorf("Parse(%q, %d) error = %v, want %q", c.s, c.bits, err, c.errText)
		case c.errText != "" && errors.Is(err, ErrNotFinite) != c.finite:
			t.Errorf("Parse(%q, %d): errors.Is(ErrNotFinite) = %v", c.s, c.bits, !c.finite)
		}
	}
}

func TestValue(t *testing.T) {
	cases := []struct {
		v       any
		want    float64
		errText string
	}{
		{0.25, 0.25, ""},
		{float32(0.5), 0.5, ""},
		{int64(3), 3, ""},
		{7, 7, ""},
		{json.Number("2.5e-3"), 2.5e-3, ""},
		{math.NaN(), 0, "temperature is NaN, not a finite number"},
		{math.Inf(-1), 0, "temperature is -Inf, not a finite number"},
		{json.Number("1e999"), 0, `temperature: "1e999" is out of range, not a finite number`},
		{"0.5", 0, "temperature is 0.5 (string), expected a number"},
		{nil, 0, "temperature is <nil> (<nil>), expected a number"},
	}
	for _, c := range cases {
		got, err := Value("temperature", c.v)
		if c.errText == "" {
			if err != nil || got != c.want {
				t.Errorf("Value(%#v) = %v, %v; want %v", c.v, got, err, c.want)
			}
			continue
		}
		if err == nil || err.Error() != c.errText {
			t.Errorf("Value(%#v) error = %v, want %q", c.v, err, c.errText)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("x", 1e308); err != nil {
		t.Errorf("Check(1e308) = %v", err)
	}
	err := Check("top_p", math.NaN())
	if !errors.Is(err, ErrNotFinite) || !strings.HasPrefix(err.Error(), "top_p is NaN") {
		t.Errorf("Check(NaN) = %v", err)
	}
}
