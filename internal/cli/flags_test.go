package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFloatFlagsAreFinite walks every command and fails on a float flag of
// pflag's own types, which accept "NaN" and "Inf": every float flag must be
// made with floatVar.
func TestFloatFlagsAreFinite(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			switch f.Value.Type() {
			case "float32", "float64", "float32Slice", "float64Slice":
				t.Errorf("%s --%s is a %s flag: use floatVar, which rejects NaN and Inf", c.CommandPath(), f.Name, f.Value.Type())
			}
		}
		c.Flags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}

func TestFloatFlagRejectsNonFinite(t *testing.T) {
	for _, c := range []struct {
		arg  string
		want string
	}{
		{"NaN", `"NaN" is not a finite number`},
		{"-Inf", `"-Inf" is not a finite number`},
		{"1e400", `"1e400" is out of range`},
		{"x", `"x" is not a number`},
	} {
		var v float64
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		floatVar(fs, &v, "x", 1.5, "")
		err := fs.Parse([]string{"--x", c.arg})
		if err == nil || !strings.Contains(err.Error(), c.want) || v != 1.5 {
			t.Errorf("--x %s: %v (value %v), want %q and the default kept", c.arg, err, v, c.want)
		}
	}
	var f32 float32
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	floatVar(fs, &f32, "k1", 0.9, "")
	if err := fs.Parse([]string{"--k1", "1e39"}); err == nil {
		t.Error("--k1 1e39 accepted for a float32 flag")
	}
	if err := fs.Parse([]string{"--k1", "1.25"}); err != nil || f32 != 1.25 || fs.Lookup("k1").Value.String() != "1.25" {
		t.Errorf("--k1 1.25: %v, %v", err, f32)
	}
}

// TestEvalFlagLimits is issue 24's fmkit eval flags: --limit NaN and Inf
// panicked, --num-fewshot -1 was accepted, --tasks ,, ran nothing with
// exit 0. Each is now one line and exit 1, before any document is read.
func TestEvalFlagLimits(t *testing.T) {
	model := "../../serve/testdata/tiny"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tasks", "kmmlu_accounting", "--limit", "NaN"}, `invalid argument "NaN" for "--limit" flag`},
		{[]string{"--tasks", "kmmlu_accounting", "--limit", "Inf"}, `invalid argument "Inf" for "--limit" flag`},
		{[]string{"--tasks", "kmmlu_accounting", "--limit", "-1"}, "--limit -1"},
		{[]string{"--tasks", "kmmlu_accounting", "--num-fewshot", "-1"}, "NumFewshot (-1) must be >= 0"},
		{[]string{"--tasks", ",,"}, "eval: no tasks"},
	} {
		_, stderr, code := run(t, append([]string{"eval", "--model", model}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, stderr, c.want)
		}
	}
}
