package risk

// SchemaVersion is the value of fmkit_risk in the files this package reads
// and writes.
const SchemaVersion = 1

// Assessment is one marginal-risk assessment: a misuse vector of a model
// release, taken through the framework's six steps.
type Assessment struct {
	// File is where the assessment was read from: a path, or
	// "example:NAME" for a shipped example. Relative results paths in
	// evidence are resolved against its folder.
	File string

	Title        string
	MisuseVector string
	// Study is the published analysis being graded, for assessments of
	// others' work such as the paper's Table 1; nil for a team's own.
	Study    *Study
	Model    Model
	Baseline string // what the marginal risk is measured against

	// Steps holds each step's finding, indexed by Step; nil where the file
	// leaves the step out.
	Steps [NumSteps]*Finding

	Conclusion    *Conclusion
	OpenQuestions []string

	Line int // line of the document's first key

	lines map[string]int // line of each key read, by field path ("steps.uncertainty.grade")
}

// lineOf returns the line of a field's key, or fallback if the file did
// not have the field.
func (a *Assessment) lineOf(field string, fallback int) int {
	if l, ok := a.lines[field]; ok {
		return l
	}
	return fallback
}

// Finding is what an assessment says about one step.
type Finding struct {
	Grade   Grade
	Finding string // the assessment's own account of the step
	// Basis records what the grade rests on: for the paper's examples, the
	// sentence of the paper that justifies it.
	Basis    *Basis
	Evidence []Evidence
	Line     int
}

// Basis is the source of a grade or a conclusion.
type Basis struct {
	Source string // where it comes from, e.g. "Kapoor et al. (2024), Appendix B.1"
	Quote  string // the sentence it rests on, verbatim
	Note   string // how the grade was read off the source, where that needs saying
	Line   int
}

// Study identifies a published analysis.
type Study struct {
	Short    string // as the paper's table names it, e.g. "Hazell (2023)"
	Citation string
	URL      string
	Line     int
}

// Model is the model and release an assessment is about.
type Model struct {
	Name    string
	Release Release
	Notes   string
	Line    int
}

// Conclusion is an assessment's overall judgement, as the paper's Table 2
// states one for each worked analysis.
type Conclusion struct {
	MarginalRisk Level
	Defense      Defense
	Summary      string
	Basis        *Basis
	Line         int
}

// Evidence is one item a finding rests on. It has at least one of Cite,
// URL and Results.
type Evidence struct {
	Cite  string // a citation, in any style
	Where string // where in the cited work: "section 4", "page 2"
	URL   string

	// Results is the path of an fmkit result file, usually an evaluation's
	// results JSON, relative to the assessment's folder. SHA256 and Values
	// record what the file held when it was cited, so that Check notices
	// when it changes.
	Results string
	SHA256  string
	Values  []CitedValue

	Line int
}

// CitedValue is one value an assessment cites from a results file.
type CitedValue struct {
	// Pointer locates the value in the JSON document (RFC 6901), e.g.
	// "/results/arc_easy/acc,none".
	Pointer string
	// Value is a float64, a string or a bool.
	Value any
	// Tolerance is the absolute difference allowed between Value and the
	// file's number, for values typed in rounded. The default is 0: the
	// numbers must be equal.
	Tolerance float64
	Line      int
}

// Finding returns the finding for step s, or nil.
func (a *Assessment) Finding(s Step) *Finding {
	if s < 0 || int(s) >= NumSteps {
		return nil
	}
	return a.Steps[s]
}

// Complete reports whether every step is present and clearly addressed: the
// paper's bar for an analysis that on its own shows the marginal risk.
func (a *Assessment) Complete() bool {
	for _, f := range a.Steps {
		if f == nil || f.Grade != Addressed {
			return false
		}
	}
	return true
}

// Label is the assessment's short name in a table: the study's, else the
// model's, else the title.
func (a *Assessment) Label() string {
	switch {
	case a.Study != nil && a.Study.Short != "":
		return a.Study.Short
	case a.Model.Name != "":
		return a.Model.Name
	}
	return a.Title
}
