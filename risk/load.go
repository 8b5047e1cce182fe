package risk

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrSchema is wrapped by every error that reports a file not matching the
// assessment schema.
var ErrSchema = errors.New("risk: assessment does not match the schema")

// FieldError reports what is wrong with one field of an assessment file.
type FieldError struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Field string // dotted path, e.g. "steps.marginal_risk.evidence[0].results"
	Msg   string
}

// Error formats the error on one line: "risk: FILE:LINE: FIELD: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("risk: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrSchema.
func (e *FieldError) Unwrap() error { return ErrSchema }

// maxFileSize bounds what Load reads: assessments are a few kilobytes, and
// a larger file is almost certainly the wrong file.
const maxFileSize = 16 << 20

// Load reads an assessment file.
func Load(path string) (*Assessment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("risk: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("risk: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, &FieldError{File: path, Msg: fmt.Sprintf("larger than %d MiB; expected an assessment of a few kilobytes", maxFileSize>>20)}
	}
	return Parse(path, data)
}

// Parse reads an assessment from YAML. name is what errors call the file.
// The first problem found is returned as a *FieldError.
func Parse(name string, data []byte) (*Assessment, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &FieldError{File: name, Msg: "empty file; expected an assessment (fmkit risk new writes a template)"}
		}
		return nil, &FieldError{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, &FieldError{File: name, Line: extra.Line, Msg: "more than one YAML document; expected one assessment per file"}
	}
	d := decoder{file: name, lines: map[string]int{}}
	a := &Assessment{File: name}
	if err := d.assessment(&doc, a); err != nil {
		return nil, err
	}
	a.lines = d.lines
	return a, nil
}

type decoder struct {
	file  string
	lines map[string]int // line of each key, by its field path
}

func (d *decoder) errf(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &FieldError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// kindName names a node's kind for "expected X, found Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// isNull reports whether n is an empty value (a key with nothing after it,
// ~ or null).
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// noAlias rejects aliases: an assessment is read by people, and resolving
// aliases would let a small file expand without bound.
func (d *decoder) noAlias(n *yaml.Node, field string) error {
	if n.Kind == yaml.AliasNode {
		return d.errf(n, field, "aliases (*%s) are not supported; write the value out", n.Value)
	}
	return nil
}

// mapping calls set for each key of a mapping node, in order, after
// checking that keys are unique plain text. A null node is an empty
// mapping.
func (d *decoder) mapping(n *yaml.Node, field string, set func(key string, k, v *yaml.Node) error) error {
	if err := d.noAlias(n, field); err != nil {
		return err
	}
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return d.errf(n, field, "expected a mapping of fields, found %s", kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return d.errf(k, field, "expected a field name, found %s", kindName(k))
		}
		if seen[k.Value] {
			return d.errf(k, join(field, k.Value), "given twice")
		}
		seen[k.Value] = true
		d.lines[join(field, k.Value)] = k.Line
		if err := set(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func (d *decoder) unknown(k *yaml.Node, field, known string) error {
	return d.errf(k, join(field, k.Value), "unknown field; expected one of %s", known)
}

// text reads a scalar as text; null is "".
func (d *decoder) text(n *yaml.Node, field string) (string, error) {
	if err := d.noAlias(n, field); err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", d.errf(n, field, "expected text, found %s", kindName(n))
	}
	if isNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// number reads a finite number.
func (d *decoder) number(n *yaml.Node, field string) (float64, error) {
	if err := d.noAlias(n, field); err != nil {
		return 0, err
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, d.errf(n, field, "expected a number, found %s", kindName(n))
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, d.errf(n, field, "expected a number, found %q", n.Value)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, d.errf(n, field, "%s is not a finite number", n.Value)
	}
	return f, nil
}

func (d *decoder) list(n *yaml.Node, field string, item func(i int, n *yaml.Node) error) error {
	if err := d.noAlias(n, field); err != nil {
		return err
	}
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return d.errf(n, field, "expected a list, found %s", kindName(n))
	}
	for i, c := range n.Content {
		if err := item(i, c); err != nil {
			return err
		}
	}
	return nil
}

const assessmentFields = "fmkit_risk, title, misuse_vector, study, model, baseline, steps, conclusion, open_questions"

func (d *decoder) assessment(doc *yaml.Node, a *Assessment) error {
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return d.errf(root, "", "expected a mapping with the fields %s; found %s", assessmentFields, kindName(root))
	}
	a.Line = root.Line
	version := false
	err := d.mapping(root, "", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "fmkit_risk":
			var f float64
			if f, err = d.number(v, key); err == nil && f != SchemaVersion {
				err = d.errf(v, key, "schema version %s is not supported; expected %d", v.Value, SchemaVersion)
			}
			version = true
		case "title":
			a.Title, err = d.text(v, key)
		case "misuse_vector":
			a.MisuseVector, err = d.text(v, key)
		case "baseline":
			a.Baseline, err = d.text(v, key)
		case "study":
			a.Study = &Study{Line: v.Line}
			err = d.study(v, key, a.Study)
		case "model":
			a.Model.Line = v.Line
			err = d.model(v, key, &a.Model)
		case "steps":
			err = d.steps(v, key, a)
		case "conclusion":
			a.Conclusion = &Conclusion{Line: v.Line}
			err = d.conclusion(v, key, a.Conclusion)
		case "open_questions":
			err = d.list(v, key, func(i int, n *yaml.Node) error {
				q, err := d.text(n, fmt.Sprintf("%s[%d]", key, i))
				a.OpenQuestions = append(a.OpenQuestions, q)
				return err
			})
		default:
			err = d.unknown(k, "", assessmentFields)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !version {
		return d.errf(root, "fmkit_risk", "missing; expected fmkit_risk: %d (the schema version) at the top of the file", SchemaVersion)
	}
	return nil
}

func (d *decoder) study(n *yaml.Node, field string, s *Study) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "short":
			s.Short, err = d.text(v, f)
		case "citation":
			s.Citation, err = d.text(v, f)
		case "url":
			s.URL, err = d.text(v, f)
		default:
			err = d.unknown(k, field, "short, citation, url")
		}
		return err
	})
}

func (d *decoder) model(n *yaml.Node, field string, m *Model) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "name":
			m.Name, err = d.text(v, f)
		case "release":
			var s string
			if s, err = d.text(v, f); err == nil {
				if m.Release, err = parseRelease(s); err != nil {
					err = d.errf(v, f, "%v", err)
				}
			}
		case "notes":
			m.Notes, err = d.text(v, f)
		default:
			err = d.unknown(k, field, "name, release, notes")
		}
		return err
	})
}

func (d *decoder) steps(n *yaml.Node, field string, a *Assessment) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		s, ok := stepByKey(key)
		if !ok {
			return d.errf(k, join(field, key), "not a step of the framework; expected one of %s", stepKeys())
		}
		f := &Finding{Line: k.Line}
		a.Steps[s] = f
		return d.finding(v, join(field, key), f)
	})
}

func (d *decoder) finding(n *yaml.Node, field string, f *Finding) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		fk := join(field, key)
		switch key {
		case "grade":
			var s string
			if s, err = d.text(v, fk); err == nil {
				if f.Grade, err = ParseGrade(s); err != nil {
					err = d.errf(v, fk, "%v", err)
				}
			}
		case "finding":
			f.Finding, err = d.text(v, fk)
		case "basis":
			f.Basis = &Basis{Line: v.Line}
			err = d.basis(v, fk, f.Basis)
		case "evidence":
			err = d.list(v, fk, func(i int, n *yaml.Node) error {
				e := Evidence{Line: n.Line}
				err := d.evidence(n, fmt.Sprintf("%s[%d]", fk, i), &e)
				f.Evidence = append(f.Evidence, e)
				return err
			})
		default:
			err = d.unknown(k, field, "grade, finding, basis, evidence")
		}
		return err
	})
}

func (d *decoder) basis(n *yaml.Node, field string, b *Basis) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "source":
			b.Source, err = d.text(v, f)
		case "quote":
			b.Quote, err = d.text(v, f)
		case "note":
			b.Note, err = d.text(v, f)
		default:
			err = d.unknown(k, field, "source, quote, note")
		}
		return err
	})
}

func (d *decoder) conclusion(n *yaml.Node, field string, c *Conclusion) error {
	return d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "marginal_risk":
			var s string
			if s, err = d.text(v, f); err == nil {
				if c.MarginalRisk, err = parseLevel(s); err != nil {
					err = d.errf(v, f, "%v", err)
				}
			}
		case "defense":
			var s string
			if s, err = d.text(v, f); err == nil {
				if c.Defense, err = parseDefense(s); err != nil {
					err = d.errf(v, f, "%v", err)
				}
			}
		case "summary":
			c.Summary, err = d.text(v, f)
		case "basis":
			c.Basis = &Basis{Line: v.Line}
			err = d.basis(v, f, c.Basis)
		default:
			err = d.unknown(k, field, "marginal_risk, defense, summary, basis")
		}
		return err
	})
}

// evidence reads one evidence item: a mapping, or plain text taken as a
// citation.
func (d *decoder) evidence(n *yaml.Node, field string, e *Evidence) error {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		e.Cite = n.Value
		return nil
	}
	err := d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "cite":
			e.Cite, err = d.text(v, f)
		case "where":
			e.Where, err = d.text(v, f)
		case "url":
			e.URL, err = d.text(v, f)
		case "results":
			e.Results, err = d.text(v, f)
		case "sha256":
			if e.SHA256, err = d.text(v, f); err == nil {
				e.SHA256 = strings.ToLower(e.SHA256)
				if !isHexDigest(e.SHA256) {
					err = d.errf(v, f, "%q is not a SHA-256 digest; expected 64 hexadecimal digits", v.Value)
				}
			}
		case "values":
			err = d.list(v, f, func(i int, n *yaml.Node) error {
				cv := CitedValue{Line: n.Line}
				err := d.citedValue(n, fmt.Sprintf("%s[%d]", f, i), &cv)
				e.Values = append(e.Values, cv)
				return err
			})
		default:
			err = d.unknown(k, field, "cite, where, url, results, sha256, values")
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case e.Cite == "" && e.URL == "" && e.Results == "":
		return d.errf(n, field, "empty evidence; expected cite, url or results")
	case e.Results == "" && (e.SHA256 != "" || len(e.Values) > 0):
		return d.errf(n, field, "sha256 and values describe a results file; expected results: PATH beside them")
	}
	return nil
}

func (d *decoder) citedValue(n *yaml.Node, field string, cv *CitedValue) error {
	hasValue := false
	err := d.mapping(n, field, func(key string, k, v *yaml.Node) error {
		var err error
		f := join(field, key)
		switch key {
		case "pointer":
			cv.Pointer, err = d.text(v, f)
		case "value":
			hasValue = true
			cv.Value, err = d.scalarValue(v, f)
		case "tolerance":
			if cv.Tolerance, err = d.number(v, f); err == nil && cv.Tolerance < 0 {
				err = d.errf(v, f, "%s is negative; expected a tolerance ≥ 0", v.Value)
			}
		default:
			err = d.unknown(k, field, "pointer, value, tolerance")
			if n.Style&yaml.FlowStyle != 0 && cv.Pointer != "" {
				// lm-eval's metric keys hold commas ("acc,none"), which end a
				// field inside {...}.
				err = d.errf(k, join(field, key), "unknown field; a pointer with a comma must be quoted inside {...}, e.g. {pointer: \"/results/TASK/acc,none\", value: 0.5}")
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(cv.Pointer, "/"):
		return d.errf(n, join(field, "pointer"), "%q is not a JSON pointer; expected a path such as /results/TASK/acc,none", cv.Pointer)
	case !hasValue:
		return d.errf(n, join(field, "value"), "missing; expected the value as cited")
	}
	if _, isNum := cv.Value.(float64); cv.Tolerance != 0 && !isNum {
		return d.errf(n, join(field, "tolerance"), "applies to numbers only; the value is %v", cv.Value)
	}
	return nil
}

// scalarValue reads a cited value: a finite number, a bool or text.
func (d *decoder) scalarValue(n *yaml.Node, field string) (any, error) {
	if err := d.noAlias(n, field); err != nil {
		return nil, err
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return nil, d.errf(n, field, "expected a number, text or true/false, found %s", kindName(n))
	}
	switch n.Tag {
	case "!!int", "!!float":
		return d.number(n, field)
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, d.errf(n, field, "expected true or false, found %q", n.Value)
		}
		return b, nil
	}
	return n.Value, nil
}

func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
