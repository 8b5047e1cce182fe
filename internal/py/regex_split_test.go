package py

import (
	"reflect"
	"testing"
)

// TestSplitAndSearch checks Split and Search against CPython 3.11's
// re.split and re.search (the expected values were printed by it).
func TestSplitAndSearch(t *testing.T) {
	cases := []struct {
		pattern, s string
		split      []string
		found      bool
	}{
		{`\s?\*\*\*\s?`, "a *** b***c", []string{"a", "b", "c"}, true},
		{`\s?SECTION\s?\d+\s?`, "SECTION 1 x SECTION 2\ny", []string{"", "x", "y"}, true},
		{`\n\n`, "p1\n\np2\n\n\n", []string{"p1", "p2", "\n"}, true},
		{`(-)`, "a-b", []string{"a", "-", "b"}, true},
		{`x`, "é", []string{"é"}, false},
		{`(?i)\bwar\b`, "WAR and peace", []string{"", " and peace"}, true},
	}
	for _, c := range cases {
		re, err := Compile(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		got, err := re.Split(c.s)
		if err != nil || !reflect.DeepEqual(got, c.split) {
			t.Errorf("split(%q, %q) = %q, %v; want %q", c.pattern, c.s, got, err, c.split)
		}
		found, err := re.Search(c.s)
		if err != nil || found != c.found {
			t.Errorf("search(%q, %q) = %v, %v; want %v", c.pattern, c.s, found, err, c.found)
		}
	}
}
