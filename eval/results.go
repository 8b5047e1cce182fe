package eval

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/py"
)

// GroupResult is a group's aggregated metrics: the micro average (weighted
// by task size, lm-eval's default) and the macro average over leaf tasks.
type GroupResult struct {
	Name    string
	Metrics *py.Dict
	Macro   map[string]float64 // "acc,none" -> unweighted mean over leaf tasks
	Human   float64            // micro average of the leaf tasks' human accuracy, or NaN
}

// Groups aggregates the finished tasks into the suite's groups, children
// before parents; groups whose tasks did not all finish are skipped.
func (run *Run) Groups() []*GroupResult {
	byName := map[string]*TaskResult{}
	for _, r := range run.Results {
		byName[r.Name] = r
	}
	var out []*GroupResult
	for _, g := range run.Suite.Groups {
		leaves := g.Tasks()
		complete := true
		for _, t := range leaves {
			if byName[t.Name] == nil {
				complete = false
			}
		}
		if !complete {
			continue
		}
		gr := &GroupResult{Name: g.Name, Metrics: py.NewDict(), Macro: map[string]float64{}, Human: math.NaN()}
		alias := g.Alias
		if alias == "" {
			alias = g.Name
		}
		gr.Metrics.Set("alias", alias)
		gr.Metrics.Set("name", g.Name)
		if g.Config == nil || len(g.Config.Aggregate) == 0 {
			out = append(out, gr)
			continue
		}
		total := 0
		for _, t := range leaves {
			total += byName[t.Name].SampleLen
		}
		gr.Metrics.Set("sample_len", int64(total))
		counts := py.NewDict()
		for _, ac := range g.Config.Aggregate {
			filters := ac.Filters
			if filters == nil {
				seen := map[string]bool{}
				for _, t := range leaves {
					for _, k := range byName[t.Name].Metrics.Keys() {
						if m, f, ok := strings.Cut(k, ","); ok && m == ac.Metric {
							seen[f] = true
						}
					}
				}
				filters = sortedKeys(seen)
			}
			for _, f := range filters {
				key := ac.Metric + "," + f
				seKey := ac.Metric + "_stderr," + f
				var vals, ses []float64
				var sizes []int
				seOK := true
				for _, t := range leaves {
					r := byName[t.Name]
					v, ok := r.Metrics.Get(key)
					if !ok {
						continue
					}
					vals = append(vals, v.(float64))
					sizes = append(sizes, r.SampleLen)
					if se, ok := r.Metrics.Get(seKey); ok {
						if sf, isF := se.(float64); isF {
							ses = append(ses, sf)
						} else {
							seOK = false
						}
					}
				}
				if len(vals) == 0 {
					continue
				}
				num, den, macro := 0.0, 0.0, 0.0
				for i, v := range vals {
					w := 1.0
					if ac.WeightBySize {
						w = float64(sizes[i])
					}
					num += v * w
					den += w
					macro += v
				}
				gr.Metrics.Set(key, num/den)
				gr.Macro[key] = macro / float64(len(vals))
				if seOK && len(ses) == len(vals) {
					gr.Metrics.Set(seKey, pooledStderr(ses, sizes))
				} else {
					gr.Metrics.Set(seKey, "N/A")
				}
				n := 0
				for _, s := range sizes {
					n += s
				}
				counts.Set(key, int64(n))
			}
		}
		gr.Metrics.Set("sample_count", counts)
		hs, hn := 0.0, 0
		for _, t := range leaves {
			r := byName[t.Name]
			if !math.IsNaN(r.HumanAccuracy) {
				hs += r.HumanAccuracy * float64(r.SampleLen)
				hn += r.SampleLen
			}
		}
		if hn > 0 {
			gr.Human = hs / float64(hn)
		}
		out = append(out, gr)
	}
	return out
}

// RunInfo describes the run for the results file's config section.
type RunInfo struct {
	Model      string
	ModelArgs  string
	BatchSize  string
	Limit      float64
	RandomSeed int64
}

// ResultsJSON builds the results file in lm-eval's layout.
func (run *Run) ResultsJSON(info RunInfo) *py.Dict {
	out := py.NewDict()
	results := py.NewDict()
	for _, r := range run.Results {
		results.Set(r.Name, r.Metrics)
	}
	groups := run.Groups()
	groupsDict := py.NewDict()
	for _, g := range groups {
		results.Set(g.Name, g.Metrics)
		if _, ok := g.Metrics.Get("sample_len"); ok {
			groupsDict.Set(g.Name, g.Metrics)
		}
	}
	out.Set("results", results)
	if len(groupsDict.Keys()) > 0 {
		out.Set("groups", groupsDict)
	}
	subtasks := py.NewDict()
	for _, g := range run.Suite.Groups {
		names := g.ChildNames()
		l := make([]any, len(names))
		for i, n := range names {
			l[i] = n
		}
		subtasks.Set(g.Name, l)
	}
	out.Set("group_subtasks", subtasks)
	configs, versions, nshot, hib, nsamples := py.NewDict(), py.NewDict(), py.NewDict(), py.NewDict(), py.NewDict()
	sorted := append([]*TaskResult{}, run.Results...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	groupNames := map[string]bool{}
	for _, g := range run.Suite.Groups {
		groupNames[g.Name] = true
	}
	versionOf := map[string]any{}
	nshotOf := map[string]any{}
	hibOf := map[string]*py.Dict{}
	for _, r := range sorted {
		configs.Set(r.Name, r.task.configDump())
		versionOf[r.Name] = r.task.version()
		nshotOf[r.Name] = int64(r.task.NumFewshot)
		h := py.NewDict()
		for _, mc := range r.task.Config.Metrics {
			h.Set(mc.Name, mc.higherIsBetter())
		}
		hibOf[r.Name] = h
	}
	for _, g := range run.Suite.Groups {
		versionOf[g.Name] = g.Version()
		vals := map[int64]bool{}
		h := py.NewDict()
		for _, c := range g.ChildNames() {
			if n, ok := nshotOf[c]; ok {
				vals[n.(int64)] = true
			}
			if ch, ok := hibOf[c]; ok {
				for _, k := range ch.Keys() {
					v, _ := ch.Get(k)
					if prev, seen := h.Get(k); seen && prev != v {
						h.Set(k, nil)
					} else if !seen {
						h.Set(k, v)
					}
				}
			}
		}
		if len(vals) == 1 {
			for n := range vals {
				nshotOf[g.Name] = n
			}
		}
		if len(h.Keys()) > 0 {
			hibOf[g.Name] = h
		}
	}
	for _, k := range sortedKeys(versionOf) {
		versions.Set(k, versionOf[k])
	}
	for _, k := range sortedKeys(nshotOf) {
		nshot.Set(k, nshotOf[k])
	}
	for _, k := range sortedKeys(hibOf) {
		hib.Set(k, hibOf[k])
	}
	for _, r := range run.Results {
		c := py.NewDict()
		c.Set("original", int64(r.OriginalLen))
		c.Set("effective", int64(r.SampleLen))
		nsamples.Set(r.Name, c)
	}
	out.Set("configs", configs)
	out.Set("versions", versions)
	out.Set("n-shot", nshot)
	out.Set("higher_is_better", hib)
	out.Set("n-samples", nsamples)
	cfg := py.NewDict()
	cfg.Set("model", info.Model)
	cfg.Set("model_args", info.ModelArgs)
	cfg.Set("batch_size", info.BatchSize)
	cfg.Set("batch_sizes", []any{})
	cfg.Set("device", "cpu")
	cfg.Set("use_cache", nil)
	if info.Limit > 0 {
		cfg.Set("limit", info.Limit)
	} else {
		cfg.Set("limit", nil)
	}
	cfg.Set("bootstrap_iters", int64(run.bootstrapIters()))
	if run.opts.GenKwargs != nil {
		cfg.Set("gen_kwargs", run.opts.GenKwargs)
	} else {
		cfg.Set("gen_kwargs", nil)
	}
	cfg.Set("random_seed", info.RandomSeed)
	cfg.Set("numpy_seed", int64(1234))
	cfg.Set("torch_seed", int64(1234))
	seed := int64(1234)
	if run.opts.FewshotSeed != nil {
		seed = *run.opts.FewshotSeed
	}
	cfg.Set("fewshot_seed", seed)
	out.Set("config", cfg)
	out.Set("git_hash", nil)
	out.Set("date", float64(run.Start.UnixNano())/1e9)
	hashes := py.NewDict()
	for _, r := range run.Results {
		if len(r.Samples) == 0 {
			continue
		}
		var b strings.Builder
		for _, s := range r.Samples {
			for _, k := range []string{"doc_hash", "prompt_hash", "target_hash"} {
				v, _ := s.Get(k)
				b.WriteString(v.(string))
			}
		}
		hashes.Set(r.Name, hashString(b.String()))
	}
	out.Set("task_hashes", hashes)
	out.Set("model_source", "fmkit")
	out.Set("model_name", info.Model)
	out.Set("model_name_sanitized", SanitizeModelName(info.Model))
	out.Set("system_instruction", nilIfEmpty(run.opts.Prompt.SystemInstruction))
	if s := run.opts.Prompt.SystemInstruction; s != "" {
		out.Set("system_instruction_sha", hashString(s))
	} else {
		out.Set("system_instruction_sha", nil)
	}
	out.Set("fewshot_as_multiturn", run.opts.Prompt.FewshotAsMultiturn)
	out.Set("chat_template", nil)
	out.Set("chat_template_sha", nil)
	out.Set("start_time", float64(run.Start.UnixNano())/1e9)
	end := run.End
	if end.IsZero() {
		end = time.Now()
	}
	out.Set("end_time", float64(end.UnixNano())/1e9)
	out.Set("total_evaluation_time_seconds", py.Str(end.Sub(run.Start).Seconds()))
	fm := py.NewDict()
	human := py.NewDict()
	for _, r := range run.Results {
		if !math.IsNaN(r.HumanAccuracy) {
			human.Set(r.Name, r.HumanAccuracy)
		}
	}
	macro := py.NewDict()
	for _, g := range groups {
		if !math.IsNaN(g.Human) {
			human.Set(g.Name, g.Human)
		}
		if len(g.Macro) > 0 {
			m := py.NewDict()
			for _, k := range sortedKeys(g.Macro) {
				m.Set(k, g.Macro[k])
			}
			macro.Set(g.Name, m)
		}
	}
	fm.Set("macro_average", macro)
	fm.Set("human_accuracy", human)
	fm.Set("interrupted", run.Interrupted)
	fm.Set("model_time_seconds", run.ModelTime.Seconds())
	out.Set("fmkit", fm)
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var sanitizeRe = regexp.MustCompile(`["<>:/|\\?*\[\]]+`)

// SanitizeModelName is lm-eval's sanitize_model_name, used for the output
// folder.
func SanitizeModelName(name string) string { return sanitizeRe.ReplaceAllString(name, "__") }

func (t *Task) version() any {
	if t.Config.Metadata != nil {
		if v, ok := t.Config.Metadata.Get("version"); ok {
			return v
		}
	}
	return "Yaml"
}

// configDump is the task config as lm-eval's TaskConfig.to_dict prints it:
// its fields in order, None values left out.
func (t *Task) configDump() *py.Dict {
	tc := t.Config
	d := py.NewDict()
	set := func(k string, v any) {
		if v == nil {
			return
		}
		if s, ok := v.(string); ok && s == "" && k != "description" {
			return
		}
		d.Set(k, v)
	}
	set("task", tc.Task)
	set("task_alias", tc.TaskAlias)
	if len(tc.Tags) == 1 {
		set("tag", tc.Tags[0])
	} else if len(tc.Tags) > 1 {
		l := make([]any, len(tc.Tags))
		for i, s := range tc.Tags {
			l[i] = s
		}
		set("tag", l)
	}
	set("dataset_path", tc.DatasetPath)
	set("dataset_name", tc.DatasetName)
	if tc.DatasetKwargs != nil {
		set("dataset_kwargs", tc.DatasetKwargs)
	}
	set("training_split", tc.TrainingSplit)
	set("validation_split", tc.ValidationSplit)
	set("test_split", tc.TestSplit)
	set("fewshot_split", tc.FewshotSplit)
	if tc.ProcessDocs != nil {
		set("process_docs", tc.ProcessDocs.String())
	}
	if tc.ProcessResults != nil {
		set("process_results", tc.ProcessResults.String())
	}
	set("doc_to_text", yamlOut(tc.DocToText))
	set("doc_to_target", yamlOut(tc.DocToTarget))
	d.Set("unsafe_code", tc.UnsafeCode)
	set("doc_to_choice", yamlOut(tc.DocToChoice))
	d.Set("description", tc.Description)
	d.Set("target_delimiter", tc.TargetDelimiter)
	d.Set("fewshot_delimiter", tc.FewshotDelimiter)
	fc := py.NewDict()
	fc.Set("sampler", tc.Fewshot.Sampler)
	if tc.Fewshot.Split != "" {
		fc.Set("split", tc.Fewshot.Split)
	}
	if tc.Fewshot.Samples != nil {
		l := make([]any, len(tc.Fewshot.Samples))
		for i, s := range tc.Fewshot.Samples {
			l[i] = s
		}
		fc.Set("samples", l)
	}
	d.Set("fewshot_config", fc)
	d.Set("num_fewshot", int64(t.NumFewshot))
	ml := make([]any, len(tc.Metrics))
	for i, m := range tc.Metrics {
		e := py.NewDict()
		e.Set("metric", m.Name)
		e.Set("aggregation", m.Aggregation)
		e.Set("higher_is_better", m.higherIsBetter())
		for _, k := range m.Kwargs.Keys() {
			v, _ := m.Kwargs.Get(k)
			e.Set(k, v)
		}
		ml[i] = e
	}
	d.Set("metric_list", ml)
	d.Set("output_type", tc.OutputType)
	if tc.GenerationKwargs != nil {
		d.Set("generation_kwargs", tc.GenerationKwargs)
	}
	d.Set("repeats", int64(tc.Repeats))
	if v, ok := tc.raw.dict.Get("filter_list"); ok {
		d.Set("filter_list", yamlOut(v))
	}
	d.Set("should_decontaminate", tc.ShouldDecontaminate)
	set("gen_prefix", tc.GenPrefix)
	if tc.Metadata != nil {
		d.Set("metadata", tc.Metadata)
	}
	return d
}

func yamlOut(v any) any {
	switch x := v.(type) {
	case Function:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlOut(e)
		}
		return out
	}
	return v
}

// WriteFiles writes results_<date>.json (and, with samples,
// samples_<task>_<date>.jsonl per task) under dir/<sanitized model name>,
// atomically, and returns the results file's path.
func (run *Run) WriteFiles(dir string, info RunInfo) (string, error) {
	out := filepath.Join(dir, SanitizeModelName(info.Model))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	date := strings.ReplaceAll(run.Start.Format("2006-01-02T15:04:05.000000"), ":", "-")
	for _, r := range run.Results {
		if len(r.Samples) == 0 {
			continue
		}
		var b strings.Builder
		for _, s := range r.Samples {
			b.WriteString(py.JSON(s, 0))
			b.WriteByte('\n')
		}
		if err := writeAtomic(filepath.Join(out, fmt.Sprintf("samples_%s_%s.jsonl", r.Name, date)), b.String()); err != nil {
			return "", err
		}
	}
	path := filepath.Join(out, fmt.Sprintf("results_%s.json", date))
	return path, writeAtomic(path, py.JSON(run.ResultsJSON(info), 2))
}

func writeAtomic(path, content string) error {
	if err := atomicfile.WriteFile(path, []byte(content)); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// ConfigJSON is the task's resolved config as JSON (the results file's
// "configs" entry).
func ConfigJSON(t *Task) string { return py.JSON(t.configDump(), 2) }

// Rendered is one document's prompt, requests and target.
type Rendered struct {
	Prompt   string   `json:"prompt"`
	Requests []string `json:"requests"`
	Target   string   `json:"target"`
}

// RenderDoc renders document id of a loaded task as the run would (the
// few-shot sampler advanced through the documents before it).
func RenderDoc(t *Task, id int) (*Rendered, error) {
	docs, err := t.BuildRequests(Options{Limit: float64(id + 1)})
	if err != nil {
		return nil, err
	}
	d := docs[id]
	r := &Rendered{Prompt: py.Str(d.Insts[0].Args[0])}
	for _, in := range d.Insts {
		r.Requests = append(r.Requests, in.Type+" "+py.Repr(py.Tuple(in.Args)))
	}
	target, err := t.docTarget(d.Doc, t.Config.DocToTarget)
	if err != nil {
		return nil, err
	}
	r.Target = py.Str(target)
	return r, nil
}

// ResultsJSONString is the results file's text.
func ResultsJSONString(run *Run, info RunInfo) string { return py.JSON(run.ResultsJSON(info), 2) }

// ParseArgs parses "k=v,k2=v2" as lm-eval's simple_parse_args_string:
// true/false/none, integers, floats, quoted strings, else strings.
func ParseArgs(s string) (*py.Dict, error) {
	d := py.NewDict()
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: expected key=value", part)
		}
		d.Set(strings.TrimSpace(k), parseArgValue(v))
	}
	return d, nil
}

func parseArgValue(v string) any {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	case "none":
		return nil
	}
	if n, err := py.LiteralEval(v); err == nil {
		switch n.(type) {
		case int64, float64:
			return n
		}
	}
	return v
}

// Table renders lm-eval's Markdown results table, with the human accuracy
// (KMMLU) beside the model's where known, and a second table of groups with
// the micro (lm-eval's) and macro averages.
func Table(run *Run) string {
	var b strings.Builder
	row := func(cells ...string) { b.WriteString("|" + strings.Join(cells, "|") + "|\n") }
	row("Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr", "Human")
	row("-----", "------:", "------", "-----:", "------", "---", "-----:", "---", "-----:", "-----:")
	for _, r := range run.Results {
		first := true
		for _, k := range r.Metrics.Keys() {
			m, f, ok := strings.Cut(k, ",")
			if !ok || strings.HasSuffix(m, "_stderr") {
				continue
			}
			v, _ := r.Metrics.Get(k)
			se, _ := r.Metrics.Get(m + "_stderr," + f)
			name, version, human := "", "", ""
			if first {
				name, version = r.Name, py.Str(r.task.version())
				if !math.IsNaN(r.HumanAccuracy) {
					human = fmt.Sprintf("%.4f", r.HumanAccuracy)
				}
			}
			first = false
			row(name, version, f, strconv.Itoa(r.task.NumFewshot), m, arrow(r.task, m), fmtNum(v), "±", fmtNum(se), human)
		}
	}
	groups := run.Groups()
	if len(groups) > 0 {
		b.WriteString("\n")
		row("Groups", "Version", "Filter", "Metric", "Micro (lm-eval)", "", "Stderr", "Macro", "Human")
		row("------", "------:", "------", "------", "--------------:", "---", "-----:", "-----:", "-----:")
		for _, g := range groups {
			for _, k := range g.Metrics.Keys() {
				m, f, ok := strings.Cut(k, ",")
				if !ok || strings.HasSuffix(m, "_stderr") {
					continue
				}
				v, _ := g.Metrics.Get(k)
				se, _ := g.Metrics.Get(m + "_stderr," + f)
				human := ""
				if !math.IsNaN(g.Human) {
					human = fmt.Sprintf("%.4f", g.Human)
				}
				row(g.Name, "", f, m, fmtNum(v), "±", fmtNum(se), fmtNum(g.Macro[k]), human)
			}
		}
	}
	if run.Interrupted {
		b.WriteString("\n(interrupted: only finished tasks are shown)\n")
	}
	return b.String()
}

func arrow(t *Task, metric string) string {
	for _, mc := range t.Config.Metrics {
		if mc.Name == metric {
			if mc.higherIsBetter() {
				return "↑"
			}
			return "↓"
		}
	}
	return ""
}

func fmtNum(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.4f", f)
	}
	if v == nil {
		return ""
	}
	return py.Str(v)
}
