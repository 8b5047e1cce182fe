package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/internal/editdist"
)

// Source names a dataset as lm-eval task configs do: dataset_path,
// dataset_name and the data_files / data_dir / revision of dataset_kwargs.
type Source struct {
	// Path is a Hub dataset ID ("org/name"), a local directory, one of
	// the builder names "json", "csv", "parquet" used with DataFiles, or
	// GeneratedPrefix and the name of a registered Generator.
	Path string
	// Name is the configuration (dataset_name); empty selects the default.
	Name string
	// DataFiles maps split names to file paths or glob patterns. With a
	// builder Path they are local files; with a Hub ID, files of the repo.
	DataFiles map[string][]string
	// DataDir restricts file discovery to a folder of the repository.
	DataDir string
	// Revision is a Hub branch, tag or commit; the default is "main".
	Revision string
}

func (s Source) String() string {
	if s.Name != "" {
		return s.Path + "/" + s.Name
	}
	return s.Path
}

// Loader loads dataset splits. The zero value reads local files only.
type Loader struct {
	// Hub serves Hub datasets; nil means local files only.
	Hub *hub.Client
	// Progress, if set, is called as dataset files download.
	Progress func(file string, done, total int64)
}

// Load returns the documents of one split. A Path starting with
// GeneratedPrefix is computed by a registered Generator.
func (l *Loader) Load(ctx context.Context, src Source, split string) ([]Doc, error) {
	if strings.HasPrefix(src.Path, GeneratedPrefix) {
		return loadGenerated(ctx, src, split)
	}
	files, err := l.resolve(ctx, src, split)
	if err != nil {
		return nil, err
	}
	var docs []Doc
	for _, f := range files {
		d, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

// ReadFile reads a JSON, JSON Lines, CSV or Parquet file, chosen by its
// extension (.json, .jsonl, .csv, .tsv is not supported, .parquet).
func ReadFile(name string) ([]Doc, error) {
	switch fileFormat(name) {
	case "parquet":
		return ReadParquetFile(name)
	case "json", "csv":
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		defer f.Close()
		if fileFormat(name) == "csv" {
			return ReadCSV(f, name)
		}
		return ReadJSON(f, name)
	}
	return nil, fmt.Errorf("data: %s: unsupported file type (expected .json, .jsonl, .csv or .parquet)", name)
}

func fileFormat(name string) string {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	switch {
	case strings.HasSuffix(n, ".parquet"):
		return "parquet"
	case strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".json"), strings.HasSuffix(n, ".ndjson"):
		return "json"
	case strings.HasSuffix(n, ".csv"):
		return "csv"
	}
	return ""
}

// resolve returns the local paths of the split's files.
func (l *Loader) resolve(ctx context.Context, src Source, split string) ([]string, error) {
	switch src.Path {
	case "json", "csv", "parquet", "text", "arrow":
		if src.Path == "text" || src.Path == "arrow" {
			return nil, fmt.Errorf("data: dataset builder %q is not supported (use json, csv or parquet)", src.Path)
		}
		pats, ok := src.DataFiles[split]
		if !ok {
			return nil, fmt.Errorf("data: %s: no data_files for split %q (have %s)", src.Path, split, splitNames(src.DataFiles))
		}
		return globLocal(pats)
	}
	if st, err := os.Stat(src.Path); err == nil && st.IsDir() {
		return l.resolveDir(src, split)
	}
	if l.Hub == nil {
		return nil, fmt.Errorf("data: %s: not a local directory and no Hub client configured", src.Path)
	}
	return l.resolveHub(ctx, src, split)
}

func splitNames(m map[string][]string) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func globLocal(pats []string) ([]string, error) {
	var out []string
	for _, p := range pats {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("data: bad pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("data: %s: no such file", p)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// resolveDir treats a local directory like a Hub repository snapshot.
func (l *Loader) resolveDir(src Source, split string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(src.Path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(src.Path, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	readme := func() ([]byte, error) { return os.ReadFile(filepath.Join(src.Path, "README.md")) }
	rel, err := pickFiles(src, split, files, readme)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = filepath.Join(src.Path, filepath.FromSlash(r))
	}
	return out, nil
}

func (l *Loader) resolveHub(ctx context.Context, src Source, split string) ([]string, error) {
	repo := hub.Repo{Type: hub.Dataset, ID: src.Path, Revision: src.Revision}
	listing, err := l.Hub.List(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("data: dataset %s: %w", src.Path, err)
	}
	files := make([]string, len(listing))
	hasReadme := false
	for i, f := range listing {
		files[i] = f.Path
		hasReadme = hasReadme || f.Path == "README.md"
	}
	readme := func() ([]byte, error) {
		if !hasReadme {
			return nil, os.ErrNotExist
		}
		p, err := l.Hub.Download(ctx, repo, "README.md", nil)
		if err != nil {
			return nil, err
		}
		return os.ReadFile(p)
	}
	rel, perr := pickFiles(src, split, files, readme)
	if perr != nil && l.Hub.Offline {
		return nil, fmt.Errorf("%w (%w: only files downloaded before can be used)", perr, hub.ErrOffline)
	}
	if perr != nil {
		// Script-based or unconfigured repositories: the Hub's automatic
		// Parquet conversion has one folder per config and split.
		conv := hub.Repo{Type: hub.Dataset, ID: src.Path, Revision: "refs/convert/parquet"}
		convFiles, cerr := l.Hub.List(ctx, conv)
		if cerr != nil {
			return nil, perr
		}
		rel = parquetConversion(src.Name, split, convFiles)
		if len(rel) == 0 {
			return nil, perr
		}
		repo = conv
	}
	out := make([]string, len(rel))
	for i, f := range rel {
		var progress func(done, total int64)
		if l.Progress != nil {
			name := f
			progress = func(done, total int64) { l.Progress(name, done, total) }
		}
		p, err := l.Hub.Download(ctx, repo, f, progress)
		if err != nil {
			return nil, fmt.Errorf("data: dataset %s: %w", src.Path, err)
		}
		out[i] = p
	}
	return out, nil
}

// parquetConversion picks {config}/{split}/NNNN.parquet (or the
// partial-{split} folder of truncated conversions).
func parquetConversion(config, split string, files []hub.File) []string {
	if config == "" {
		config = "default"
	}
	var out []string
	for _, prefix := range []string{config + "/" + split + "/", config + "/partial-" + split + "/"} {
		for _, f := range files {
			if strings.HasPrefix(f.Path, prefix) && strings.HasSuffix(f.Path, ".parquet") && !strings.Contains(f.Path[len(prefix):], "/") {
				out = append(out, f.Path)
			}
		}
		if len(out) > 0 {
			sort.Strings(out)
			return out
		}
	}
	return nil
}

// cardConfig is one entry of the dataset card's `configs:` list.
type cardConfig struct {
	Name      string    `yaml:"config_name"`
	DataFiles yaml.Node `yaml:"data_files"`
	DataDir   string    `yaml:"data_dir"`
	Default   bool      `yaml:"default"`
}

// pickFiles chooses the split's files among the repository files: from the
// card's configs, else data_files, else the default split patterns.
func pickFiles(src Source, split string, files []string, readme func() ([]byte, error)) ([]string, error) {
	if len(src.DataFiles) > 0 {
		pats, ok := src.DataFiles[split]
		if !ok {
			return nil, fmt.Errorf("data: %s: no data_files for split %q (have %s)", src, split, splitNames(src.DataFiles))
		}
		return matchAll(src, split, pats, files)
	}
	var configs []cardConfig
	if b, err := readme(); err == nil {
		configs, err = parseCard(b)
		if err != nil {
			return nil, fmt.Errorf("data: %s: dataset card: %w", src.Path, err)
		}
	}
	if len(configs) > 0 {
		cfg, err := chooseConfig(src, configs)
		if err != nil {
			return nil, err
		}
		splits, err := cardSplits(cfg.DataFiles)
		if err != nil {
			return nil, fmt.Errorf("data: %s: config %q: %w", src.Path, cfg.Name, err)
		}
		if len(splits) == 0 {
			dir := cfg.DataDir
			return defaultSplitFiles(src, split, filterDir(files, dir))
		}
		pats, ok := splits[split]
		if !ok {
			return nil, fmt.Errorf("data: %s: config %q has no split %q (have %s)", src.Path, cfg.Name, split, splitNames(splits))
		}
		if cfg.DataDir != "" {
			for i, p := range pats {
				pats[i] = path.Join(cfg.DataDir, p)
			}
		}
		return matchAll(src, split, pats, files)
	}
	if src.Name != "" && src.Name != "default" {
		return nil, fmt.Errorf("data: %s: no config named %q (the dataset card defines no configs)", src.Path, src.Name)
	}
	return defaultSplitFiles(src, split, filterDir(files, src.DataDir))
}

func filterDir(files []string, dir string) []string {
	if dir == "" {
		return files
	}
	dir = strings.Trim(dir, "/") + "/"
	var out []string
	for _, f := range files {
		if strings.HasPrefix(f, dir) {
			out = append(out, f)
		}
	}
	return out
}

func chooseConfig(src Source, configs []cardConfig) (cardConfig, error) {
	var names []string
	for _, c := range configs {
		if c.Name == "" {
			c.Name = "default"
		}
		names = append(names, c.Name)
		if src.Name != "" && c.Name == src.Name {
			return c, nil
		}
	}
	if src.Name == "" {
		for _, c := range configs {
			if c.Default || c.Name == "default" || c.Name == "" {
				return c, nil
			}
		}
		if len(configs) == 1 {
			return configs[0], nil
		}
		return cardConfig{}, fmt.Errorf("data: %s: a config name is needed (dataset_name): one of %s", src.Path, strings.Join(names, ", "))
	}
	return cardConfig{}, fmt.Errorf("data: %s: no config named %q; available: %s%s", src.Path, src.Name, strings.Join(names, ", "), suggest(src.Name, names))
}

func suggest(name string, names []string) string {
	best, bestD := "", 1<<30
	for _, n := range names {
		if d := editdist.Levenshtein(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" && bestD <= max(2, len(name)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// parseCard reads the configs from a dataset card's YAML front matter.
func parseCard(b []byte) ([]cardConfig, error) {
	s := string(b)
	if !strings.HasPrefix(s, "---") {
		return nil, nil
	}
	rest := s[3:]
	end := strings.Index(rest, "\n---")
	if end < 0 {
		return nil, errors.New("unterminated YAML front matter")
	}
	var meta struct {
		Configs []cardConfig `yaml:"configs"`
	}
	if err := yaml.Unmarshal([]byte(rest[:end]), &meta); err != nil {
		return nil, err
	}
	return meta.Configs, nil
}

// cardSplits normalizes data_files: a string or list (the train split), or
// a list of {split, path}.
func cardSplits(n yaml.Node) (map[string][]string, error) {
	out := map[string][]string{}
	switch n.Kind {
	case 0:
		return out, nil
	case yaml.ScalarNode:
		out["train"] = []string{n.Value}
		return out, nil
	case yaml.SequenceNode:
		for _, item := range n.Content {
			switch item.Kind {
			case yaml.ScalarNode:
				out["train"] = append(out["train"], item.Value)
			case yaml.MappingNode:
				var e struct {
					Split string    `yaml:"split"`
					Path  yaml.Node `yaml:"path"`
				}
				if err := item.Decode(&e); err != nil {
					return nil, err
				}
				var paths []string
				if e.Path.Kind == yaml.SequenceNode {
					if err := e.Path.Decode(&paths); err != nil {
						return nil, err
					}
				} else {
					paths = []string{e.Path.Value}
				}
				out[e.Split] = append(out[e.Split], paths...)
			}
		}
		return out, nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if v.Kind == yaml.SequenceNode {
				var paths []string
				if err := v.Decode(&paths); err != nil {
					return nil, err
				}
				out[k] = paths
			} else {
				out[k] = []string{v.Value}
			}
		}
		return out, nil
	}
	return nil, errors.New("data_files: expected a string, a list or a mapping")
}

func matchAll(src Source, split string, pats, files []string) ([]string, error) {
	var out []string
	for _, p := range pats {
		re, err := globRegexp(strings.TrimPrefix(p, "./"))
		if err != nil {
			return nil, fmt.Errorf("data: %s: bad data_files pattern %q: %w", src, p, err)
		}
		var m []string
		for _, f := range files {
			if re.MatchString(f) && fileFormat(f) != "" {
				m = append(m, f)
			}
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("data: %s: split %q: no file matches %q", src, split, p)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// Default split patterns of `datasets` (data_files.py), tried in order:
// sharded data/{split}-NNNNN-of-NNNNN files, then split names in folder
// names, then in file names.
var splitKeywords = map[string][]string{
	"train":      {"train", "training"},
	"validation": {"validation", "valid", "dev", "val"},
	"test":       {"test", "testing", "eval", "evaluation"},
}

func defaultSplitFiles(src Source, split string, files []string) ([]string, error) {
	var data []string
	for _, f := range files {
		if fileFormat(f) != "" && !hiddenPath(f) {
			data = append(data, f)
		}
	}
	sharded := regexp.MustCompile(`^data/([A-Za-z0-9_.-]+?)-[0-9]{5}-of-[0-9]{5}[^/]*$`)
	var shardMatch []string
	anySharded := false
	for _, f := range data {
		if m := sharded.FindStringSubmatch(f); m != nil {
			anySharded = true
			if m[1] == split {
				shardMatch = append(shardMatch, f)
			}
		}
	}
	if anySharded {
		if len(shardMatch) == 0 {
			return nil, fmt.Errorf("data: %s: no files for split %q", src, split)
		}
		sort.Strings(shardMatch)
		return shardMatch, nil
	}
	keywords, known := splitKeywords[split]
	if !known {
		keywords = []string{split}
	}
	const sep = `[-._ 0-9]`
	for _, inDir := range []bool{true, false} {
		found := map[string][]string{}
		for s, kws := range splitKeywords {
			if !known && s != split {
				continue
			}
			if !known {
				kws = keywords
			}
			for _, kw := range kws {
				var re *regexp.Regexp
				k := regexp.QuoteMeta(kw)
				if inDir {
					re = regexp.MustCompile(`(^|/)(` + k + `|` + k + sep + `[^/]*|[^/]*` + sep + k + `|[^/]*` + sep + k + sep + `[^/]*)/`)
				} else {
					re = regexp.MustCompile(`(^|/)(` + k + sep + `[^/]*|[^/]*` + sep + k + sep + `[^/]*)$`)
				}
				for _, f := range data {
					if re.MatchString(f) {
						found[s] = append(found[s], f)
					}
				}
				if len(found[s]) > 0 {
					break
				}
			}
		}
		if len(found) > 0 {
			m := found[split]
			if len(m) == 0 {
				return nil, fmt.Errorf("data: %s: no files for split %q (found %s)", src, split, splitNames(found))
			}
			sort.Strings(m)
			return m, nil
		}
	}
	if split == "train" && len(data) > 0 {
		sort.Strings(data)
		return data, nil
	}
	return nil, fmt.Errorf("data: %s: no data files for split %q", src, split)
}

func hiddenPath(f string) bool {
	for _, part := range strings.Split(f, "/") {
		if strings.HasPrefix(part, ".") || strings.HasPrefix(part, "__") {
			return true
		}
	}
	return path.Base(f) == "README.md"
}

// globRegexp translates an fsspec glob: * and ? stay within a folder, **
// crosses folders, [...] is a character class.
func globRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '*':
			if i+1 < len(pat) && pat[i+1] == '*' {
				i++
				if i+1 < len(pat) && pat[i+1] == '/' {
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(pat[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pat[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
