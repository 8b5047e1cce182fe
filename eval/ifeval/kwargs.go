package ifeval

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// args are one instruction's keyword arguments after lm-eval's filter,
// which drops every value Python counts as false (None, 0, "", []).
type args struct {
	id   string
	vals map[string]any
	used map[string]bool
}

func newArgs(id string, kwargs map[string]any) *args {
	a := &args{id: id, vals: map[string]any{}, used: map[string]bool{}}
	for k, v := range kwargs {
		if py.Truth(v) {
			a.vals[k] = v
		}
	}
	return a
}

// argError names the instruction and the argument.
func (a *args) errorf(name, format string, v ...any) error {
	return fmt.Errorf("ifeval: %s: argument %s: %s: %w", a.id, name, fmt.Sprintf(format, v...), ErrArgument)
}

// get returns a present argument. lm-eval fills a missing one with a
// random choice from its process-wide generator, which no port can
// reproduce, so a missing argument is an error here.
func (a *args) get(name string) (any, error) {
	a.used[name] = true
	v, ok := a.vals[name]
	if !ok {
		return nil, a.errorf(name, "missing (lm-eval would draw one at random)")
	}
	return v, nil
}

func (a *args) str(name string) (string, error) {
	v, err := a.get(name)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", a.errorf(name, "%s, expected a string", py.Repr(v))
	}
	return s, nil
}

// number returns a non-negative number (lm-eval draws a random one for a
// negative value).
func (a *args) number(name string) (float64, error) { return a.num(name, false) }

func (a *args) num(name string, negativeOK bool) (float64, error) {
	v, err := a.get(name)
	if err != nil {
		return 0, err
	}
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return 0, a.errorf(name, "%s, expected a number", py.Repr(v))
	}
	if math.IsNaN(f) || f < 0 && !negativeOK {
		return 0, a.errorf(name, "%s, expected a number >= 0", py.Repr(v))
	}
	return f, nil
}

// integer returns an int64 argument (one used as a list index).
func (a *args) integer(name string) (int64, error) {
	v, err := a.get(name)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, a.errorf(name, "%s, expected an integer", py.Repr(v))
	}
	return n, nil
}

func (a *args) strings(name string) ([]string, error) {
	v, err := a.get(name)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, a.errorf(name, "%s, expected a list of strings", py.Repr(v))
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, a.errorf(name, "item %d is %s, expected a string", i, py.Repr(e))
		}
		out[i] = s
	}
	return out, nil
}

// relation is a comparison argument: "less than" or "at least".
func (a *args) relation(name string) (bool, error) {
	s, err := a.str(name)
	if err != nil {
		return false, err
	}
	switch s {
	case "less than":
		return true, nil
	case "at least":
		return false, nil
	}
	return false, a.errorf(name, "%q, expected \"less than\" or \"at least\"", s)
}

// done reports arguments the instruction does not take (a TypeError in
// lm-eval).
func (a *args) done() error {
	var extra []string
	for k := range a.vals {
		if !a.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("ifeval: %s: unexpected arguments %s: %w", a.id, strings.Join(extra, ", "), ErrArgument)
	}
	return nil
}

// compare is the "less than" / "at least" test.
func compare(lessThan bool, n, threshold float64) bool {
	if lessThan {
		return n < threshold
	}
	return n >= threshold
}
