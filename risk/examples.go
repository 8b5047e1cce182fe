package risk

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// examplesFS holds the shipped assessments: the paper's Table 1 (seven
// published studies, graded) and Table 2 (two worked analyses). The same
// files are in the repository under risk/examples.
//
//go:embed examples/*.yaml
var examplesFS embed.FS

// examplePrefix marks the File of a shipped example.
const examplePrefix = "example:"

// Example sets: Table1 is the paper's seven graded studies, in the table's
// order; Table2 its two worked analyses; AllExamples both.
const (
	Table1      = "table1"
	Table2      = "table2"
	AllExamples = "all"
)

// Examples lists the names of the shipped examples, in the paper's order.
func Examples() []string {
	entries, err := fs.ReadDir(examplesFS, "examples")
	if err != nil {
		return nil // cannot happen: the folder is embedded at build time
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// ExampleSource returns a shipped example's file as it is stored.
func ExampleSource(name string) ([]byte, error) {
	data, err := examplesFS.ReadFile(path.Join("examples", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("risk: no example %q; the examples are %s, %s, %s or %s", name, strings.Join(Examples(), ", "), Table1, Table2, AllExamples)
	}
	return data, nil
}

// Example loads a shipped example by name. Its File is "example:NAME".
func Example(name string) (*Assessment, error) {
	data, err := ExampleSource(name)
	if err != nil {
		return nil, err
	}
	return Parse(examplePrefix+name, data)
}

// ExampleSet loads a set of examples: Table1, Table2, AllExamples, or the
// name of one example.
func ExampleSet(set string) ([]*Assessment, error) {
	var names []string
	for _, n := range Examples() {
		switch {
		case set == AllExamples,
			set == Table1 && strings.HasPrefix(n, "table1-"),
			set == Table2 && strings.HasPrefix(n, "table2-"),
			set == n:
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		_, err := ExampleSource(set)
		return nil, err
	}
	var out []*Assessment
	for _, n := range names {
		a, err := Example(n)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// LoadAny loads an assessment file, or shipped examples named
// "example:SET" (see ExampleSet).
func LoadAny(name string) ([]*Assessment, error) {
	if set, ok := strings.CutPrefix(name, examplePrefix); ok {
		return ExampleSet(set)
	}
	a, err := Load(name)
	if err != nil {
		return nil, err
	}
	return []*Assessment{a}, nil
}
