package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/risk"
)

func TestRiskExamplesAndCheck(t *testing.T) {
	out, errOut, code := runFmkit(t, "risk", "examples")
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) != 9 {
		t.Fatalf("risk examples: code %d, %q %q; want the nine examples", code, out, errOut)
	}
	if !strings.Contains(out, "table1-7-csam                      ●●●●●●") {
		t.Errorf("risk examples should show each example's marks:\n%s", out)
	}
	out, errOut, code = runFmkit(t, "risk", "check", "example:all")
	if code != 0 || !strings.Contains(out, "checked 9 assessments: 0 errors, 0 warnings") || errOut != "" {
		t.Errorf("risk check example:all: code %d, %q %q; want the examples clean", code, out, errOut)
	}
	dir := t.TempDir()
	if _, errOut, code := runFmkit(t, "risk", "examples", "--out", dir); code != 0 {
		t.Fatalf("risk examples --out: %s", errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 9 {
		t.Fatalf("wrote %d files; want 9", len(files))
	}
	out, _, code = runFmkit(t, append([]string{"risk", "check"}, files...)...)
	if code != 0 {
		t.Errorf("the written examples do not check clean: %s", out)
	}
}

func TestRiskNewThenCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "release.yaml")
	results, _ := filepath.Abs("../../risk/testdata/results/tiny-arc.json")
	_, errOut, code := runFmkit(t, "risk", "new", "--out", path, "--model", "org/m", "--misuse-vector", "scams", "--results", results)
	if code != 0 {
		t.Fatalf("risk new: %s", errOut)
	}
	a, err := risk.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ev := a.Steps[risk.MarginalRisk].Evidence
	if len(ev) != 1 || filepath.IsAbs(ev[0].Results) || !strings.HasPrefix(ev[0].Results, "../") {
		t.Errorf("results cited as %+v; want a path relative to the assessment's folder", ev)
	}
	// The template checks with only what is left to fill in: no problem
	// with the results it cites.
	out, _, code := runFmkit(t, "risk", "check", "--json", path)
	if code != 1 {
		t.Errorf("checking a new template exited %d; want 1", code)
	}
	var res struct {
		Errors, Warnings int
		Problems         []struct{ Kind, Field string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if res.Errors != 7 || res.Warnings != 1 {
		t.Errorf("%d errors, %d warnings; want 7 (title, six ungraded) and 1 (baseline): %+v", res.Errors, res.Warnings, res.Problems)
	}
	for _, p := range res.Problems {
		if p.Kind != string(risk.KindMissingField) && p.Kind != string(risk.KindUngraded) {
			t.Errorf("unexpected problem %+v", p)
		}
	}
	// --out never replaces a file without --force.
	before, _ := os.ReadFile(path)
	_, errOut, code = runFmkit(t, "risk", "new", "--out", path)
	after, _ := os.ReadFile(path)
	if code != 1 || !strings.Contains(errOut, "exists; pass --force") || string(before) != string(after) {
		t.Errorf("risk new over an existing file: code %d, %q", code, errOut)
	}
	if _, errOut, code = runFmkit(t, "risk", "new", "--out", path, "--force"); code != 0 {
		t.Errorf("risk new --force: %s", errOut)
	}
	out, _, code = runFmkit(t, "risk", "new", "--title", "T")
	if code != 0 || !strings.Contains(out, "title: T") || !strings.Contains(out, "does not weigh benefits") {
		t.Errorf("risk new to stdout: %q", out)
	}
}

func TestRiskCheckReportsEveryFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("fmkit_risk: 1\nsteps:\n  marginal_risk:\n    grade: somewhat\n"), 0o644)
	out, errOut, code := runFmkit(t, "risk", "check", bad, filepath.Join(dir, "missing.yaml"), "example:table1-7-csam")
	if code != 1 || !strings.HasPrefix(errOut, "fmkit: risk check: 2 errors") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("code %d, stderr %q; want exit 1 and one error line", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], bad+":4: steps.marginal_risk.grade: error:") ||
		!strings.Contains(lines[1], "missing.yaml") || lines[2] != "checked 1 assessment: 2 errors, 0 warnings" {
		t.Errorf("output:\n%s", out)
	}
}

func TestRiskCheckChangedResults(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("../../risk/testdata/release-tiny.yaml")
	data, _ := os.ReadFile("../../risk/testdata/results/tiny-arc.json")
	os.MkdirAll(filepath.Join(dir, "results"), 0o755)
	os.WriteFile(filepath.Join(dir, "release.yaml"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "results", "tiny-arc.json"), data, 0o644)
	if out, _, code := runFmkit(t, "risk", "check", "--strict", filepath.Join(dir, "release.yaml")); code != 0 {
		t.Fatalf("unchanged results: %s", out)
	}
	changed := strings.Replace(string(data), `"acc,none": 0.2,`, `"acc,none": 0.8,`, 1)
	os.WriteFile(filepath.Join(dir, "results", "tiny-arc.json"), []byte(changed), 0o644)
	out, _, code := runFmkit(t, "risk", "check", filepath.Join(dir, "release.yaml"))
	if code != 1 || !strings.Contains(out, "steps.marginal_risk.evidence[0].values[0]: error: /results/risk_arc_local/acc,none is 0.8") {
		t.Errorf("changed results: code %d\n%s", code, out)
	}
}

func TestRiskReport(t *testing.T) {
	out, _, code := runFmkit(t, "risk", "report", "--format", "json", "example:table1")
	if code != 0 {
		t.Fatal(out)
	}
	var r struct {
		Note        string
		Assessments []struct {
			MisuseVector string `json:"misuse_vector"`
			Steps        map[string]struct{ Grade string }
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Assessments) != 7 || r.Assessments[3].MisuseVector != "Biosecurity risk" || r.Assessments[3].Steps["existing_risk"].Grade != "absent" {
		t.Errorf("JSON report: %+v", r.Assessments)
	}
	if !strings.Contains(r.Note, "does not weigh benefits") {
		t.Errorf("note %q", r.Note)
	}
	path := filepath.Join(t.TempDir(), "r.html")
	if _, errOut, code := runFmkit(t, "risk", "report", "example:table2", "../../risk/testdata/release-tiny.yaml", "--format", "html", "--out", path); code != 0 {
		t.Fatal(errOut)
	}
	html, _ := os.ReadFile(path)
	if strings.Count(string(html), "<section>") != 3 {
		t.Errorf("HTML report holds %d assessments; want 3", strings.Count(string(html), "<section>"))
	}
	for _, c := range []struct {
		args []string
		code int // 2: a mistake on the command line (no file given)
	}{
		{[]string{"risk", "report", "--format", "pdf", "example:table1"}, 1},
		{[]string{"risk", "report", "example:table9"}, 1},
		{[]string{"risk", "report"}, 2},
		{[]string{"risk", "new", "--release", "public"}, 1},
	} {
		_, errOut, code := runFmkit(t, c.args...)
		if code != c.code || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "fmkit: ") {
			t.Errorf("%v: code %d, stderr %q; want exit %d with one error line", c.args, code, errOut, c.code)
		}
	}
}
