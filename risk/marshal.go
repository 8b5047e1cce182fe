package risk

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Marshal writes an assessment as YAML in the schema Parse reads. Empty
// fields are left out; Parse(Marshal(a)) gives back a, line numbers aside.
func Marshal(a *Assessment) ([]byte, error) {
	return encode(assessmentNode(a, false))
}

// TemplateOptions fills in the parts of a new assessment that are known
// when it is started. Every field may be empty.
type TemplateOptions struct {
	Title        string
	MisuseVector string
	Model        string
	Release      Release // the default is OpenWeights
	Baseline     string
	// Evidence is placed under the marginal-risk step, e.g. an evaluation's
	// results cited with CiteResults.
	Evidence []Evidence
}

// Template returns a new assessment file: every step present and ungraded,
// with comments saying what each field wants.
func Template(o TemplateOptions) ([]byte, error) {
	a := &Assessment{
		Title:        o.Title,
		MisuseVector: o.MisuseVector,
		Model:        Model{Name: o.Model, Release: o.Release},
		Baseline:     o.Baseline,
	}
	if a.Model.Release == "" {
		a.Model.Release = OpenWeights
	}
	for _, s := range AllSteps() {
		a.Steps[s] = &Finding{}
	}
	a.Steps[MarginalRisk].Evidence = o.Evidence
	return encode(assessmentNode(a, true))
}

func encode(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("risk: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("risk: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// mapNode builds a mapping node; add appends a key and its value.
type mapNode struct{ n *yaml.Node }

func newMap() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) add(key string, v *yaml.Node, comment string) {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, HeadComment: comment}
	m.n.Content = append(m.n.Content, k, v)
}

// addText adds key: s unless s is empty (or always, in a template, where
// empty fields show what to fill in).
func (m mapNode) addText(key, s string, always bool, comment string) {
	if s != "" || always {
		m.add(key, textNode(s), comment)
	}
}

func textNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") && literalSafe(s) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// literalSafe reports whether a literal block keeps s exactly: lines with
// trailing blanks, tabs or carriage returns are quoted instead.
func literalSafe(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.ContainsAny(line, "\r\t") || strings.TrimRight(line, " ") != line {
			return false
		}
	}
	return !strings.HasPrefix(s, " ") && !strings.HasPrefix(s, "\n")
}

func nullNode() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""} }

func listNode() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

func valueNode(v any) *yaml.Node {
	switch v := v.(type) {
	case float64:
		// Whole numbers are written as integers ("5", not "!!float 5");
		// Parse reads both as float64.
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(int64(v), 10)}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(v, 'g', -1, 64)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case string:
		return textNode(v)
	}
	return textNode(fmt.Sprint(v))
}

const templateHeader = `A marginal-risk assessment of an open model release, in the framework of
Kapoor et al., "On the Societal Impact of Open Foundation Models" (ICML 2024,
arXiv 2403.07918). Grade each step addressed, partial or absent, say why in
finding, and list the evidence: cite (a citation, with where for the place in
it), url, or results (an fmkit results JSON; fmkit risk new --results FILE
records its digest and numbers so that fmkit risk check notices changes).
The framework assesses marginal risk only: it does not weigh benefits and is
not a procedure for deciding whether to release a model.`

func assessmentNode(a *Assessment, template bool) *yaml.Node {
	m := newMap()
	header := ""
	if template {
		header = templateHeader
	}
	m.add("fmkit_risk", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(SchemaVersion)}, header)
	m.addText("title", a.Title, template, "")
	m.addText("misuse_vector", a.MisuseVector, template, comment(template, "e.g. spear-phishing scams, automated vulnerability detection"))
	if a.Study != nil {
		s := newMap()
		s.addText("short", a.Study.Short, false, "")
		s.addText("citation", a.Study.Citation, false, "")
		s.addText("url", a.Study.URL, false, "")
		m.add("study", s.n, "")
	}
	if mn := modelNode(a.Model, template); mn != nil {
		m.add("model", mn, "")
	}
	m.addText("baseline", a.Baseline, template, comment(template,
		"what the marginal risk is measured against: the status quo (existing technology\nand closed models) or another release, e.g. an API-only one"))
	if steps := stepsNode(a, template); steps != nil {
		m.add("steps", steps, "")
	}
	if a.Conclusion != nil {
		m.add("conclusion", conclusionNode(a.Conclusion), "")
	}
	if len(a.OpenQuestions) > 0 || template {
		l := listNode()
		for _, q := range a.OpenQuestions {
			l.Content = append(l.Content, textNode(q))
		}
		m.add("open_questions", l, comment(template, "what the assessment could not settle"))
	}
	return m.n
}

func comment(template bool, s string) string {
	if !template {
		return ""
	}
	return s
}

func modelNode(md Model, template bool) *yaml.Node {
	if md == (Model{Line: md.Line}) && !template {
		return nil
	}
	m := newMap()
	m.addText("name", md.Name, template, "")
	if md.Release != "" {
		n := textNode(string(md.Release))
		if template {
			n.LineComment = "open-weights, api, staged, closed or unreleased"
		}
		m.add("release", n, "")
	}
	m.addText("notes", md.Notes, false, "")
	return m.n
}

func stepsNode(a *Assessment, template bool) *yaml.Node {
	m := newMap()
	for _, s := range AllSteps() {
		f := a.Steps[s]
		if f == nil {
			continue
		}
		m.add(s.Key(), findingNode(f, template), comment(template, s.Question()))
	}
	if len(m.n.Content) == 0 {
		return nil
	}
	return m.n
}

func findingNode(f *Finding, template bool) *yaml.Node {
	m := newMap()
	switch {
	case f.Grade != Ungraded:
		m.add("grade", textNode(f.Grade.String()), "")
	case template:
		n := nullNode()
		n.LineComment = "addressed, partial or absent"
		m.add("grade", n, "")
	}
	m.addText("finding", f.Finding, template, "")
	if f.Basis != nil {
		m.add("basis", basisNode(f.Basis), "")
	}
	if len(f.Evidence) > 0 || template {
		l := listNode()
		for _, e := range f.Evidence {
			l.Content = append(l.Content, evidenceNode(e))
		}
		m.add("evidence", l, "")
	}
	return m.n
}

func basisNode(b *Basis) *yaml.Node {
	m := newMap()
	m.addText("source", b.Source, false, "")
	m.addText("quote", b.Quote, false, "")
	m.addText("note", b.Note, false, "")
	return m.n
}

func conclusionNode(c *Conclusion) *yaml.Node {
	m := newMap()
	m.addText("marginal_risk", string(c.MarginalRisk), false, "")
	m.addText("defense", string(c.Defense), false, "")
	m.addText("summary", c.Summary, false, "")
	if c.Basis != nil {
		m.add("basis", basisNode(c.Basis), "")
	}
	return m.n
}

func evidenceNode(e Evidence) *yaml.Node {
	m := newMap()
	m.addText("cite", e.Cite, false, "")
	m.addText("where", e.Where, false, "")
	m.addText("url", e.URL, false, "")
	m.addText("results", e.Results, false, "")
	m.addText("sha256", e.SHA256, false, "")
	if len(e.Values) > 0 {
		l := listNode()
		for _, v := range e.Values {
			vm := newMap()
			vm.add("pointer", textNode(v.Pointer), "")
			vm.add("value", valueNode(v.Value), "")
			if v.Tolerance != 0 {
				vm.add("tolerance", valueNode(v.Tolerance), "")
			}
			l.Content = append(l.Content, vm.n)
		}
		m.add("values", l, "")
	}
	return m.n
}
