package eval

import (
	"encoding/json"
	"os"
	"testing"
)

// TestMarkdownTableMatchesPytablewriter compares markdownTable with the
// tables pytablewriter's MarkdownTableWriter (what lm-eval's make_table
// prints with) wrote for the same cells (testdata/gen/eval/mdtable_fixtures.py).
func TestMarkdownTableMatchesPytablewriter(t *testing.T) {
	b, err := os.ReadFile("testdata/mdtables.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Headers []string   `json:"headers"`
		Rows    [][]string `json:"rows"`
		Want    string     `json:"want"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("%d cases", len(cases))
	}
	for i, c := range cases {
		if got := markdownTable(c.Headers, c.Rows); got != c.Want {
			t.Errorf("case %d:\ngot\n%s\nwant (pytablewriter)\n%s", i, got, c.Want)
		}
	}
}
