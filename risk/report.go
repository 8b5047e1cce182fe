package risk

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Framework names the framework every report follows.
const Framework = `the marginal-risk framework of Kapoor et al. (2024), "On the Societal Impact of Open Foundation Models" (ICML 2024, arXiv 2403.07918)`

// Disclaimer is stated at the top of every report.
const Disclaimer = "The framework assesses the marginal risk of releasing a model's weights, one misuse vector at a time. " +
	"It does not weigh benefits against risks and is not a procedure for deciding whether to release a model."

// Format is a report's output format.
type Format string

// Report formats.
const (
	Markdown Format = "md"
	HTML     Format = "html"
	JSON     Format = "json"
)

// ParseFormat reads a format name: md (or markdown), html or json.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "md", "markdown":
		return Markdown, nil
	case "html":
		return HTML, nil
	case "json":
		return JSON, nil
	}
	return "", fmt.Errorf("risk: unknown report format %q; expected md, html or json", s)
}

// WriteReport writes a report on the assessments in the given format: the
// paper's Table 1 layout (one row per assessment, one column per step,
// marked ●, ◐ or ○), then each assessment's findings, bases and evidence.
// JSON holds one object per assessment with each step's grade as
// "addressed", "partial" or "absent" (null when missing or ungraded).
func WriteReport(w io.Writer, as []*Assessment, f Format) error {
	switch f {
	case Markdown:
		return writeMarkdown(w, as)
	case HTML:
		return writeHTML(w, as)
	case JSON:
		return writeJSON(w, as)
	}
	return fmt.Errorf("risk: unknown report format %q; expected md, html or json", f)
}

// completeCount counts the assessments that address every step.
func completeCount(as []*Assessment) int {
	n := 0
	for _, a := range as {
		if a.Complete() {
			n++
		}
	}
	return n
}

func symbolOf(f *Finding) string {
	if f == nil {
		return Ungraded.Symbol()
	}
	return f.Grade.Symbol()
}

const legend = "● clearly addressed · ◐ partially addressed · ○ absent · – missing or not graded"

func writeMarkdown(w io.Writer, as []*Assessment) error {
	var b strings.Builder
	b.WriteString("# Marginal-risk assessments\n\n")
	fmt.Fprintf(&b, "Assessed with %s.\n\n**%s**\n\n", Framework, Disclaimer)
	b.WriteString("| Misuse risk | Paper or model |")
	for _, s := range AllSteps() {
		fmt.Fprintf(&b, " %s |", s.Name())
	}
	b.WriteString("\n|---|---|")
	for range NumSteps {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, a := range as {
		fmt.Fprintf(&b, "| %s | %s |", mdCell(a.MisuseVector), mdCell(a.Label()))
		for _, f := range a.Steps {
			fmt.Fprintf(&b, " %s |", symbolOf(f))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s. %d of %d %s every step.\n", legend, completeCount(as), len(as), plural(len(as), "analysis addresses", "analyses address"))
	for _, a := range as {
		markdownAssessment(&b, a)
	}
	// Sections end with a blank line or not depending on what they hold;
	// one blank line between blocks is enough.
	out := b.String()
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	_, err := io.WriteString(w, out)
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// mdCell makes text safe for one table cell.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// mdText keeps a paragraph on its own lines.
func mdText(s string) string { return strings.TrimSpace(s) }

func markdownAssessment(b *strings.Builder, a *Assessment) {
	title := a.Title
	if title == "" {
		title = a.MisuseVector
	}
	fmt.Fprintf(b, "\n## %s\n\n", mdCell(title))
	fmt.Fprintf(b, "- Misuse vector: %s\n", mdCell(a.MisuseVector))
	if a.Study != nil {
		fmt.Fprintf(b, "- Study: %s%s\n", mdCell(firstNonEmpty(a.Study.Citation, a.Study.Short)), mdLink(a.Study.URL))
	}
	fmt.Fprintf(b, "- Model: %s", mdCell(a.Model.Name))
	if a.Model.Release != "" {
		fmt.Fprintf(b, "; release: %s", a.Model.Release)
	}
	b.WriteString("\n")
	if a.Model.Notes != "" {
		fmt.Fprintf(b, "- Note: %s\n", mdCell(a.Model.Notes))
	}
	fmt.Fprintf(b, "- Baseline: %s\n", mdCell(firstNonEmpty(a.Baseline, "not stated")))
	fmt.Fprintf(b, "- File: `%s`\n", a.File)
	for _, s := range AllSteps() {
		f := a.Steps[s]
		if f == nil {
			fmt.Fprintf(b, "\n### – %s: missing\n", s.Name())
			continue
		}
		grade := f.Grade.String()
		if grade == "" {
			grade = "not graded"
		}
		fmt.Fprintf(b, "\n### %s %s: %s\n\n", f.Grade.Symbol(), s.Name(), grade)
		if f.Finding != "" {
			fmt.Fprintf(b, "%s\n\n", mdText(f.Finding))
		}
		if f.Basis != nil {
			fmt.Fprintf(b, "%s\n\n", basisLine("Grade", f.Basis))
		}
		if len(f.Evidence) > 0 {
			b.WriteString("Evidence:\n\n")
			for _, e := range f.Evidence {
				fmt.Fprintf(b, "- %s\n", evidenceLine(e, true))
			}
		}
	}
	if c := a.Conclusion; c != nil {
		b.WriteString("\n### Conclusion\n\n")
		fmt.Fprintf(b, "Marginal risk: %s. Defense: %s.", firstNonEmpty(string(c.MarginalRisk), "not stated"), firstNonEmpty(string(c.Defense), "not stated"))
		if c.Summary != "" {
			fmt.Fprintf(b, " %s", mdText(c.Summary))
		}
		b.WriteString("\n")
		if c.Basis != nil {
			fmt.Fprintf(b, "\n%s\n", basisLine("Conclusion", c.Basis))
		}
	}
	if len(a.OpenQuestions) > 0 {
		b.WriteString("\n### Open questions\n\n")
		for _, q := range a.OpenQuestions {
			fmt.Fprintf(b, "- %s\n", mdCell(q))
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func mdLink(url string) string {
	if url == "" {
		return ""
	}
	return " <" + url + ">"
}

// basisLine renders a basis as one line: its source, the quoted sentence
// and the note.
func basisLine(what string, b *Basis) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s rests on %s", what, firstNonEmpty(b.Source, "an unstated source"))
	if b.Quote != "" {
		fmt.Fprintf(&s, ": “%s”", strings.Join(strings.Fields(b.Quote), " "))
	}
	if b.Note != "" {
		fmt.Fprintf(&s, " (%s)", strings.TrimSuffix(strings.Join(strings.Fields(b.Note), " "), "."))
	}
	return s.String()
}

// evidenceLine renders an evidence item as one line.
func evidenceLine(e Evidence, markdown bool) string {
	var parts []string
	if e.Cite != "" {
		c := strings.Join(strings.Fields(e.Cite), " ")
		if e.Where != "" {
			c += ", " + e.Where
		}
		parts = append(parts, c)
	}
	if e.URL != "" {
		if markdown {
			parts = append(parts, "<"+e.URL+">")
		} else {
			parts = append(parts, e.URL)
		}
	}
	if e.Results != "" {
		r := "results " + e.Results
		if markdown {
			r = "results `" + e.Results + "`"
		}
		var vals []string
		for _, v := range e.Values {
			vals = append(vals, fmt.Sprintf("%s = %s", v.Pointer, formatValue(v.Value)))
		}
		if len(vals) > 0 {
			r += ": " + strings.Join(vals, "; ")
		}
		if e.SHA256 != "" {
			r += " (sha256 " + e.SHA256[:12] + "…)"
		}
		parts = append(parts, r)
	}
	return strings.Join(strings.Fields(strings.Join(parts, " — ")), " ")
}

// jsonReport is the JSON report's layout.
type jsonReport struct {
	Framework   string           `json:"framework"`
	Note        string           `json:"note"`
	Assessments []jsonAssessment `json:"assessments"`
}

type jsonAssessment struct {
	File          string          `json:"file"`
	Title         string          `json:"title"`
	MisuseVector  string          `json:"misuse_vector"`
	Study         *jsonStudy      `json:"study,omitempty"`
	Model         jsonModel       `json:"model"`
	Baseline      string          `json:"baseline"`
	Steps         jsonSteps       `json:"steps"`
	Complete      bool            `json:"complete"`
	Conclusion    *jsonConclusion `json:"conclusion,omitempty"`
	OpenQuestions []string        `json:"open_questions"`
}

type jsonStudy struct {
	Short    string `json:"short"`
	Citation string `json:"citation"`
	URL      string `json:"url,omitempty"`
}

type jsonModel struct {
	Name    string `json:"name"`
	Release string `json:"release"`
	Notes   string `json:"notes,omitempty"`
}

// jsonSteps lists the steps as fields in the paper's order.
type jsonSteps struct {
	ThreatIdentification jsonStep `json:"threat_identification"`
	ExistingRisk         jsonStep `json:"existing_risk"`
	ExistingDefenses     jsonStep `json:"existing_defenses"`
	MarginalRisk         jsonStep `json:"marginal_risk"`
	EaseOfDefense        jsonStep `json:"ease_of_defense"`
	Uncertainty          jsonStep `json:"uncertainty"`
}

type jsonStep struct {
	Name     string         `json:"name"`
	Grade    *string        `json:"grade"`
	Finding  string         `json:"finding,omitempty"`
	Basis    *jsonBasis     `json:"basis,omitempty"`
	Evidence []jsonEvidence `json:"evidence,omitempty"`
}

type jsonBasis struct {
	Source string `json:"source"`
	Quote  string `json:"quote,omitempty"`
	Note   string `json:"note,omitempty"`
}

type jsonEvidence struct {
	Cite    string      `json:"cite,omitempty"`
	Where   string      `json:"where,omitempty"`
	URL     string      `json:"url,omitempty"`
	Results string      `json:"results,omitempty"`
	SHA256  string      `json:"sha256,omitempty"`
	Values  []jsonValue `json:"values,omitempty"`
}

type jsonValue struct {
	Pointer   string  `json:"pointer"`
	Value     any     `json:"value"`
	Tolerance float64 `json:"tolerance,omitempty"`
}

type jsonConclusion struct {
	MarginalRisk string     `json:"marginal_risk"`
	Defense      string     `json:"defense"`
	Summary      string     `json:"summary,omitempty"`
	Basis        *jsonBasis `json:"basis,omitempty"`
}

func writeJSON(w io.Writer, as []*Assessment) error {
	r := jsonReport{Framework: Framework, Note: Disclaimer, Assessments: []jsonAssessment{}}
	for _, a := range as {
		r.Assessments = append(r.Assessments, toJSON(a))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("risk: write JSON report: %w", err)
	}
	return nil
}

func toJSON(a *Assessment) jsonAssessment {
	j := jsonAssessment{
		File: a.File, Title: a.Title, MisuseVector: a.MisuseVector, Baseline: a.Baseline,
		Model:         jsonModel{Name: a.Model.Name, Release: string(a.Model.Release), Notes: a.Model.Notes},
		Complete:      a.Complete(),
		OpenQuestions: append([]string{}, a.OpenQuestions...),
	}
	if a.Study != nil {
		j.Study = &jsonStudy{Short: a.Study.Short, Citation: a.Study.Citation, URL: a.Study.URL}
	}
	steps := [NumSteps]*jsonStep{
		&j.Steps.ThreatIdentification, &j.Steps.ExistingRisk, &j.Steps.ExistingDefenses,
		&j.Steps.MarginalRisk, &j.Steps.EaseOfDefense, &j.Steps.Uncertainty,
	}
	for _, s := range AllSteps() {
		*steps[s] = stepJSON(s, a.Steps[s])
	}
	if c := a.Conclusion; c != nil {
		j.Conclusion = &jsonConclusion{MarginalRisk: string(c.MarginalRisk), Defense: string(c.Defense), Summary: c.Summary, Basis: basisJSON(c.Basis)}
	}
	return j
}

func stepJSON(s Step, f *Finding) jsonStep {
	js := jsonStep{Name: s.Name()}
	if f == nil {
		return js
	}
	if g := f.Grade.String(); g != "" {
		js.Grade = &g
	}
	js.Finding = f.Finding
	js.Basis = basisJSON(f.Basis)
	for _, e := range f.Evidence {
		je := jsonEvidence{Cite: e.Cite, Where: e.Where, URL: e.URL, Results: e.Results, SHA256: e.SHA256}
		for _, v := range e.Values {
			je.Values = append(je.Values, jsonValue{Pointer: v.Pointer, Value: v.Value, Tolerance: v.Tolerance})
		}
		js.Evidence = append(js.Evidence, je)
	}
	return js
}

func basisJSON(b *Basis) *jsonBasis {
	if b == nil {
		return nil
	}
	return &jsonBasis{Source: b.Source, Quote: b.Quote, Note: b.Note}
}

// htmlStep and htmlAssessment feed the HTML template.
type htmlStep struct {
	Name, Symbol, Grade, Finding string
	Missing                      bool
	Basis                        string
	Evidence                     []htmlEvidence
}

type htmlEvidence struct {
	Text string
	URL  string
}

type htmlAssessment struct {
	*Assessment
	Label         string
	Symbols       []string
	Steps         []htmlStep
	Conclusion    string
	ConclusionSrc string
}

func writeHTML(w io.Writer, as []*Assessment) error {
	data := struct {
		Framework, Disclaimer, Legend, Summary string
		StepNames                              []string
		Assessments                            []htmlAssessment
	}{
		Framework: Framework, Disclaimer: Disclaimer, Legend: legend,
		Summary: fmt.Sprintf("%d of %d %s every step.", completeCount(as), len(as), plural(len(as), "analysis addresses", "analyses address")),
	}
	for _, s := range AllSteps() {
		data.StepNames = append(data.StepNames, s.Name())
	}
	for _, a := range as {
		data.Assessments = append(data.Assessments, toHTML(a))
	}
	if err := reportTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("risk: write HTML report: %w", err)
	}
	return nil
}

func toHTML(a *Assessment) htmlAssessment {
	h := htmlAssessment{Assessment: a, Label: a.Label()}
	for _, s := range AllSteps() {
		f := a.Steps[s]
		h.Symbols = append(h.Symbols, symbolOf(f))
		hs := htmlStep{Name: s.Name(), Symbol: symbolOf(f)}
		if f == nil {
			hs.Missing = true
			hs.Grade = "missing"
		} else {
			hs.Grade = firstNonEmpty(f.Grade.String(), "not graded")
			hs.Finding = strings.TrimSpace(f.Finding)
			if f.Basis != nil {
				hs.Basis = basisLine("Grade", f.Basis)
			}
			for _, e := range f.Evidence {
				hs.Evidence = append(hs.Evidence, htmlEvidence{Text: evidenceLine(Evidence{Cite: e.Cite, Where: e.Where, Results: e.Results, SHA256: e.SHA256, Values: e.Values}, false), URL: e.URL})
			}
		}
		h.Steps = append(h.Steps, hs)
	}
	if c := a.Conclusion; c != nil {
		h.Conclusion = strings.TrimSpace(fmt.Sprintf("Marginal risk: %s. Defense: %s. %s",
			firstNonEmpty(string(c.MarginalRisk), "not stated"), firstNonEmpty(string(c.Defense), "not stated"), strings.TrimSpace(c.Summary)))
		if c.Basis != nil {
			h.ConclusionSrc = basisLine("Conclusion", c.Basis)
		}
	}
	return h
}

// reportTemplate is parsed once; html/template escapes every value, so
// assessment text cannot inject markup.
var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Marginal-risk assessments</title>
<style>
body { font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; vertical-align: top; }
td.mark { text-align: center; font-size: 1.2em; }
.disclaimer { border-left: 4px solid #c60; padding: 0.4em 0.8em; background: #fff6ec; }
blockquote { color: #444; margin: 0.5em 0 0.5em 1.5em; }
</style>
</head>
<body>
<h1>Marginal-risk assessments</h1>
<p>Assessed with {{.Framework}}.</p>
<p class="disclaimer"><strong>{{.Disclaimer}}</strong></p>
<table>
<thead><tr><th>Misuse risk</th><th>Paper or model</th>{{range .StepNames}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Assessments}}<tr><td>{{.MisuseVector}}</td><td>{{.Label}}</td>{{range .Symbols}}<td class="mark">{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p>{{.Legend}}. {{.Summary}}</p>
{{range .Assessments}}
<section>
<h2>{{or .Title .MisuseVector}}</h2>
<ul>
<li>Misuse vector: {{.MisuseVector}}</li>
{{with .Study}}<li>Study: {{or .Citation .Short}}{{if .URL}} <a href="{{.URL}}">{{.URL}}</a>{{end}}</li>
{{end}}<li>Model: {{.Model.Name}}{{if .Model.Release}}; release: {{.Model.Release}}{{end}}</li>
{{if .Model.Notes}}<li>Note: {{.Model.Notes}}</li>
{{end}}<li>Baseline: {{or .Baseline "not stated"}}</li>
<li>File: <code>{{.File}}</code></li>
</ul>
{{range .Steps}}<h3>{{.Symbol}} {{.Name}}: {{.Grade}}</h3>
{{if .Finding}}<p>{{.Finding}}</p>
{{end}}{{if .Basis}}<blockquote>{{.Basis}}</blockquote>
{{end}}{{if .Evidence}}<p>Evidence:</p>
<ul>
{{range .Evidence}}<li>{{.Text}}{{if .URL}}{{if .Text}} — {{end}}<a href="{{.URL}}">{{.URL}}</a>{{end}}</li>
{{end}}</ul>
{{end}}{{end}}{{if .Conclusion}}<h3>Conclusion</h3>
<p>{{.Conclusion}}</p>
{{if .ConclusionSrc}}<blockquote>{{.ConclusionSrc}}</blockquote>
{{end}}{{end}}{{if .OpenQuestions}}<h3>Open questions</h3>
<ul>
{{range .OpenQuestions}}<li>{{.}}</li>
{{end}}</ul>
{{end}}</section>
{{end}}</body>
</html>
`))
