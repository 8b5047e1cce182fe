package risk

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sameAssessment compares assessments as Marshal promises to keep them:
// everything but file names and line numbers.
var sameAssessment = []cmp.Option{
	cmpopts.IgnoreFields(Assessment{}, "File", "Line"),
	cmpopts.IgnoreFields(Finding{}, "Line"),
	cmpopts.IgnoreFields(Basis{}, "Line"),
	cmpopts.IgnoreFields(Study{}, "Line"),
	cmpopts.IgnoreFields(Model{}, "Line"),
	cmpopts.IgnoreFields(Conclusion{}, "Line"),
	cmpopts.IgnoreFields(Evidence{}, "Line"),
	cmpopts.IgnoreFields(CitedValue{}, "Line"),
	cmpopts.IgnoreUnexported(Assessment{}),
	cmpopts.EquateEmpty(),
}

func roundTrip(t *testing.T, a *Assessment) *Assessment {
	t.Helper()
	data, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("marshalled.yaml", data)
	if err != nil {
		t.Fatalf("Marshal wrote a file Parse rejects: %v\n%s", err, data)
	}
	return back
}

func TestMarshalRoundTrip(t *testing.T) {
	as, err := ExampleSet(AllExamples)
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := Load("testdata/release-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	odd := &Assessment{
		Title:         "lines\nwith trailing spaces  \nand\ttabs",
		MisuseVector:  "  leading space",
		Study:         &Study{},
		Steps:         [NumSteps]*Finding{Uncertainty: {Evidence: []Evidence{{Results: "r.json", Values: []CitedValue{{Pointer: "/a~1b", Value: 1e300}, {Pointer: "/x", Value: "0.5"}, {Pointer: "/y", Value: false}, {Pointer: "/z", Value: 3.0, Tolerance: 1e-9}}}}}},
		Conclusion:    &Conclusion{},
		OpenQuestions: []string{"yes", "null", "- a"},
	}
	for _, a := range append(as, tiny, odd) {
		if diff := cmp.Diff(a, roundTrip(t, a), sameAssessment...); diff != "" {
			t.Errorf("%s changed in a round trip (-before +after):\n%s", a.File, diff)
		}
	}
}

func TestTemplate(t *testing.T) {
	e, err := CiteResults(tinyResults, "results/tiny-arc.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := Template(TemplateOptions{MisuseVector: "scams", Model: "m", Evidence: []Evidence{e}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse("new.yaml", data)
	if err != nil {
		t.Fatalf("template does not parse: %v\n%s", err, data)
	}
	if a.Model.Release != OpenWeights || a.MisuseVector != "scams" || a.Model.Name != "m" {
		t.Errorf("template fields %+v", a)
	}
	if ev := a.Steps[MarginalRisk].Evidence; len(ev) != 1 || ev[0].SHA256 != tinyResultsSHA256 || len(ev[0].Values) != 4 {
		t.Errorf("template evidence %+v; want the cited results", ev)
	}
	// A new template fails its check exactly for what is left to fill in.
	var got []Kind
	for _, p := range Check(a, &CheckOptions{Dir: "testdata"}) {
		got = append(got, p.Kind)
	}
	want := []Kind{KindMissingField, KindMissingField, KindUngraded, KindUngraded, KindUngraded, KindUngraded, KindUngraded, KindUngraded}
	if !slices.Equal(got, want) {
		t.Errorf("template check %v; want title and baseline missing and six ungraded steps", got)
	}
	for _, s := range AllSteps() {
		if !strings.Contains(string(data), "# "+s.Question()) {
			t.Errorf("template lacks the question of %s", s.Key())
		}
	}
}
