package jinja

import (
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/fmkit/fmkit/internal/py"
)

func FuzzRender(f *testing.F) {
	for _, s := range []string{"{{question.strip()}}\nA. {{A}}", "{% for c in l %}{{loop.index}}{% endfor %}", "{{ a if b else c }}", "{{ x|join(', ') }}", "{% raw %}{{{% endraw %}", "{{ 'a'[1:] ~ (1, 2) }}"} {
		f.Add(s)
	}
	doc := py.NewDict()
	doc.Set("question", " q ")
	doc.Set("A", int64(1))
	doc.Set("l", []any{"x", nil})
	f.Add("{% for i in range(1000) %}{% for j in range(1000) %}{{ i ~ j }}{% endfor %}{% endfor %}")
	f.Add("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
	f.Add("{{ [1] * 100000000 }}{{ 'x' * 1000000000 }}")
	// Each render within a megabyte of output and 100,000 steps, so the
	// fuzzer runs fast, and the memory it takes bounded by them.
	limits := Limits{MaxOutputBytes: 1 << 20, MaxSteps: 100_000}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse(src)
		if err != nil {
			return
		}
		tp = tp.WithLimits(limits)
		n := memtest.AllocatedBytes(func() { tp.Render(doc) })
		if limit := uint64(256*len(src) + 64<<20); n > limit {
			t.Fatalf("rendering a %d-byte template allocated %d bytes (limit %d)", len(src), n, limit)
		}
	})
}
