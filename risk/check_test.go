package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete is an assessment with every step addressed and cited; each check
// case below breaks one thing in it.
const complete = `fmkit_risk: 1
title: t
misuse_vector: m
model: {name: x, release: api}
baseline: the status quo
steps:
  threat_identification: {grade: addressed, finding: f, evidence: [c]}
  existing_risk: {grade: addressed, finding: f, evidence: [c]}
  existing_defenses: {grade: addressed, finding: f, evidence: [c]}
  marginal_risk: {grade: addressed, finding: f, evidence: [c]}
  ease_of_defense: {grade: addressed, finding: f, evidence: [c]}
  uncertainty: {grade: addressed, finding: f, evidence: [c]}
`

// tinyResults is the real fmkit eval results file under testdata, and its
// SHA-256 as `sha256sum` printed it when testdata/gen/risk made it.
const (
	tinyResults       = "testdata/results/tiny-arc.json"
	tinyResultsSHA256 = "dfbd717bcdeb39a6e843a70e592a430974c9c4ded1a874ee431aaa3b0aa84b8e"
)

type wantProblem struct {
	kind  Kind
	sev   Severity
	field string
}

func kinds(ps []Problem) []wantProblem {
	var out []wantProblem
	for _, p := range ps {
		out = append(out, wantProblem{p.Kind, p.Severity, p.Field})
	}
	return out
}

// withResults writes a copy of the tiny results file into dir, with
// edit applied to its text, and returns its name.
func withResults(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	data, err := os.ReadFile(tinyResults)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if edit != nil {
		s = edit(s)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return "r.json"
}

func TestCheck(t *testing.T) {
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test setup: " + old + " not found")
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	results := func(evidence string) func(string) string {
		return replace("marginal_risk: {grade: addressed, finding: f, evidence: [c]}",
			"marginal_risk:\n    grade: addressed\n    finding: f\n    evidence:\n"+evidence)
	}
	accIs := func(v string) func(string) string {
		return replace(`"acc,none": 0.2,`, `"acc,none": `+v+`,`)
	}
	cases := []struct {
		name    string
		edit    func(string) string // applied to complete
		results func(string) string // applied to the results file; nil: no file
		want    []wantProblem
	}{
		{"complete", nil, nil, nil},
		{"no title", replace("title: t\n", ""), nil, []wantProblem{{KindMissingField, Error, "title"}}},
		{"no misuse vector", replace("misuse_vector: m\n", "misuse_vector: \"\"\n"), nil, []wantProblem{{KindMissingField, Error, "misuse_vector"}}},
		{"no model", replace("model: {name: x, release: api}\n", ""), nil, []wantProblem{{KindMissingField, Error, "model.name"}}},
		{"no baseline", replace("baseline: the status quo\n", ""), nil, []wantProblem{{KindMissingField, Warning, "baseline"}}},
		{"missing step", replace("  existing_risk: {grade: addressed, finding: f, evidence: [c]}\n", ""), nil,
			[]wantProblem{{KindMissingStep, Error, "steps.existing_risk"}}},
		{"ungraded step", replace("ease_of_defense: {grade: addressed,", "ease_of_defense: {"), nil,
			[]wantProblem{{KindUngraded, Error, "steps.ease_of_defense.grade"}}},
		{"grade without finding", replace("uncertainty: {grade: addressed, finding: f,", "uncertainty: {grade: absent,"), nil,
			[]wantProblem{{KindNoFinding, Error, "steps.uncertainty.finding"}}},
		{"partial without evidence", replace("uncertainty: {grade: addressed, finding: f, evidence: [c]}", "uncertainty: {grade: partial, finding: f}"), nil,
			[]wantProblem{{KindNoEvidence, Warning, "steps.uncertainty.evidence"}}},
		{"absent without evidence is fine", replace("uncertainty: {grade: addressed, finding: f, evidence: [c]}", "uncertainty: {grade: absent, finding: f}"), nil, nil},
		{"basis without source", replace("uncertainty: {grade: addressed, finding: f,", "uncertainty: {grade: addressed, finding: f, basis: {quote: q},"), nil,
			[]wantProblem{{KindNoSource, Warning, "steps.uncertainty.basis.source"}}},
		{"bad url", results("      - {cite: c, url: \"arxiv.org/abs/2403.07918\"}\n"), nil,
			[]wantProblem{{KindBadURL, Error, "steps.marginal_risk.evidence[0].url"}}},
		{"bad study url", replace("baseline:", "study: {short: s, url: \"ftp://example.org/x\"}\nbaseline:"), nil,
			[]wantProblem{{KindBadURL, Error, "study.url"}}},
		{"results file missing", results("      - {results: nowhere.json, sha256: " + tinyResultsSHA256 + "}\n"), nil,
			[]wantProblem{{KindResultsFile, Error, "steps.marginal_risk.evidence[0].results"}}},
		{"results pinned and unchanged", results("      - results: r.json\n        sha256: " + tinyResultsSHA256 + "\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2}\n"),
			func(s string) string { return s }, nil},
		{"results number changed", results("      - results: r.json\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2}\n          - {pointer: \"/results/risk_arc_local/acc_norm,none\", value: 0.2}\n"),
			accIs("0.4"), []wantProblem{{KindValueChanged, Error, "steps.marginal_risk.evidence[0].values[0]"}}},
		{"results number within tolerance", results("      - results: r.json\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2, tolerance: 0.0005}\n"),
			accIs("0.2004"), nil},
		{"results number beyond tolerance", results("      - results: r.json\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2, tolerance: 0.0005}\n"),
			accIs("0.2006"), []wantProblem{{KindValueChanged, Error, "steps.marginal_risk.evidence[0].values[0]"}}},
		{"results text changed", results("      - results: r.json\n        values:\n          - {pointer: /config/model, value: serve/testdata/tiny}\n"),
			replace(`"model": "serve/testdata/tiny"`, `"model": "other"`), []wantProblem{{KindValueChanged, Error, "steps.marginal_risk.evidence[0].values[0]"}}},
		{"results number became text", results("      - results: r.json\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2}\n"),
			accIs(`"0.2"`), []wantProblem{{KindValueChanged, Error, "steps.marginal_risk.evidence[0].values[0]"}}},
		{"results value gone", results("      - results: r.json\n        values:\n          - {pointer: \"/results/arc_easy/acc,none\", value: 0.2}\n"),
			func(s string) string { return s }, []wantProblem{{KindValueMissing, Error, "steps.marginal_risk.evidence[0].values[0]"}}},
		{"results digest changed, values same", results("      - results: r.json\n        sha256: " + tinyResultsSHA256 + "\n        values:\n          - {pointer: \"/results/risk_arc_local/acc,none\", value: 0.2}\n"),
			replace(`"sample_len": 5`, `"sample_len": 6`), []wantProblem{{KindDigestChanged, Warning, "steps.marginal_risk.evidence[0].sha256"}}},
		{"results digest changed, no values", results("      - results: r.json\n        sha256: " + tinyResultsSHA256 + "\n"),
			replace(`"sample_len": 5`, `"sample_len": 6`), []wantProblem{{KindDigestChanged, Error, "steps.marginal_risk.evidence[0].sha256"}}},
		{"results not pinned", results("      - results: r.json\n"), func(s string) string { return s },
			[]wantProblem{{KindNotPinned, Warning, "steps.marginal_risk.evidence[0]"}}},
		{"results not JSON", results("      - results: r.json\n        values:\n          - {pointer: /a, value: 1}\n"),
			func(string) string { return `{"acc": NaN}` }, []wantProblem{{KindResultsFile, Error, "steps.marginal_risk.evidence[0].results"}}},
		{"results not JSON but digest matches", results("      - results: r.json\n        sha256: " + digestOf([]byte("not json")) + "\n"),
			func(string) string { return "not json" }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := complete
			if c.edit != nil {
				src = c.edit(src)
			}
			if c.results != nil {
				withResults(t, dir, c.results)
			}
			path := filepath.Join(dir, "a.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			ps := Check(a, nil)
			if got := kinds(ps); !slices.Equal(got, c.want) {
				t.Errorf("problems %v; want %v\n%v", got, c.want, ps)
			}
			if HasErrors(ps) != slices.ContainsFunc(c.want, func(w wantProblem) bool { return w.sev == Error }) {
				t.Errorf("HasErrors = %v for %v", HasErrors(ps), ps)
			}
			for _, p := range ps {
				s := p.String()
				if strings.Contains(s, "\n") || !strings.HasPrefix(s, path+":") || p.Line == 0 {
					t.Errorf("problem %q: want one line starting with %s:LINE", s, path)
				}
			}
		})
	}
}

// TestCheckLines checks that problems point at the line of the field.
func TestCheckLines(t *testing.T) {
	src := strings.Replace(complete, "ease_of_defense: {grade: addressed,", "ease_of_defense: {", 1)
	a, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ps := Check(a, &CheckOptions{Dir: t.TempDir()})
	if len(ps) != 1 || ps[0].Line != 11 {
		t.Errorf("problems %v; want one on line 11, where ease_of_defense is", ps)
	}
}

// TestCheckResolvesAgainstFile checks that results paths are relative to
// the assessment's folder, not the current one.
func TestCheckResolvesAgainstFile(t *testing.T) {
	a, err := Load("testdata/release-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps := Check(a, nil); len(ps) != 0 {
		t.Errorf("release-tiny.yaml: %v; want no problems", ps)
	}
	if ps := Check(a, &CheckOptions{Dir: t.TempDir()}); !slices.ContainsFunc(ps, func(p Problem) bool { return p.Kind == KindResultsFile }) {
		t.Errorf("with Dir elsewhere: %v; want the results file not found", ps)
	}
}

// TestCheckReleaseTinyAfterRerun simulates re-running the evaluation after
// the model changed: the README's assessment must then fail its check.
func TestCheckReleaseTinyAfterRerun(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/release-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "results"), 0o755)
	os.WriteFile(filepath.Join(dir, "release.yaml"), src, 0o644)
	data, _ := os.ReadFile(tinyResults)
	changed := strings.Replace(string(data), `"acc_norm,none": 0.2,`, `"acc_norm,none": 0.6,`, 1)
	os.WriteFile(filepath.Join(dir, "results", "tiny-arc.json"), []byte(changed), 0o644)
	a, err := Load(filepath.Join(dir, "release.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ps := Check(a, nil)
	want := []wantProblem{{KindValueChanged, Error, "steps.marginal_risk.evidence[0].values[1]"}}
	if got := kinds(ps); !slices.Equal(got, want) {
		t.Fatalf("problems %v; want %v", ps, want)
	}
	if !strings.Contains(ps[0].Msg, "0.6") || !strings.Contains(ps[0].Msg, "0.2") {
		t.Errorf("message %q should give the new and the cited value", ps[0].Msg)
	}
}

func TestExamplesCheckClean(t *testing.T) {
	as, err := ExampleSet(AllExamples)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if ps := Check(a, nil); len(ps) != 0 {
			t.Errorf("%s: %v", a.File, ps)
		}
	}
}

// TestExampleBases checks that every grade of the paper's examples records
// where it came from: Table 1 rows from Appendix B.k (k = the row), Table 2
// from the table, each with a quoted sentence.
func TestExampleBases(t *testing.T) {
	as, _ := ExampleSet(AllExamples)
	for i, a := range as {
		wantSource := "Kapoor et al. (2024), Table 2"
		if i < 7 {
			wantSource = "Kapoor et al. (2024), Appendix B." + string(rune('1'+i))
		}
		for _, s := range AllSteps() {
			f := a.Steps[s]
			if f == nil || f.Basis == nil {
				t.Errorf("%s %s: no basis", a.File, s.Key())
				continue
			}
			if f.Basis.Source != wantSource || len(f.Basis.Quote) < 20 || f.Basis.Note == "" {
				t.Errorf("%s %s: basis %+v; want source %q, a quote and a note on how it was read", a.File, s.Key(), f.Basis, wantSource)
			}
		}
	}
}

func TestURLProblem(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://arxiv.org/abs/2403.07918", true},
		{"http://example.org", true},
		{"https://localhost:8080/results", true},
		{"http://127.0.0.1/x", true},
		{"https://[::1]/x", true},
		{"arxiv.org/abs/2403.07918", false},
		{"ftp://example.org/f", false},
		{"javascript:alert(1)", false},
		{"https://", false},
		{"https://intranet/x", false},
		{"https://example..org", false},
		{"https://exa mple.org", false},
		{"https://example.org/%zz", false},
		{"", false},
	}
	for _, c := range cases {
		if got := urlProblem(c.url) == ""; got != c.ok {
			t.Errorf("urlProblem(%q) = %q; want ok %v", c.url, urlProblem(c.url), c.ok)
		}
	}
}

func TestLookupPointer(t *testing.T) {
	doc, err := decodeJSON([]byte(`{"a/b": 1, "m~n": 2, "list": [10, 20], "": {"x": 3}, "results": {"t": {"acc,none": 0.5}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ptr  string
		want any
	}{
		{"/a~1b", 1.0},
		{"/m~0n", 2.0},
		{"/list/1", 20.0},
		{"//x", 3.0},
		{"/results/t/acc,none", 0.5},
		{"/list/01", nil},
		{"/list/2", nil},
		{"/list/-", nil},
		{"/missing", nil},
		{"/a~1b/deeper", nil},
	}
	for _, c := range cases {
		v, err := lookupPointer(doc, c.ptr)
		got, _ := jsonScalar(v)
		if c.want == nil {
			if err == nil {
				t.Errorf("lookupPointer(%q) = %v; want no value", c.ptr, v)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("lookupPointer(%q) = %v, %v; want %v", c.ptr, got, err, c.want)
		}
	}
}

func TestCiteResults(t *testing.T) {
	e, err := CiteResults(tinyResults, "results/tiny-arc.json")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(tinyResults)
	sum := sha256.Sum256(data)
	if e.SHA256 != hex.EncodeToString(sum[:]) || e.SHA256 != tinyResultsSHA256 {
		t.Errorf("digest %s; want %s", e.SHA256, tinyResultsSHA256)
	}
	if e.Results != "results/tiny-arc.json" {
		t.Errorf("Results = %q", e.Results)
	}
	// The metrics fmkit eval printed for this run: acc 0.2000 ± 0.2000,
	// acc_norm 0.2000 ± 0.2000 (testdata/gen/risk).
	want := map[string]float64{
		"/results/risk_arc_local/acc,none":             0.2,
		"/results/risk_arc_local/acc_norm,none":        0.2,
		"/results/risk_arc_local/acc_stderr,none":      0.20000000000000004,
		"/results/risk_arc_local/acc_norm_stderr,none": 0.20000000000000004,
	}
	if len(e.Values) != len(want) {
		t.Fatalf("values %v; want the four metrics", e.Values)
	}
	for _, v := range e.Values {
		if w, ok := want[v.Pointer]; !ok || v.Value != w {
			t.Errorf("%s = %v; want %v", v.Pointer, v.Value, w)
		}
	}
	if _, err := CiteResults(filepath.Join(t.TempDir(), "none.json"), "none.json"); err == nil {
		t.Error("CiteResults of a missing file succeeded")
	}
	if _, err := CiteResults("testdata", "testdata"); err == nil {
		t.Error("CiteResults of a folder succeeded")
	}
}
