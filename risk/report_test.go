package risk

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden reports under testdata/golden")

// paperTable1 is Table 1 of Kapoor et al. (2024), typed in from the paper,
// one row per study: misuse risk, paper, and the marks for threat
// identification, existing risk, existing defenses, evidence of marginal
// risk, ease of defense, uncertainty/assumptions. The text copy of the
// paper available here has the table's symbols stripped, so each row is
// read from the wording of Appendix B.1-B.7 ("clearly" ●, "some ... but"
// ◐, "no"/"does not" ○), independently of the example files.
var paperTable1 = [][3]string{
	{"Spear-phishing scams", "Hazell (2023)", "●◐◐○◐○"},
	{"Cybersecurity risk", "Seger et al. (2023)", "◐○◐○◐◐"},
	{"Disinformation", "Musser (2023)", "●◐◐◐◐●"},
	{"Biosecurity risk", "Gopal et al. (2023)", "●○◐○◐○"},
	{"Voice-cloning scams", "Ovadya et al. (2019)", "●◐◐◐◐●"},
	{"Non-consensual intimate imagery", "Lakatos (2023)", "●◐○◐◐○"},
	{"Child sexual abuse material", "Thiel et al. (2023)", "●●●●●●"},
}

var gradeOfMark = map[string]string{"●": "addressed", "◐": "partial", "○": "absent"}

func report(t *testing.T, as []*Assessment, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReport(&buf, as, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func table1(t *testing.T) []*Assessment {
	t.Helper()
	as, err := ExampleSet(Table1)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestMarkdownReproducesTable1 reads the table back out of the Markdown
// report and compares it cell by cell with the paper's.
func TestMarkdownReproducesTable1(t *testing.T) {
	md := report(t, table1(t), Markdown)
	var rows [][]string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| Misuse risk") {
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			rows = append(rows, cells)
		}
	}
	if len(rows) != len(paperTable1) {
		t.Fatalf("table has %d rows; want %d\n%s", len(rows), len(paperTable1), md)
	}
	for i, want := range paperTable1 {
		got := rows[i]
		if len(got) != 8 || got[0] != want[0] || got[1] != want[1] || strings.Join(got[2:], "") != want[2] {
			t.Errorf("row %d = %q; want %q %q %s", i+1, got, want[0], want[1], want[2])
		}
	}
	header := "| Misuse risk | Paper or model | Threat identification | Existing risk (absent open FMs) | Existing defenses (absent open FMs) | Evidence of marginal risk | Ease of defense | Uncertainty/assumptions |"
	if !strings.Contains(md, header) {
		t.Errorf("report lacks the paper's column headings %s", header)
	}
	if !strings.Contains(md, "1 of 7 analyses address every step") {
		t.Error("report should say that one of the seven analyses is complete (the paper: six of seven incomplete)")
	}
}

// TestJSONReproducesTable1 checks the JSON report's grades, misuse vectors
// and completeness against the paper's table.
func TestJSONReproducesTable1(t *testing.T) {
	var r struct {
		Note        string
		Assessments []struct {
			MisuseVector string `json:"misuse_vector"`
			Study        struct{ Short string }
			Complete     bool
			Steps        map[string]struct{ Grade *string }
		}
	}
	if err := json.Unmarshal([]byte(report(t, table1(t), JSON)), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Assessments) != len(paperTable1) {
		t.Fatalf("%d assessments; want %d", len(r.Assessments), len(paperTable1))
	}
	incomplete := 0
	for i, want := range paperTable1 {
		a := r.Assessments[i]
		if a.MisuseVector != want[0] || a.Study.Short != want[1] {
			t.Errorf("assessment %d is %q/%q; want %q/%q", i, a.MisuseVector, a.Study.Short, want[0], want[1])
		}
		marks := []rune(want[2])
		for j, s := range AllSteps() {
			g := a.Steps[s.Key()].Grade
			if g == nil || *g != gradeOfMark[string(marks[j])] {
				t.Errorf("%s, %s: grade %v; want %s", want[1], s.Key(), g, gradeOfMark[string(marks[j])])
			}
		}
		if !a.Complete {
			incomplete++
		}
	}
	if incomplete != 6 || !r.Assessments[6].Complete {
		t.Errorf("%d incomplete; the paper finds six of seven incomplete, all but Thiel et al.", incomplete)
	}
}

// TestHTMLReproducesTable1 reads the rows of the HTML table.
func TestHTMLReproducesTable1(t *testing.T) {
	html := report(t, table1(t), HTML)
	row := regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td>((?:<td class="mark">[^<]*</td>){6})</tr>`)
	mark := regexp.MustCompile(`<td class="mark">([^<]*)</td>`)
	rows := row.FindAllStringSubmatch(html, -1)
	if len(rows) != len(paperTable1) {
		t.Fatalf("%d table rows; want %d", len(rows), len(paperTable1))
	}
	for i, want := range paperTable1 {
		var marks string
		for _, m := range mark.FindAllStringSubmatch(rows[i][3], -1) {
			marks += m[1]
		}
		if rows[i][1] != want[0] || rows[i][2] != want[1] || marks != want[2] {
			t.Errorf("row %d = %q %q %s; want %q %q %s", i+1, rows[i][1], rows[i][2], marks, want[0], want[1], want[2])
		}
	}
}

func TestTable2Conclusions(t *testing.T) {
	as, err := ExampleSet(Table2)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		vector  string
		level   Level
		defense Defense
	}{
		{"Cybersecurity: automated vulnerability detection", LevelLow, DefenseFeasible},
		{"Non-consensual intimate imagery: digitally altered NCII", LevelConsiderable, DefenseHard},
	}
	for i, a := range as {
		c := a.Conclusion
		if a.MisuseVector != want[i].vector || c == nil || c.MarginalRisk != want[i].level || c.Defense != want[i].defense {
			t.Errorf("%s: %q, conclusion %+v; want %+v", a.File, a.MisuseVector, c, want[i])
		}
		if !a.Complete() {
			t.Errorf("%s: Table 2 fills in every step", a.File)
		}
	}
	md := report(t, as, Markdown)
	for _, s := range []string{"Marginal risk: low. Defense: feasible.", "Marginal risk: considerable. Defense: hard."} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

// TestReportsSayWhatTheFrameworkIsNot checks the disclaimer in every format.
func TestReportsSayWhatTheFrameworkIsNot(t *testing.T) {
	for _, f := range []Format{Markdown, HTML, JSON} {
		out := report(t, table1(t), f)
		for _, s := range []string{"does not weigh benefits", "not a procedure for deciding whether to release a model"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s report lacks %q", f, s)
			}
		}
	}
	tmpl, _ := Template(TemplateOptions{})
	if !strings.Contains(string(tmpl), "does not weigh benefits") {
		t.Error("the template should say the framework does not weigh benefits")
	}
}

func TestReportEscaping(t *testing.T) {
	a, err := Parse("x.yaml", []byte(minimal+`title: "<script>alert(1)</script>"
misuse_vector: "a | b"
model: {name: m}
steps:
  uncertainty:
    grade: absent
    finding: "<b>bold</b>"
    evidence:
      - {cite: c, url: "javascript:alert(1)"}
`))
	if err != nil {
		t.Fatal(err)
	}
	html := report(t, []*Assessment{a}, HTML)
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "<b>bold") || strings.Contains(html, `href="javascript:`) {
		t.Errorf("HTML report lets assessment text through as markup:\n%s", html)
	}
	md := report(t, []*Assessment{a}, Markdown)
	if !strings.Contains(md, `| a \| b | m | – | – | – | – | – | ○ |`) {
		t.Errorf("Markdown row should escape | and mark missing steps –:\n%s", md)
	}
	var r struct {
		Assessments []struct {
			Steps map[string]struct{ Grade *string }
		}
	}
	if err := json.Unmarshal([]byte(report(t, []*Assessment{a}, JSON)), &r); err != nil {
		t.Fatal(err)
	}
	if g := r.Assessments[0].Steps["threat_identification"].Grade; g != nil {
		t.Errorf("a missing step's JSON grade is %q; want null", *g)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"md": Markdown, "markdown": Markdown, "HTML": HTML, "json": JSON} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf) succeeded")
	}
	if err := WriteReport(&bytes.Buffer{}, nil, "pdf"); err == nil {
		t.Error("WriteReport with an unknown format succeeded")
	}
}

// TestGoldenReports compares whole reports with reviewed files under
// testdata/golden; go test -run TestGoldenReports -rewrite regenerates them
// (review the diff). The key facts are asserted independently above.
func TestGoldenReports(t *testing.T) {
	all, err := ExampleSet(AllExamples)
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := Load("testdata/release-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		as   []*Assessment
		f    Format
	}{
		{"examples.md", all, Markdown},
		{"examples.html", all, HTML},
		{"examples.json", all, JSON},
		{"release-tiny.md", []*Assessment{tiny}, Markdown},
	}
	for _, c := range cases {
		path := filepath.Join("testdata", "golden", c.file)
		got := report(t, c.as, c.f)
		if *rewrite {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -rewrite to create it)", err)
		}
		if got != string(want) {
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			i := 0
			for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
				i++
			}
			t.Errorf("%s differs from the golden file at line %d:\n got: %q\nwant: %q", c.file, i+1, at(gl, i), at(wl, i))
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}
