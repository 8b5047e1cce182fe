package risk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimal is the smallest file the loader accepts.
const minimal = "fmkit_risk: 1\n"

func TestSchemaErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field      string
		msg        string // a fragment of the message
	}{
		{"empty file", "", 0, "", "empty file"},
		{"not YAML", "title: [unclosed\n", 0, "", "not valid YAML"},
		{"top level list", "- a\n- b\n", 1, "", "expected a mapping"},
		{"no version", "title: x\n", 1, "fmkit_risk", "missing"},
		{"future version", "fmkit_risk: 2\n", 1, "fmkit_risk", "not supported"},
		{"version as text", "fmkit_risk: one\n", 1, "fmkit_risk", "expected a number"},
		{"unknown field", minimal + "titel: x\n", 2, "titel", "unknown field"},
		{"duplicate field", minimal + "title: a\ntitle: b\n", 3, "title", "given twice"},
		{"title as mapping", minimal + "title: {a: 1}\n", 2, "title", "expected text"},
		{"unknown step", minimal + "steps:\n  threat: {}\n", 3, "steps.threat", "not a step"},
		{"steps as list", minimal + "steps: [a]\n", 2, "steps", "expected a mapping"},
		{"bad grade", minimal + "steps:\n  uncertainty:\n    grade: partly\n", 4, "steps.uncertainty.grade", "not a grade"},
		{"grade as list", minimal + "steps:\n  uncertainty:\n    grade: [addressed]\n", 4, "steps.uncertainty.grade", "expected text"},
		{"unknown finding field", minimal + "steps:\n  uncertainty:\n    score: 1\n", 4, "steps.uncertainty.score", "unknown field"},
		{"bad release", minimal + "model:\n  release: public\n", 3, "model.release", "not a release kind"},
		{"bad level", minimal + "conclusion:\n  marginal_risk: huge\n", 3, "conclusion.marginal_risk", "not a level"},
		{"bad defense", minimal + "conclusion:\n  defense: easy\n", 3, "conclusion.defense", "not a judgement"},
		{"empty evidence", minimal + "steps:\n  uncertainty:\n    evidence:\n      - {}\n", 5, "steps.uncertainty.evidence[0]", "empty evidence"},
		{"unknown evidence field", minimal + "steps:\n  uncertainty:\n    evidence:\n      - link: x\n", 5, "steps.uncertainty.evidence[0].link", "unknown field"},
		{"digest without results", minimal + "steps:\n  uncertainty:\n    evidence:\n      - cite: x\n        sha256: " + strings.Repeat("a", 64) + "\n", 5, "steps.uncertainty.evidence[0]", "expected results"},
		{"short digest", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        sha256: abc\n", 6, "steps.uncertainty.evidence[0].sha256", "not a SHA-256"},
		{"pointer without slash", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: results, value: 1}\n", 7, "steps.uncertainty.evidence[0].values[0].pointer", "not a JSON pointer"},
		{"value missing", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a}\n", 7, "steps.uncertainty.evidence[0].values[0].value", "missing"},
		{"value NaN", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a, value: .nan}\n", 7, "steps.uncertainty.evidence[0].values[0].value", "not a finite number"},
		{"value Inf", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a, value: -.inf}\n", 7, "steps.uncertainty.evidence[0].values[0].value", "not a finite number"},
		{"value as list", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a, value: [1]}\n", 7, "steps.uncertainty.evidence[0].values[0].value", "expected a number, text or true/false"},
		{"unquoted comma in flow style", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /results/t/acc,none, value: 1}\n", 7, "steps.uncertainty.evidence[0].values[0].none", "must be quoted"},
		{"negative tolerance", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a, value: 1, tolerance: -0.1}\n", 7, "steps.uncertainty.evidence[0].values[0].tolerance", "negative"},
		{"tolerance on text", minimal + "steps:\n  uncertainty:\n    evidence:\n      - results: r.json\n        values:\n          - {pointer: /a, value: x, tolerance: 0.1}\n", 7, "steps.uncertainty.evidence[0].values[0].tolerance", "numbers only"},
		{"alias", minimal + "title: &t x\nbaseline: *t\n", 3, "baseline", "aliases"},
		{"two documents", minimal + "---\n" + minimal, 2, "", "more than one YAML document"},
		{"open questions as mapping", minimal + "open_questions: {a: b}\n", 2, "open_questions", "expected a list"},
		{"open question as list", minimal + "open_questions: [[a]]\n", 2, "open_questions[0]", "expected text"},
		{"unknown basis field", minimal + "steps:\n  uncertainty:\n    basis: {page: 3}\n", 4, "steps.uncertainty.basis.page", "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Parse("case.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("parsed %+v; want an error", a)
			}
			if !errors.Is(err, ErrSchema) {
				t.Errorf("error %v does not wrap ErrSchema", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError", err)
			}
			if fe.File != "case.yaml" || fe.Line != c.line || fe.Field != c.field {
				t.Errorf("error at %s:%d field %q; want case.yaml:%d field %q (%v)", fe.File, fe.Line, fe.Field, c.line, c.field, err)
			}
			if !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("message %q lacks %q", fe.Msg, c.msg)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "risk: case.yaml") {
				t.Errorf("error %q: want one line starting with the package and file", msg)
			}
		})
	}
}

func TestParseAcceptsLenientForms(t *testing.T) {
	src := minimal + `title: 2024
misuse_vector: scams
model:
steps:
  threat_identification:
  uncertainty:
    grade: Partially Addressed
    evidence:
      - Hazell (2023), section 5
      - results: r.json
        values:
          - {pointer: /a, value: 0.5, tolerance: 0.01}
          - {pointer: /b, value: "0.5"}
          - {pointer: /c, value: true}
          - {pointer: /d, value: 7}
open_questions:
`
	a, err := Parse("ok.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "2024" {
		t.Errorf("Title = %q; a number is read as its text", a.Title)
	}
	if f := a.Steps[ThreatIdentification]; f == nil || f.Grade != Ungraded {
		t.Errorf("a step given with no fields should be present and ungraded; got %+v", f)
	}
	if a.Steps[ExistingRisk] != nil {
		t.Error("a step left out should be nil")
	}
	u := a.Steps[Uncertainty]
	if u.Grade != Partial {
		t.Errorf("grade %v; want partial from the paper's wording", u.Grade)
	}
	if len(u.Evidence) != 2 || u.Evidence[0].Cite != "Hazell (2023), section 5" {
		t.Fatalf("evidence %+v; plain text should be a citation", u.Evidence)
	}
	want := []any{0.5, "0.5", true, 7.0}
	for i, v := range u.Evidence[1].Values {
		if v.Value != want[i] {
			t.Errorf("value %d = %#v; want %#v", i, v.Value, want[i])
		}
	}
	if u.Evidence[1].Values[0].Tolerance != 0.01 {
		t.Errorf("tolerance %v; want 0.01", u.Evidence[1].Values[0].Tolerance)
	}
}

func TestParseGrade(t *testing.T) {
	cases := []struct {
		in   string
		want Grade
		ok   bool
	}{
		{"addressed", Addressed, true},
		{"clearly addressed", Addressed, true},
		{"Partial", Partial, true},
		{"partially addressed", Partial, true},
		{" absent ", Absent, true},
		{"", Ungraded, true},
		{"●", Ungraded, false},
		{"yes", Ungraded, false},
	}
	for _, c := range cases {
		g, err := ParseGrade(c.in)
		if g != c.want || (err == nil) != c.ok {
			t.Errorf("ParseGrade(%q) = %v, %v; want %v, ok %v", c.in, g, err, c.want, c.ok)
		}
	}
	for _, g := range []Grade{Absent, Partial, Addressed} {
		back, err := ParseGrade(g.String())
		if err != nil || back != g {
			t.Errorf("grade %v does not read back from %q", g, g.String())
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "risk: ") {
		t.Errorf("missing file: %v; want a risk error wrapping fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(minimal+"steps:\n  marginal_risk:\n    grade: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.File != bad || fe.Line != 4 {
		t.Errorf("bad file: %v; want a FieldError at %s:4", err, bad)
	}
}

func TestExamplesLoad(t *testing.T) {
	names := Examples()
	if len(names) != 9 {
		t.Fatalf("%d examples %v; want the paper's 7 + 2", len(names), names)
	}
	for _, set := range []struct {
		name string
		n    int
	}{{Table1, 7}, {Table2, 2}, {AllExamples, 9}, {"table1-7-csam", 1}} {
		as, err := ExampleSet(set.name)
		if err != nil || len(as) != set.n {
			t.Errorf("ExampleSet(%q) = %d assessments, %v; want %d", set.name, len(as), err, set.n)
		}
	}
	if _, err := ExampleSet("table3"); err == nil {
		t.Error("ExampleSet(table3) succeeded; want an error naming the examples")
	}
	as, err := LoadAny("example:table2")
	if err != nil || len(as) != 2 || as[0].File != "example:table2-1-vulnerability-detection" {
		t.Errorf("LoadAny(example:table2) = %v, %v", as, err)
	}
	// The embedded files are the files in the repository.
	for _, name := range names {
		embedded, _ := ExampleSource(name)
		onDisk, err := os.ReadFile(filepath.Join("examples", name+".yaml"))
		if err != nil || string(onDisk) != string(embedded) {
			t.Errorf("example %s: embedded copy differs from examples/%s.yaml (%v)", name, name, err)
		}
	}
}
