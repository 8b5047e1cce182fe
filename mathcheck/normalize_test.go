package mathcheck

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

type normalizeCase struct {
	From   string  `json:"from"`
	Input  string  `json:"input"`
	Output *string `json:"output"`
}

func readNormalizeFixture(t *testing.T) []normalizeCase {
	t.Helper()
	f, err := os.Open("testdata/normalize.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []normalizeCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c normalizeCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 500 {
		t.Fatalf("fixture has %d cases, want at least 500", len(cases))
	}
	return cases
}

// TestNormalizeCompatFixture checks MinervaCompat against the published
// Python functions' outputs (testdata/gen/mathcheck/normalize_fixtures.py).
func TestNormalizeCompatFixture(t *testing.T) {
	for i, c := range readNormalizeFixture(t) {
		src, err := ParseSource(c.From)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Extract(c.Input, src, MinervaCompat)
		switch {
		case c.Output == nil && err == nil:
			t.Errorf("case %d (%s %q): got %q, want no answer", i, c.From, c.Input, got)
		case c.Output == nil && !errors.Is(err, ErrNoAnswer) && !errors.Is(err, ErrNotBoxed):
			t.Errorf("case %d (%s %q): error %v is neither ErrNoAnswer nor ErrNotBoxed", i, c.From, c.Input, err)
		case c.Output != nil && err != nil:
			t.Errorf("case %d (%s %q): error %v, want %q", i, c.From, c.Input, err, *c.Output)
		case c.Output != nil && got != *c.Output:
			t.Errorf("case %d (%s %q):\n got %q\nwant %q", i, c.From, c.Input, got, *c.Output)
		}
	}
}
