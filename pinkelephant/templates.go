package pinkelephant

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/jinja"
)

//go:embed templates/*.j2
var defaultTemplates embed.FS

// The templates, by file name (without ".j2"). Each renders one chat
// message; the variables each one sees are listed in the package
// documentation.
const (
	TemplateTopics      = "topics"
	TemplatePairs       = "pairs"
	TemplatePlan        = "plan"
	TemplateUserTurn    = "user_turn"
	TemplateAgentSystem = "agent_system"
	TemplateCritique    = "critique"
	TemplateRevision    = "revision"
	TemplateInstruction = "instruction"
	TemplateNegative    = "negative"
	TemplateJudge       = "judge"
)

// TemplateNames returns the names of every template, in pipeline order.
func TemplateNames() []string {
	return []string{
		TemplateTopics, TemplatePairs, TemplatePlan, TemplateUserTurn, TemplateAgentSystem,
		TemplateCritique, TemplateRevision, TemplateInstruction, TemplateNegative, TemplateJudge,
	}
}

// ErrUnknownTemplate is returned (wrapped) for a template file whose name
// is none of TemplateNames: most likely a typo that would otherwise leave
// the default in force without a word.
var ErrUnknownTemplate = errors.New("pinkelephant: unknown template")

// Templates are the prompt templates of the pipeline and the evaluation,
// in Jinja (rendered with Python Jinja2's semantics by package jinja).
type Templates struct {
	parsed map[string]*jinja.Template
	// Source says where each template came from: "default" or a file.
	Source map[string]string
}

// DefaultTemplates returns the built-in templates.
func DefaultTemplates() *Templates {
	t, err := LoadTemplates("")
	if err != nil {
		// The embedded files are tested; failing here is a build defect.
		panic(err)
	}
	return t
}

// LoadTemplates returns the built-in templates with those found in dir
// (files NAME.j2) in their place. An empty dir means the defaults alone.
// A file in dir with another .j2 name is an error, as is a template that
// does not parse.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{parsed: map[string]*jinja.Template{}, Source: map[string]string{}}
	for _, name := range TemplateNames() {
		src, err := fs.ReadFile(defaultTemplates, "templates/"+name+".j2")
		if err != nil {
			return nil, fmt.Errorf("pinkelephant: built-in template %s: %w", name, err)
		}
		if err := t.set(name, string(src), "default"); err != nil {
			return nil, err
		}
	}
	if dir == "" {
		return t, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.j2"))
	if err != nil {
		return nil, fmt.Errorf("pinkelephant: templates %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("pinkelephant: templates: %w", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".j2")
		if !slices.Contains(TemplateNames(), name) {
			return nil, fmt.Errorf("%w %s (expected one of %s.j2)", ErrUnknownTemplate, f, strings.Join(TemplateNames(), ".j2, "))
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("pinkelephant: %w", err)
		}
		if err := t.set(name, string(src), f); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Templates) set(name, src, origin string) error {
	p, err := jinja.Parse(src)
	if err != nil {
		return fmt.Errorf("pinkelephant: template %s (%s): %w", name, origin, err)
	}
	t.parsed[name] = p
	t.Source[name] = origin
	return nil
}

// Text returns a template's source.
func (t *Templates) Text(name string) string {
	if p, ok := t.parsed[name]; ok {
		return p.Source()
	}
	return ""
}

// Render renders a template with vars and trims the surrounding
// whitespace (template files end with a newline).
func (t *Templates) Render(name string, vars map[string]any) (string, error) {
	p, ok := t.parsed[name]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownTemplate, name)
	}
	d := py.NewDict()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.Set(k, pyValue(vars[k]))
	}
	s, err := p.Render(d)
	if err != nil {
		return "", fmt.Errorf("pinkelephant: template %s (%s): %w", name, t.Source[name], err)
	}
	return strings.TrimSpace(s), nil
}

// WriteDefaults writes the built-in templates into dir as NAME.j2 files,
// for editing; existing files are left alone and reported in skipped.
func WriteDefaults(dir string) (written, skipped []string, err error) {
	for _, name := range TemplateNames() {
		path := filepath.Join(dir, name+".j2")
		if _, err := os.Stat(path); err == nil {
			skipped = append(skipped, path)
			continue
		}
		src, err := fs.ReadFile(defaultTemplates, "templates/"+name+".j2")
		if err != nil {
			return written, skipped, err
		}
		if err := atomicfile.WriteFile(path, src); err != nil {
			return written, skipped, fmt.Errorf("pinkelephant: %w", err)
		}
		written = append(written, path)
	}
	return written, skipped, nil
}

// pyValue turns template variables into the values package jinja renders:
// turns become lists of dicts, string slices lists.
func pyValue(v any) any {
	switch x := v.(type) {
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []Turn:
		out := make([]any, len(x))
		for i, t := range x {
			d := py.NewDict()
			d.Set("role", t.Role)
			d.Set("content", t.Content)
			out[i] = d
		}
		return out
	case int:
		return int64(x)
	}
	return v
}

// pairVars are the variables every per-pair template sees.
func pairVars(p *Pair) map[string]any {
	return map[string]any{
		"domain": p.Domain, "topic": p.Topic,
		"grey": p.Grey, "pink": p.Pink,
		"grey_aliases": nonNil(p.GreyAliases), "pink_aliases": nonNil(p.PinkAliases),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
