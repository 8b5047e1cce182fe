package eval

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fmkit/fmkit/internal/py"
)

// Function is a `!function module.name` reference in a task YAML, resolved
// against the registry of Go functions (see RegisterFunction).
type Function struct {
	Name string
	File string // the YAML that names it, within its TaskSource
	Line int
	dir  string // the TaskSource's folder on disk ("" when it has none)
}

// osPath is the YAML's path on disk, where Python finds the module.
func (f *Function) osPath() string {
	if f.dir == "" {
		return f.File
	}
	return filepath.Join(f.dir, filepath.FromSlash(f.File))
}

func (f Function) String() string { return "!function " + f.Name }

// ConfigError is a problem in a task or group YAML file, with its position.
type ConfigError struct {
	File string
	Line int
	Msg  string
	// Err is the sentinel behind the problem, if any (ErrYAMLLimit).
	Err error
}

// Unwrap returns e.Err.
func (e *ConfigError) Unwrap() error { return e.Err }

// ErrYAMLLimit is wrapped by the ConfigError of a task or group file that
// exceeds one of its source's YAMLLimits.
var ErrYAMLLimit = errors.New("eval: YAML file exceeds a limit")

// YAMLLimits bound the work one task or group file may cause, so that a
// hostile file (a "billion laughs" of nested aliases, a chain of files that
// include each other many times) fails fast instead of exhausting memory.
// The zero value means the defaults.
type YAMLLimits struct {
	// MaxFileBytes is the largest YAML file read. The default is 1 MiB:
	// lm-evaluation-harness's largest task files hold a few tens of
	// kilobytes, and parsing a megabyte of YAML already takes about 100 MB.
	MaxFileBytes int64
	// MaxValues is the most values (mappings, lists and scalars) one file
	// may expand to, its includes and every use of an alias counted anew.
	// The default is 100,000, a hundred times the largest lm-eval task; the
	// nine-level alias bomb of 770 bytes expands to 387 million.
	MaxValues int
}

// Default YAML limits (see YAMLLimits).
const (
	DefaultMaxYAMLFileBytes = 1 << 20
	DefaultMaxYAMLValues    = 100_000
)

// Validate reports every negative limit at once.
func (l YAMLLimits) Validate() error {
	var p []string
	if l.MaxFileBytes < 0 {
		p = append(p, fmt.Sprintf("MaxFileBytes (%d) must be >= 0", l.MaxFileBytes))
	}
	if l.MaxValues < 0 {
		p = append(p, fmt.Sprintf("MaxValues (%d) must be >= 0", l.MaxValues))
	}
	if len(p) > 0 {
		return errors.New("eval: invalid YAMLLimits: " + strings.Join(p, "; "))
	}
	return nil
}

func (l YAMLLimits) withDefaults() YAMLLimits {
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = DefaultMaxYAMLFileBytes
	}
	if l.MaxValues == 0 {
		l.MaxValues = DefaultMaxYAMLValues
	}
	return l
}

// yamlBudget is what is left of a top-level file's YAMLLimits while it and
// its includes are read.
type yamlBudget struct {
	limits YAMLLimits
	values int // left
	// loaded holds the files already read for this top-level file, so a
	// file included many times (directly or through others) is read once.
	loaded map[string]*rawConfig
}

func newYAMLBudget(l YAMLLimits) *yamlBudget {
	l = l.withDefaults()
	return &yamlBudget{limits: l, values: l.MaxValues, loaded: map[string]*rawConfig{}}
}

// take counts one value of node n of file.
func (b *yamlBudget) take(n *yaml.Node, file string) error {
	if b.values <= 0 {
		return &ConfigError{File: file, Line: n.Line, Err: ErrYAMLLimit,
			Msg: fmt.Sprintf("expands to more than %d values once aliases and includes are expanded (YAMLLimits.MaxValues)", b.limits.MaxValues)}
	}
	b.values--
	return nil
}

// readYAMLFile reads file unless it is larger than the budget allows.
func (b *yamlBudget) readFile(fsys fs.FS, file string) ([]byte, error) {
	f, err := fsys.Open(file)
	if err != nil {
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, b.limits.MaxFileBytes+1))
	if err != nil {
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	if int64(len(data)) > b.limits.MaxFileBytes {
		return nil, &ConfigError{File: file, Err: ErrYAMLLimit,
			Msg: fmt.Sprintf("file is larger than %d bytes (YAMLLimits.MaxFileBytes)", b.limits.MaxFileBytes)}
	}
	return data, nil
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// rawConfig is a parsed YAML mapping: values are nil, bool, int64,
// float64, string, []any, *py.Dict and Function, typed as PyYAML (YAML 1.1)
// types them; lines maps top-level keys to their line for errors.
type rawConfig struct {
	file  string
	dict  *py.Dict
	lines map[string]int
}

// loadYAML parses file from fsys and merges its includes (included files
// first, the file's own keys win), as lm-eval's load_yaml does, within the
// default YAMLLimits.
func loadYAML(fsys fs.FS, file string, seen map[string]bool) (*rawConfig, error) {
	return loadYAMLWithin(fsys, file, seen, newYAMLBudget(YAMLLimits{}))
}

// loadYAMLWithin is loadYAML within budget, which the file and all its
// includes share.
func loadYAMLWithin(fsys fs.FS, file string, seen map[string]bool, budget *yamlBudget) (*rawConfig, error) {
	if seen[file] {
		return nil, &ConfigError{File: file, Msg: "include cycle"}
	}
	if cfg, ok := budget.loaded[file]; ok {
		return cfg, nil
	}
	seen[file] = true
	defer delete(seen, file)
	b, err := budget.readFile(fsys, file)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	err = yaml.Unmarshal(b, &root)
	if isUnknownEscape(err) {
		// PyYAML accepts `\/`; see yamlcompat.go.
		root = yaml.Node{}
		if yaml.Unmarshal(withSolidusEscapes(b), &root) == nil {
			err = nil
		}
	}
	if err != nil {
		return nil, &ConfigError{File: file, Line: yamlErrLine(err), Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 {
		return nil, &ConfigError{File: file, Msg: "empty file, expected a mapping"}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &ConfigError{File: file, Line: doc.Line, Msg: "expected a mapping at the top level"}
	}
	v, err := yamlValue(doc, file, budget)
	if err != nil {
		return nil, err
	}
	cfg := &rawConfig{file: file, dict: v.(*py.Dict), lines: map[string]int{}}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		cfg.lines[doc.Content[i].Value] = doc.Content[i].Line
	}
	inc, ok := cfg.dict.Get("include")
	if !ok {
		budget.loaded[file] = cfg
		return cfg, nil
	}
	var incs []string
	switch x := inc.(type) {
	case string:
		incs = []string{x}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, &ConfigError{File: file, Line: cfg.lines["include"], Msg: "include: expected file names"}
			}
			incs = append(incs, s)
		}
	default:
		return nil, &ConfigError{File: file, Line: cfg.lines["include"], Msg: "include: expected a file name or a list of them"}
	}
	merged := py.NewDict()
	lines := map[string]int{}
	for _, name := range incs {
		incPath := path.Clean(path.Join(path.Dir(file), name))
		sub, err := loadYAMLWithin(fsys, incPath, seen, budget)
		if err != nil {
			if _, statErr := fs.Stat(fsys, incPath); statErr != nil {
				return nil, &ConfigError{File: file, Line: cfg.lines["include"], Msg: fmt.Sprintf("include %q: no such file", name)}
			}
			return nil, err
		}
		for _, k := range sub.dict.Keys() {
			if k == "task_list" {
				continue
			}
			v, _ := sub.dict.Get(k)
			merged.Set(k, v)
			lines[k] = sub.lines[k]
		}
	}
	for _, k := range cfg.dict.Keys() {
		if k == "include" {
			continue
		}
		v, _ := cfg.dict.Get(k)
		merged.Set(k, v)
		lines[k] = cfg.lines[k]
	}
	cfg.dict, cfg.lines = merged, lines
	budget.loaded[file] = cfg
	return cfg, nil
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// yamlValue converts a node with PyYAML's (YAML 1.1) implicit typing;
// duplicate keys keep the last value, as PyYAML does. Aliases are expanded
// here (yaml.v3's own guard applies only when it decodes into Go values),
// so every value is counted against budget.
func yamlValue(n *yaml.Node, file string, budget *yamlBudget) (any, error) {
	if err := budget.take(n, file); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], file, budget)
	case yaml.AliasNode:
		return yamlValue(n.Alias, file, budget)
	case yaml.MappingNode:
		d := py.NewDict()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				mv, err := yamlValue(v, file, budget)
				if err != nil {
					return nil, err
				}
				if md, ok := mv.(*py.Dict); ok {
					for _, mk := range md.Keys() {
						x, _ := md.Get(mk)
						d.Set(mk, x)
					}
				}
				continue
			}
			val, err := yamlValue(v, file, budget)
			if err != nil {
				return nil, err
			}
			key, err := yamlValue(k, file, budget)
			if err != nil {
				return nil, err
			}
			d.Set(py.Str(key), val)
		}
		return d, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, file, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		return yamlScalar(n, file)
	}
	return nil, &ConfigError{File: file, Line: n.Line, Msg: "unsupported YAML node"}
}

var (
	yaml11Bool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yaml11Int   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$`)
	yaml11Float = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yaml11Null  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	// yaml11Sexagesimal is YAML 1.1's base-60 integer ("1:30" is 90).
	yaml11Sexagesimal = regexp.MustCompile(`^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$`)
)

func yamlScalar(n *yaml.Node, file string) (any, error) {
	v, err := yamlScalarValue(n, file)
	if i, isInt := v.(int64); isInt && n.Tag == "!!float" && n.Style&yaml.TaggedStyle != 0 {
		return float64(i), err
	}
	return v, err
}

// sexagesimal reads a YAML 1.1 base-60 integer the way PyYAML does.
func sexagesimal(s string) int64 {
	t := strings.ReplaceAll(s, "_", "")
	sign := int64(1)
	if t[0] == '-' || t[0] == '+' {
		if t[0] == '-' {
			sign = -1
		}
		t = t[1:]
	}
	var v int64
	for _, part := range strings.Split(t, ":") {
		d, _ := strconv.ParseInt(part, 10, 64)
		v = v*60 + d
	}
	return sign * v
}

func yamlScalarValue(n *yaml.Node, file string) (any, error) {
	if n.Tag == "!function" {
		return Function{Name: n.Value, File: file, Line: n.Line}, nil
	}
	// yaml.v3 sets Tag to its YAML 1.2 resolution of plain scalars too
	// ("yes" is !!str there); only an explicit tag is honoured, and the
	// rest is typed by PyYAML's YAML 1.1 rules below.
	explicit := n.Style&yaml.TaggedStyle != 0
	switch {
	case explicit && n.Tag == "!!str":
		return n.Value, nil
	case explicit && n.Tag == "!!null":
		// PyYAML gives None for an explicit null tag, quoted or not
		// (lm-eval's tree writes `!!null "null"`).
		return nil, nil
	case explicit && (n.Tag == "!!bool" || n.Tag == "!!int" || n.Tag == "!!float"):
		// Typed from the text below, quoted or not.
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return n.Value, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, &ConfigError{File: file, Line: n.Line, Msg: fmt.Sprintf("unknown YAML tag %s (only !function is supported)", n.Tag)}
	}
	s := n.Value
	switch {
	case yaml11Null.MatchString(s):
		return nil, nil
	case yaml11Bool.MatchString(s):
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return true, nil
		}
		return false, nil
	case yaml11Sexagesimal.MatchString(s):
		return sexagesimal(s), nil
	case yaml11Int.MatchString(s):
		t := strings.ReplaceAll(s, "_", "")
		neg := strings.HasPrefix(t, "-")
		t = strings.TrimLeft(t, "+-")
		base := 10
		switch {
		case strings.HasPrefix(t, "0b"):
			base, t = 2, t[2:]
		case strings.HasPrefix(t, "0x"):
			base, t = 16, t[2:]
		case len(t) > 1 && t[0] == '0':
			base = 8
		}
		v, err := strconv.ParseInt(t, base, 64)
		if err != nil {
			return nil, &ConfigError{File: file, Line: n.Line, Msg: fmt.Sprintf("integer %q out of range", s)}
		}
		if neg {
			v = -v
		}
		return v, nil
	case yaml11Float.MatchString(s):
		t := strings.ToLower(strings.ReplaceAll(s, "_", ""))
		switch strings.TrimLeft(t, "+-") {
		case ".inf":
			if strings.HasPrefix(t, "-") {
				return math.Inf(-1), nil
			}
			return math.Inf(1), nil
		case ".nan":
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, &ConfigError{File: file, Line: n.Line, Msg: fmt.Sprintf("bad float %q", s)}
		}
		return f, nil
	}
	return s, nil
}
