// Package finite checks that floating-point numbers read from users are
// finite. NaN and ±Inf parse as numbers in Go ("NaN", "Inf"), in YAML
// (.nan, .inf) and in Python literals, and once inside a computation they
// turn every result into NaN without an error: a sampler returns empty
// text, a score sorts arbitrarily, a JSON encoder fails half-way through a
// response. The CLI's float flags parse through Parse; numbers decoded from
// JSON bodies and YAML files go through Value or Check.
package finite

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrNotFinite is wrapped by every error of this package: the number is
// NaN or infinite, or does not fit the type it is read into.
var ErrNotFinite = errors.New("not a finite number")

// Check returns nil if v is finite, else an error naming what v is (name,
// for example "temperature" or "generation_kwargs.top_p").
func Check(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is %v, %w", name, v, ErrNotFinite)
	}
	return nil
}

// Parse parses s as a float of bitSize bits (32 or 64), as
// strconv.ParseFloat does, and rejects NaN, ±Inf and values too large for
// the type (which ParseFloat would round to ±Inf).
func Parse(s string, bitSize int) (float64, error) {
	v, err := strconv.ParseFloat(s, bitSize)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !math.IsInf(v, 0) {
			// Underflow to zero or a subnormal is a finite value.
			return v, nil
		}
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range, %w", s, ErrNotFinite)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is %w", s, ErrNotFinite)
	}
	return v, nil
}

// Value converts v, a number decoded from JSON or YAML (float64, float32,
// an integer type or json.Number), to a finite float64. name says where v
// came from, for the error; a value of another type is an error too.
func Value(name string, v any) (float64, error) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case json.Number:
		p, err := Parse(string(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		f = p
	default:
		return 0, fmt.Errorf("%s is %v (%T), expected a number", name, v, v)
	}
	if err := Check(name, f); err != nil {
		return 0, err
	}
	return f, nil
}
