package eval

import (
	"sort"

	"github.com/fmkit/fmkit/internal/py"
)

// The public API speaks Go maps; prompts, requests and results files need
// Python's dict order. Values cross between the two here: fromPy turns a
// YAML value into plain Go values, and toPy turns it back, taking the key
// order from an ordered hint (the YAML the value came from) where there is
// one and sorting the keys the hint does not know.

// fromPy converts *py.Dict values (and those nested in lists) into
// map[string]any.
func fromPy(v any) any {
	switch x := v.(type) {
	case *py.Dict:
		return dictMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromPy(e)
		}
		return out
	}
	return v
}

// dictMap is fromPy for a dict; nil stays nil.
func dictMap(d *py.Dict) map[string]any {
	if d == nil {
		return nil
	}
	m := make(map[string]any, len(d.Keys()))
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		m[k] = fromPy(v)
	}
	return m
}

// toPy converts maps back into ordered dicts: keys in hint's order first
// (hint is the *py.Dict the map came from, or nil), then the others
// sorted.
func toPy(v, hint any) any {
	switch x := v.(type) {
	case map[string]any:
		h, _ := hint.(*py.Dict)
		return orderedDict(x, h)
	case []any:
		hl, _ := hint.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var h any
			if i < len(hl) {
				h = hl[i]
			}
			out[i] = toPy(e, h)
		}
		return out
	}
	return v
}

// orderedDict is toPy for a map; nil stays nil.
func orderedDict(m map[string]any, hint *py.Dict) *py.Dict {
	if m == nil {
		return nil
	}
	d := py.NewDict()
	if hint != nil {
		for _, k := range hint.Keys() {
			if v, ok := m[k]; ok {
				h, _ := hint.Get(k)
				d.Set(k, toPy(v, h))
			}
		}
	}
	rest := make([]string, 0, len(m))
	for k := range m {
		if _, done := d.Get(k); !done {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		d.Set(k, toPy(m[k], nil))
	}
	return d
}
