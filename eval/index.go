package eval

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/internal/editdist"
	"github.com/fmkit/fmkit/internal/py"
)

// Kind says what a name in the index stands for.
type Kind int

// The kinds of index entries.
const (
	KindTask Kind = iota
	KindGroup
	KindTag
)

func (k Kind) String() string {
	return [...]string{"task", "group", "tag"}[k]
}

// Entry is one named task, group or tag.
type Entry struct {
	Name string
	Kind Kind
	// File is the YAML that defines it ("" for tags), within its source.
	File   string
	Source string
	fsys   fs.FS
	dir    string // the source's folder on disk
	raw    *rawConfig
	// Members of a tag, sorted.
	Members []string
}

// Index knows every task, group and tag of a set of YAML folders. Later
// folders override earlier ones (include paths override built-ins), as
// lm-eval's later registration wins.
type Index struct {
	entries map[string]*Entry
	notices []Notice
	res     *resolver
}

// UsePython lets the index's tasks run Python task functions that have no
// Go port through p (see Python). Call it before Load.
func (ix *Index) UsePython(p *Python) { ix.res = newResolver(p) }

// Python is the bridge in use, or nil.
func (ix *Index) Python() *Python { return ix.res.python }

// A Notice is something NewIndex tolerated the way lm-eval does instead of
// failing: a template file that is neither a task nor a group (skipped
// when indexing, still includable), or a task or group that a later
// source defines again and so replaces (a Warning).
type Notice struct {
	File    string
	Msg     string
	Warning bool
}

func (n Notice) String() string { return n.File + ": " + n.Msg }

// Notices returns what NewIndex tolerated, in the order it met it.
func (ix *Index) Notices() []Notice { return ix.notices }

// TaskSource is a folder of task YAMLs: the built-in eval/tasks files or a
// directory given with --include-path.
type TaskSource struct {
	Name string // shown in listings, e.g. "builtin" or the directory
	FS   fs.FS
	// Dir is FS's folder on disk, where Python finds the modules that
	// `!function` names; "" for a source that is not on disk.
	Dir string
	// Limits bound what each YAML file of the source may cost to read;
	// the zero value means the defaults (see YAMLLimits).
	Limits YAMLLimits
}

// NewIndex reads every *.yaml file of the sources (files named *_yaml are
// only includable, as in lm-eval). A malformed file is an error naming it.
func NewIndex(sources ...TaskSource) (*Index, error) {
	ix := &Index{entries: map[string]*Entry{}, res: newResolver(nil)}
	for _, src := range sources {
		if err := src.Limits.Validate(); err != nil {
			return nil, fmt.Errorf("task folder %s: %w", src.Name, err)
		}
		var files []string
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "__pycache__" || d.Name() == ".ipynb_checkpoints" || (strings.HasPrefix(d.Name(), ".") && p != ".")) {
				return fs.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".yaml") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("eval: task folder %s: %w", src.Name, err)
		}
		sort.Strings(files)
		local := map[string]*Entry{}
		for _, f := range files {
			cfg, err := loadYAMLWithin(src.FS, f, map[string]bool{}, newYAMLBudget(src.Limits))
			if err != nil {
				return nil, withSource(err, src.Name)
			}
			if src.Dir != "" {
				bindDir(cfg.dict, src.Dir)
			}
			if err := ix.add(local, src, f, cfg); err != nil {
				return nil, withSource(err, src.Name)
			}
		}
		for _, name := range sortedKeys(local) {
			e := local[name]
			if prev, ok := ix.entries[name]; ok && e.Kind != KindTag {
				ix.notices = append(ix.notices, Notice{File: path.Join(src.Name, e.File), Warning: true,
					Msg: fmt.Sprintf("%s %s replaces the %s of that name from %s", e.Kind, name, prev.Kind, path.Join(prev.Source, prev.File))})
			}
			ix.entries[name] = e
		}
	}
	return ix, nil
}

// bindDir records the source's folder in every Function of a parsed file.
func bindDir(v any, dir string) any {
	switch x := v.(type) {
	case Function:
		x.dir = dir
		return x
	case *py.Dict:
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			x.Set(k, bindDir(e, dir))
		}
	case []any:
		for i, e := range x {
			x[i] = bindDir(e, dir)
		}
	}
	return v
}

func withSource(err error, source string) error {
	if ce, ok := err.(*ConfigError); ok && source != "" && source != "builtin" {
		c := *ce
		c.File = path.Join(source, c.File)
		return &c
	}
	return err
}

func (ix *Index) add(local map[string]*Entry, src TaskSource, file string, cfg *rawConfig) error {
	if g, ok := cfg.dict.Get("group"); ok && g != nil {
		if _, isStr := g.(string); !isStr {
			return &ConfigError{File: file, Line: cfg.lines["group"], Msg: "group: expected a group name"}
		}
		name := g.(string)
		if _, dup := local[name]; !dup {
			local[name] = &Entry{Name: name, Kind: KindGroup, File: file, Source: src.Name, fsys: src.FS, raw: cfg}
		}
		return nil
	}
	t, ok := cfg.dict.Get("task")
	if !ok {
		// A template for include: (lm-eval skips it when indexing).
		ix.notices = append(ix.notices, Notice{File: path.Join(src.Name, file), Msg: "neither a task nor a group: a template, skipped (still includable)"})
		return nil
	}
	name, isStr := t.(string)
	if !isStr {
		return &ConfigError{File: file, Line: cfg.lines["task"], Msg: "task: expected a task name"}
	}
	if _, dup := local[name]; dup {
		return nil
	}
	local[name] = &Entry{Name: name, Kind: KindTask, File: file, Source: src.Name, fsys: src.FS, raw: cfg, dir: src.Dir}
	var tags []string
	switch x := mustGet(cfg.dict, "tag").(type) {
	case string:
		tags = []string{x}
	case []any:
		for _, e := range x {
			tags = append(tags, py.Str(e))
		}
	}
	for _, tag := range tags {
		e, ok := local[tag]
		if !ok {
			e, ok = ix.entries[tag]
			if ok && e.Kind == KindTag {
				copyE := *e
				copyE.Members = append([]string{}, e.Members...)
				e = &copyE
			} else {
				e = &Entry{Name: tag, Kind: KindTag, Source: src.Name}
			}
			local[tag] = e
		}
		if e.Kind == KindTag && !slices.Contains(e.Members, name) {
			e.Members = append(e.Members, name)
			sort.Strings(e.Members)
		}
	}
	return nil
}

func mustGet(d *py.Dict, k string) any {
	v, _ := d.Get(k)
	return v
}

// Lookup returns the entry for name.
func (ix *Index) Lookup(name string) (*Entry, bool) {
	e, ok := ix.entries[name]
	return e, ok
}

// Entries returns every entry, sorted by name.
func (ix *Index) Entries() []*Entry {
	out := make([]*Entry, 0, len(ix.entries))
	for _, k := range sortedKeys(ix.entries) {
		out = append(out, ix.entries[k])
	}
	return out
}

// UnknownTaskError is a task name the index does not have.
type UnknownTaskError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownTaskError) Error() string {
	msg := fmt.Sprintf("eval: unknown task %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += " (did you mean " + strings.Join(e.Suggestions, ", ") + "?)"
	}
	return msg + "; run 'fmkit tasks list' to see the tasks"
}

func (ix *Index) unknown(name string) error {
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	lname := strings.ToLower(name)
	for n := range ix.entries {
		d := editdist.Levenshtein(lname, strings.ToLower(n))
		if strings.HasPrefix(strings.ToLower(n), lname) {
			d = min(d, 1)
		}
		if d <= max(2, len(name)/4) {
			cands = append(cands, cand{n, d})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].name < cands[j].name
	})
	e := &UnknownTaskError{Name: name}
	for i := 0; i < len(cands) && i < 3; i++ {
		e.Suggestions = append(e.Suggestions, cands[i].name)
	}
	return e
}

// Group is a loaded group: its children in order (tasks and groups) and its
// aggregation.
type Group struct {
	Name     string
	Alias    string
	Children []any // *Task or *Group
	Config   *GroupConfig
}

// ChildNames returns the names of the direct children.
func (g *Group) ChildNames() []string {
	var out []string
	for _, c := range g.Children {
		switch x := c.(type) {
		case *Task:
			out = append(out, x.Name)
		case *Group:
			out = append(out, x.Name)
		}
	}
	return out
}

// Tasks returns every leaf task under the group, depth first.
func (g *Group) Tasks() []*Task {
	var out []*Task
	for _, c := range g.Children {
		switch x := c.(type) {
		case *Task:
			out = append(out, x)
		case *Group:
			out = append(out, x.Tasks()...)
		}
	}
	return out
}

// Version is the group's metadata.version, or "N/A".
func (g *Group) Version() any {
	if g.Config != nil {
		if v, ok := g.Config.Metadata["version"]; ok {
			return py.Str(v)
		}
	}
	return "N/A"
}

// Suite is what a list of names resolves to: the leaf tasks in evaluation
// order and every group.
type Suite struct {
	Tasks  []*Task
	Groups []*Group
	Roots  []any // the requested items: *Task or *Group
}

// Load resolves task, group and tag names (or YAML file paths) into tasks.
func (ix *Index) Load(names []string) (*Suite, error) {
	if len(names) == 0 {
		// --tasks ",," used to run nothing and exit 0.
		return nil, fmt.Errorf("%w: expected at least one task, group or tag name", ErrNoTasks)
	}
	s := &Suite{}
	seenTask := map[string]string{}
	for _, name := range names {
		e, ok := ix.entries[name]
		if !ok {
			return nil, ix.unknown(name)
		}
		var items []any
		switch e.Kind {
		case KindTask:
			t, err := ix.buildTask(e, nil)
			if err != nil {
				return nil, err
			}
			items = []any{t}
		case KindTag:
			for _, m := range e.Members {
				t, err := ix.buildTask(ix.entries[m], nil)
				if err != nil {
					return nil, err
				}
				items = append(items, t)
			}
		case KindGroup:
			g, err := ix.buildGroup(e.Name, e.raw, nil, map[string]bool{})
			if err != nil {
				return nil, err
			}
			items = []any{g}
		}
		for _, it := range items {
			s.Roots = append(s.Roots, it)
			var tasks []*Task
			switch x := it.(type) {
			case *Task:
				tasks = []*Task{x}
			case *Group:
				tasks = x.Tasks()
				s.collectGroups(x)
			}
			for _, t := range tasks {
				if prev, dup := seenTask[t.Name]; dup {
					return nil, fmt.Errorf("eval: task %s is in both %s and %s; evaluate overlapping groups in separate runs", t.Name, prev, name)
				}
				seenTask[t.Name] = name
				s.Tasks = append(s.Tasks, t)
			}
		}
	}
	return s, nil
}

func (s *Suite) collectGroups(g *Group) {
	s.Groups = append(s.Groups, g)
	for _, c := range g.Children {
		if sub, ok := c.(*Group); ok {
			s.collectGroups(sub)
		}
	}
}

// buildTask merges overrides (from a group) over the task's YAML.
func (ix *Index) buildTask(e *Entry, overrides *py.Dict) (*Task, error) {
	cfg, cls, err := withClass(e.raw, e.dir)
	if err != nil {
		return nil, withSource(err, e.Source)
	}
	if overrides != nil && len(overrides.Keys()) > 0 {
		d := copyDict(cfg.dict)
		lines := map[string]int{}
		for k, v := range cfg.lines {
			lines[k] = v
		}
		for _, k := range overrides.Keys() {
			v, _ := overrides.Get(k)
			d.Set(k, v)
		}
		cfg = &rawConfig{file: cfg.file, dict: d, lines: lines}
	}
	tc, err := parseTaskConfig(cfg, ix.res)
	if err != nil {
		return nil, withSource(err, e.Source)
	}
	t, err := newTask(tc, e.File, ix.res)
	if t != nil {
		t.class = cls
	}
	return t, err
}

var groupFields = map[string]bool{"group": true, "group_alias": true, "task": true, "aggregate_metric_list": true, "metadata": true}

func (ix *Index) buildGroup(name string, cfg *rawConfig, overrides *py.Dict, building map[string]bool) (*Group, error) {
	if building[name] {
		return nil, &ConfigError{File: cfg.file, Msg: fmt.Sprintf("group %s contains itself", name)}
	}
	building[name] = true
	defer delete(building, name)
	gc, err := parseGroupConfig(cfg)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: name, Alias: gc.Alias, Config: gc}
	// Keys that are not group fields are overrides for every member.
	merged := py.NewDict()
	for _, k := range cfg.dict.Keys() {
		if !groupFields[k] {
			v, _ := cfg.dict.Get(k)
			merged.Set(k, v)
		}
	}
	if overrides != nil {
		for _, k := range overrides.Keys() {
			v, _ := overrides.Get(k)
			merged.Set(k, v)
		}
	}
	for _, item := range gc.rawTasks {
		switch x := item.(type) {
		case string:
			e, ok := ix.entries[x]
			if !ok {
				return nil, &ConfigError{File: cfg.file, Line: cfg.lines["task"], Msg: fmt.Sprintf("group %s: %v", name, ix.unknown(x))}
			}
			switch e.Kind {
			case KindTask:
				t, err := ix.buildTask(e, merged)
				if err != nil {
					return nil, err
				}
				g.Children = append(g.Children, t)
			case KindTag:
				for _, m := range e.Members {
					t, err := ix.buildTask(ix.entries[m], merged)
					if err != nil {
						return nil, err
					}
					g.Children = append(g.Children, t)
				}
			case KindGroup:
				sub, err := ix.buildGroup(e.Name, e.raw, merged, building)
				if err != nil {
					return nil, err
				}
				g.Children = append(g.Children, sub)
			}
		case *py.Dict:
			if gname, ok := x.Get("group"); ok {
				gn := py.Str(gname)
				if e, ok := ix.entries[gn]; ok && e.Kind == KindGroup {
					ov := copyDict(merged)
					for _, k := range x.Keys() {
						if k != "group" {
							v, _ := x.Get(k)
							ov.Set(k, v)
						}
					}
					sub, err := ix.buildGroup(gn, e.raw, ov, building)
					if err != nil {
						return nil, err
					}
					g.Children = append(g.Children, sub)
					continue
				}
				sub, err := ix.buildGroup(name+"::"+gn, &rawConfig{file: cfg.file, dict: x, lines: cfg.lines}, merged, building)
				if err != nil {
					return nil, err
				}
				g.Children = append(g.Children, sub)
				continue
			}
			tname, ok := x.Get("task")
			if !ok {
				return nil, &ConfigError{File: cfg.file, Line: cfg.lines["task"], Msg: fmt.Sprintf("group %s: an entry needs a 'task' or 'group' key", name)}
			}
			ov := copyDict(merged)
			for _, k := range x.Keys() {
				v, _ := x.Get(k)
				ov.Set(k, v)
			}
			if e, ok := ix.entries[py.Str(tname)]; ok && e.Kind == KindTask {
				t, err := ix.buildTask(e, ov)
				if err != nil {
					return nil, err
				}
				g.Children = append(g.Children, t)
				continue
			}
			ov.Set("task", name+"::"+py.Str(tname))
			tc, err := parseTaskConfig(&rawConfig{file: cfg.file, dict: ov, lines: cfg.lines}, ix.res)
			if err != nil {
				return nil, err
			}
			t, err := newTask(tc, cfg.file, ix.res)
			if err != nil {
				return nil, err
			}
			g.Children = append(g.Children, t)
		default:
			return nil, &ConfigError{File: cfg.file, Line: cfg.lines["task"], Msg: fmt.Sprintf("group %s: unsupported entry %s", name, describe(item))}
		}
	}
	return g, nil
}
