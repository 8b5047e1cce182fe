package cli

import (
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
)

// TestBenchGemmLimits checks that sizes whose matrices would not fit the
// memory limit fail before anything is allocated.
func TestBenchGemmLimits(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--sizes", "100000"}, "--sizes 100000: three 100000×100000 float32 matrices take 111.8 GiB, more than --max-bytes 1073741824 (1.0 GiB)"},
		{[]string{"--sizes", "256,9223372036854775807"}, "--sizes 9223372036854775807"},
		{[]string{"--sizes", "4096", "--max-bytes", "1000"}, "--sizes 4096: three 4096×4096 float32 matrices take 0.2 GiB, more than --max-bytes 1000"},
		{[]string{"--sizes", "64", "--max-bytes", "0"}, "--max-bytes 0: expected a positive size"},
		{[]string{"--sizes", "0"}, "expected positive integers"},
	}
	for _, c := range cases {
		var stderr string
		var code int
		n := memtest.AllocatedBytes(func() { _, stderr, code = run(t, append([]string{"bench", "gemm"}, c.args...)...) })
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, stderr, c.want)
		}
		if n > 16<<20 {
			t.Errorf("%v: allocated %d bytes before failing", c.args, n)
		}
	}
}
