package cli

import (
	"strconv"

	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/internal/finite"
)

// finiteFloat is a float flag that takes only finite numbers: pflag's own
// float flags accept "NaN" and "Inf", which then pass every range check
// written as a comparison. Every float flag of fmkit is one of these
// (TestFloatFlagsAreFinite walks the command tree).
type finiteFloat[T float32 | float64] struct{ p *T }

func (f finiteFloat[T]) bits() int {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return 32
	}
	return 64
}

// Set parses s, rejecting NaN, ±Inf and numbers out of the type's range.
func (f finiteFloat[T]) Set(s string) error {
	v, err := finite.Parse(s, f.bits())
	if err != nil {
		return err
	}
	*f.p = T(v)
	return nil
}

// String formats the value as pflag's float flags do.
func (f finiteFloat[T]) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*f.p), 'g', -1, f.bits())
}

// Type is "float" in the help, for both widths.
func (f finiteFloat[T]) Type() string { return "float" }

// floatVar defines a float flag that rejects NaN and ±Inf, like
// fs.Float64Var (or Float32Var).
func floatVar[T float32 | float64](fs *pflag.FlagSet, p *T, name string, value T, usage string) {
	*p = value
	fs.Var(finiteFloat[T]{p}, name, usage)
}
