package jinja

import (
	"testing"

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
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse(src)
		if err != nil {
			return
		}
		tp.Render(doc)
	})
}
