package risk

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Severity says whether a problem makes an assessment fail its check.
type Severity int

// Severities of problems.
const (
	Warning Severity = iota // worth fixing; the assessment still passes
	Error                   // the assessment fails its check
)

// String is "error" or "warning".
func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Kind names what a problem is, so that programs can tell problems apart
// without reading their messages.
type Kind string

// Kinds of problems Check reports.
const (
	KindMissingField  Kind = "missing-field"  // title, misuse vector, model or baseline not given
	KindMissingStep   Kind = "missing-step"   // a step of the framework is left out
	KindUngraded      Kind = "ungraded"       // a step has no grade
	KindNoFinding     Kind = "no-finding"     // a graded step says nothing about why
	KindNoEvidence    Kind = "no-evidence"    // an addressed or partial step cites nothing
	KindNoSource      Kind = "no-source"      // a grade's basis does not say where it comes from
	KindBadURL        Kind = "bad-url"        // a URL that is not an absolute http(s) URL
	KindResultsFile   Kind = "results-file"   // a results file that is missing or unreadable
	KindValueMissing  Kind = "value-missing"  // a cited value is no longer in its results file
	KindValueChanged  Kind = "value-changed"  // a cited value differs from its results file
	KindDigestChanged Kind = "digest-changed" // a results file's bytes changed since it was cited
	KindNotPinned     Kind = "not-pinned"     // a results file cited with no digest and no values
	KindUnreadable    Kind = "unreadable"     // the file could not be read as an assessment
)

// LoadProblem turns the error of Load (or LoadAny) on name into a Problem,
// so that a checker can report files it cannot read beside the problems of
// those it can.
func LoadProblem(name string, err error) Problem {
	var fe *FieldError
	if errors.As(err, &fe) {
		return Problem{File: fe.File, Line: fe.Line, Field: fe.Field, Severity: Error, Kind: KindUnreadable, Msg: fe.Msg}
	}
	return Problem{File: name, Severity: Error, Kind: KindUnreadable, Msg: strings.TrimPrefix(err.Error(), "risk: ")}
}

// Problem is one thing Check found wrong with an assessment.
type Problem struct {
	File     string
	Line     int
	Field    string
	Severity Severity
	Kind     Kind
	Msg      string
}

// String formats the problem on one line: "file:line: field: severity: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Field != "" {
		b.WriteString(": ")
		b.WriteString(p.Field)
	}
	fmt.Fprintf(&b, ": %s: %s", p.Severity, p.Msg)
	return b.String()
}

// HasErrors reports whether any problem is an Error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// CheckOptions adjusts Check. A nil *CheckOptions means the defaults.
type CheckOptions struct {
	// Dir is the folder that relative results paths are resolved against.
	// The default is the folder of the assessment's File, or the current
	// folder for the shipped examples.
	Dir string
}

// Check reports what keeps an assessment from being complete and
// verifiable: missing fields and steps, ungraded steps, grades without a
// finding, evidence that does not resolve (malformed URLs, missing results
// files) and results files whose cited numbers have changed. URLs are
// checked for form only; nothing is fetched.
func Check(a *Assessment, o *CheckOptions) []Problem {
	c := checker{a: a, files: map[string]*resultsFile{}}
	if o != nil {
		c.dir = o.Dir
	}
	if c.dir == "" && !strings.HasPrefix(a.File, examplePrefix) {
		c.dir = filepath.Dir(a.File)
	}
	c.fields()
	for _, s := range AllSteps() {
		c.step(s)
	}
	if a.Conclusion != nil && a.Conclusion.Basis != nil {
		c.basis(a.Conclusion.Basis, "conclusion.basis")
	}
	return c.problems
}

type checker struct {
	a        *Assessment
	dir      string
	files    map[string]*resultsFile
	problems []Problem
}

// add records a problem with field, at the line of field's key if the
// file has it, else at line.
func (c *checker) add(line int, field string, sev Severity, kind Kind, format string, args ...any) {
	line = c.a.lineOf(field, line)
	c.problems = append(c.problems, Problem{File: c.a.File, Line: line, Field: field, Severity: sev, Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) fields() {
	a := c.a
	if strings.TrimSpace(a.Title) == "" {
		c.add(a.Line, "title", Error, KindMissingField, "missing; expected a title naming the assessment")
	}
	if strings.TrimSpace(a.MisuseVector) == "" {
		c.add(a.Line, "misuse_vector", Error, KindMissingField, "missing; expected the misuse vector assessed, e.g. spear-phishing scams")
	}
	if strings.TrimSpace(a.Model.Name) == "" {
		c.add(max(a.Model.Line, a.Line), "model.name", Error, KindMissingField, "missing; expected the model (or kind of model) whose release is assessed")
	}
	if strings.TrimSpace(a.Baseline) == "" {
		c.add(a.Line, "baseline", Warning, KindMissingField, "missing; marginal risk is relative to a baseline: say whether it is the status quo or another release, e.g. API-only")
	}
	if a.Study != nil && a.Study.URL != "" {
		c.url(a.Study.Line, "study.url", a.Study.URL)
	}
}

func (c *checker) step(s Step) {
	f := c.a.Steps[s]
	field := "steps." + s.Key()
	if f == nil {
		c.add(c.a.Line, field, Error, KindMissingStep, "missing; every assessment takes all six steps (%s)", s.Name())
		return
	}
	if f.Grade == Ungraded {
		c.add(f.Line, field+".grade", Error, KindUngraded, "not graded; expected addressed, partial or absent")
	}
	if f.Grade != Ungraded && strings.TrimSpace(f.Finding) == "" {
		c.add(f.Line, field+".finding", Error, KindNoFinding, "missing; a grade needs a finding that says why")
	}
	if (f.Grade == Addressed || f.Grade == Partial) && len(f.Evidence) == 0 {
		c.add(f.Line, field+".evidence", Warning, KindNoEvidence, "none; a step graded %s should cite what it rests on", f.Grade)
	}
	if f.Basis != nil {
		c.basis(f.Basis, field+".basis")
	}
	for i, e := range f.Evidence {
		c.evidence(e, fmt.Sprintf("%s.evidence[%d]", field, i))
	}
}

func (c *checker) basis(b *Basis, field string) {
	if strings.TrimSpace(b.Source) == "" {
		c.add(b.Line, field+".source", Warning, KindNoSource, "missing; a basis should say where the grade comes from")
	}
}

func (c *checker) evidence(e Evidence, field string) {
	if e.URL != "" {
		c.url(e.Line, field+".url", e.URL)
	}
	if e.Results != "" {
		c.results(e, field)
	}
}

// url checks a URL's form: absolute, http or https, with a host.
func (c *checker) url(line int, field, raw string) {
	if msg := urlProblem(raw); msg != "" {
		c.add(line, field, Error, KindBadURL, "%q %s", raw, msg)
	}
}

func urlProblem(raw string) string {
	if strings.ContainsAny(raw, " \t\r\n") {
		return "contains white space"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "is not a URL: " + strings.TrimPrefix(err.Error(), "parse "+fmt.Sprintf("%q", raw)+": ")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "is not an absolute http or https URL"
	}
	host := u.Hostname()
	switch {
	case host == "":
		return "has no host"
	case host == "localhost" || net.ParseIP(host) != nil:
		return ""
	case !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, ".."):
		return "has no valid host name"
	}
	return ""
}

// resultsFile is a results file as read once per Check.
type resultsFile struct {
	path   string
	digest string
	doc    any
	err    error // reading or parsing failed
}

func (c *checker) load(ref string) *resultsFile {
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	if rf, ok := c.files[path]; ok {
		return rf
	}
	rf := &resultsFile{path: path}
	c.files[path] = rf
	data, err := readResults(path)
	if err != nil {
		rf.err = err
		return rf
	}
	rf.digest = digestOf(data)
	rf.doc, rf.err = decodeJSON(data)
	return rf
}

// maxResultsSize bounds the results files Check reads; evaluation results
// are kilobytes, and anything this large is not one.
const maxResultsSize = 256 << 20

// readResults reads a results file, refusing what is not a regular file
// (a device or a pipe could block or never end) or is too large.
func readResults(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	case st.Size() > maxResultsSize:
		return nil, fmt.Errorf("%s has %d bytes; expected a results file under %d MiB", path, st.Size(), maxResultsSize>>20)
	}
	return io.ReadAll(f)
}

func (c *checker) results(e Evidence, field string) {
	rf := c.load(e.Results)
	if rf.doc == nil && rf.digest == "" {
		if os.IsNotExist(rf.err) {
			c.add(e.Line, field+".results", Error, KindResultsFile, "%s does not exist (looked for %s)", e.Results, rf.path)
		} else {
			c.add(e.Line, field+".results", Error, KindResultsFile, "cannot read %s: %v", e.Results, rf.err)
		}
		return
	}
	if len(e.Values) == 0 && e.SHA256 == "" {
		c.add(e.Line, field, Warning, KindNotPinned, "%s is cited without sha256 or values, so a change to it would go unnoticed (fmkit risk new --results records both)", e.Results)
		return
	}
	if len(e.Values) > 0 && rf.err != nil {
		c.add(e.Line, field+".results", Error, KindResultsFile, "%s: %v; expected the JSON file the values were cited from", e.Results, rf.err)
		return
	}
	valuesMatch := true
	for i, v := range e.Values {
		if !c.value(rf, e.Results, v, fmt.Sprintf("%s.values[%d]", field, i)) {
			valuesMatch = false
		}
	}
	switch {
	case e.SHA256 == "" || e.SHA256 == rf.digest:
	case len(e.Values) == 0:
		c.add(e.Line, field+".sha256", Error, KindDigestChanged, "%s has changed since it was cited (sha256 now %s); check the finding still holds and update the digest", e.Results, rf.digest)
	case valuesMatch:
		c.add(e.Line, field+".sha256", Warning, KindDigestChanged, "%s has changed since it was cited (sha256 now %s), but the cited values still match", e.Results, rf.digest)
	}
}

// value compares one cited value with the file and reports whether they
// agree.
func (c *checker) value(rf *resultsFile, ref string, v CitedValue, field string) bool {
	got, err := lookupPointer(rf.doc, v.Pointer)
	if err != nil {
		c.add(v.Line, field, Error, KindValueMissing, "%s names no value in %s; expected %v as cited", v.Pointer, ref, v.Value)
		return false
	}
	cur, ok := jsonScalar(got)
	if !ok {
		c.add(v.Line, field, Error, KindValueChanged, "%s in %s is not a number, text or boolean; cited as %v", v.Pointer, ref, v.Value)
		return false
	}
	if !sameValue(v.Value, cur, v.Tolerance) {
		c.add(v.Line, field, Error, KindValueChanged, "%s is %v in %s; cited as %v", v.Pointer, formatValue(cur), ref, formatValue(v.Value))
		return false
	}
	return true
}

func sameValue(cited, cur any, tol float64) bool {
	cf, ok1 := cited.(float64)
	gf, ok2 := cur.(float64)
	if ok1 && ok2 {
		return cf == gf || math.Abs(cf-gf) <= tol
	}
	return cited == cur
}

func formatValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
