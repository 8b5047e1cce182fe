package jinja

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/internal/py"
)

// TestRenderLimits is the table of templates that grow without bound (issue
// 24): each fails fast with ErrLimit, naming the limit, in little memory.
func TestRenderLimits(t *testing.T) {
	cases := []struct {
		name, src string
		limits    Limits
		want      string
	}{
		{"nested 20k × 20k loop", "{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}", Limits{},
			"more than 1000000 steps (Limits.MaxSteps)"},
		{"~ doubling", "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}", Limits{},
			"a string of 33554432 bytes exceeds the limit of 16777216"},
		{"+ doubling", "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", Limits{},
			"a string of 33554432 bytes exceeds"},
		{"list repetition", "{% set l = [1, 2, 3] * 100000000 %}", Limits{},
			"a list of 300000000 items exceeds the limit of 1048576"},
		{"list doubling", "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", Limits{},
			"a list of 2097152 items exceeds"},
		{"string repetition over the output limit", "{{ 'ab' * 10000000 }}", Limits{},
			"a string of 20000000 bytes exceeds"},
		{"output", "{{ 'x' * 16000000 }}{{ 'y' * 800000 }}", Limits{},
			"the output exceeds 16777216 bytes (Limits.MaxOutputBytes)"},
		{"output of a loop", "{% for i in range(100000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}", Limits{MaxOutputBytes: 1 << 20},
			"the output exceeds 1048576 bytes"},
		{"replace between every character", "{{ ('x' * 100000) | replace('', 'y' * 100000) }}", Limits{},
			"replace result too large"},
		{"block set", "{% set s %}{% for i in range(100) %}0123456789{% endfor %}{% endset %}", Limits{MaxOutputBytes: 500},
			"the output exceeds 500 bytes"},
		{"lower step limit", "{% for i in range(100) %}{{ i }}{% endfor %}", Limits{MaxSteps: 50},
			"more than 50 steps"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse(c.src)
			if err != nil {
				t.Fatal(err)
			}
			tpl = tpl.WithLimits(c.limits)
			start := time.Now()
			n := memtest.AllocatedBytes(func() { _, err = tpl.Render(py.NewDict()) })
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrLimit with %q", err, c.want)
			}
			if n > 64<<20 {
				t.Errorf("allocated %d bytes before failing", n)
			}
			t.Logf("%v, %d bytes: %v", time.Since(start), n, err)
		})
	}
}

// TestChatTemplateLimit checks that a chat template's limit error names the
// chat template and stays matchable.
func TestChatTemplateLimit(t *testing.T) {
	ct, err := NewChatTemplate("{% for i in range(1000000) %}{% for m in messages %}{{ m.content }}{% endfor %}{% endfor %}", "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ct.Render([]ChatMessage{{Role: "user", Content: strings.Repeat("x", 100)}}, true)
	if !errors.Is(err, ErrChatTemplate) || !errors.Is(err, ErrLimit) || !strings.HasPrefix(err.Error(), "chat template: line 1: ") {
		t.Errorf("err = %v", err)
	}
}
