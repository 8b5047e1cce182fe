package thirdparty

import (
	"slices"
	"strings"
	"testing"
)

const sampleList = "# Third party\n\nProse.\n\n## " + ModulesHeading + `

| module | license | license files | notes |
|---|---|---|---|
| ` + "`a.org/x`" + ` | MIT | ` + "`LICENSE`" + ` | |
| ` + "`b.org/y/v2`" + ` | FTL OR GPL-2.0-or-later | ` + "`LICENSE`, `NOTICE`" + ` | a note, with | a bar |

## ` + ElsewhereHeading + `

| files | source | license |
|---|---|---|
| ` + "`t/testdata/a.json`, `t/testdata/b_*.jsonl`" + ` | somewhere | MIT |

## ` + OwnHeading + `

| files | made by |
|---|---|
| ` + "`*/testdata/fuzz/`" + ` | go test -fuzz |
`

func TestParseModules(t *testing.T) {
	mods, err := ParseModules([]byte(sampleList))
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Path: "a.org/x", License: "MIT", Files: []string{"LICENSE"}},
		{Path: "b.org/y/v2", License: "FTL OR GPL-2.0-or-later", Files: []string{"LICENSE", "NOTICE"}},
	}
	if !slices.EqualFunc(mods, want, func(a, b Module) bool {
		return a.Path == b.Path && a.License == b.License && slices.Equal(a.Files, b.Files)
	}) {
		t.Errorf("ParseModules = %+v, want %+v", mods, want)
	}
}

func TestParsePatterns(t *testing.T) {
	got, err := ParsePatterns([]byte(sampleList), ElsewhereHeading)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"t/testdata/a.json", "t/testdata/b_*.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("ParsePatterns = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, md, want string
		parse          func([]byte) error
	}{
		{"no module section", "# x\n", "no section", parseModules},
		{"no table", "## " + ModulesHeading + "\n\nprose only\n", "has no table", parseModules},
		{"module without backquotes", "## " + ModulesHeading + "\n| m | l | f |\n|---|---|---|\n| a.org/x | MIT | `LICENSE` |\n", "row 1: expected a `module path`", parseModules},
		{"module without license", "## " + ModulesHeading + "\n| m | l | f |\n|---|---|---|\n| `a.org/x` |  | `LICENSE` |\n", "and a license", parseModules},
		{"short row", "## " + ModulesHeading + "\n| m | l | f |\n|---|---|---|\n| `a.org/x` | MIT |\n", "2 cells", parseModules},
		{"no pattern", "## " + OwnHeading + "\n| f | by |\n|---|---|\n| docs | me |\n", "no `path`", parseOwn},
		{"bad pattern", "## " + OwnHeading + "\n| f | by |\n|---|---|\n| `docs/[` | me |\n", "syntax error in pattern", parseOwn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse([]byte(tc.md))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "thirdparty: ") {
				t.Errorf("error %v, want one starting \"thirdparty: \" that says %q", err, tc.want)
			}
		})
	}
}

func parseModules(md []byte) error { _, err := ParseModules(md); return err }
func parseOwn(md []byte) error     { _, err := ParsePatterns(md, OwnHeading); return err }

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"t/testdata/a.json", "t/testdata/a.json", true},
		{"t/testdata/a.json", "t/testdata/a.jsonl", false},
		{"t/testdata/b_*.jsonl", "t/testdata/b_train.jsonl", true},
		{"t/testdata/b_*.jsonl", "t/testdata/sub/b_x.jsonl", false},
		{"docs/", "docs/examples/x/config.json", true},
		{"docs/", "docs", false},
		{"docs/", "docsx/a", false},
		{"*/testdata/fuzz/", "search/testdata/fuzz/FuzzX/abc", true},
		{"*/testdata/fuzz/", "a/b/testdata/fuzz/FuzzX/abc", false},
		{"*/*/testdata/fuzz/", "a/b/testdata/fuzz/FuzzX/abc", true},
		{"model/testdata/", "model/testdata/gpt2/config.json", true},
		{"model/testdata/", "nn/model/testdata/x", false},
	} {
		if got := Match(tc.pattern, tc.name); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}
