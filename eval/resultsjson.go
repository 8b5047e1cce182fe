package eval

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/fmkit/fmkit/internal/py"
)

// ResultsJSONString is the results file's text: lm-eval's layout, keys in
// lm-eval's order, plus an "fmkit" section.
func ResultsJSONString(run *Run, info RunInfo) string { return py.JSON(run.resultsDict(info), 2) }

// resultsDict builds the results file section by section.
func (run *Run) resultsDict(info RunInfo) *py.Dict {
	groups := run.Groups()
	out := py.NewDict()
	results, groupsDict := run.resultsSection(groups)
	out.Set("results", results)
	if len(groupsDict.Keys()) > 0 {
		out.Set("groups", groupsDict)
	}
	out.Set("group_subtasks", run.groupSubtasks())
	out.Set("configs", run.configs())
	out.Set("versions", run.versions())
	nshot, hib := run.nshotAndDirections()
	out.Set("n-shot", nshot)
	out.Set("higher_is_better", hib)
	out.Set("n-samples", run.nSamples())
	out.Set("config", run.configSection(info))
	out.Set("git_hash", nil)
	out.Set("date", unixSeconds(run.Start))
	out.Set("task_hashes", run.taskHashes())
	run.modelAndPromptSection(out, info)
	out.Set("fmkit", run.fmkitSection(groups))
	return out
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// metricsDict is a task's or group's entry of "results": the keys before
// the metrics, each metric with its stderr ("N/A" where there is none),
// then the keys after.
func metricsDict(ms []Metric) *py.Dict {
	d := py.NewDict()
	for _, m := range ms {
		d.Set(m.Key(), m.Value)
		if math.IsNaN(m.Stderr) {
			d.Set(m.StderrKey(), "N/A")
		} else {
			d.Set(m.StderrKey(), m.Stderr)
		}
	}
	return d
}

func taskEntry(r *TaskResult) *py.Dict {
	d := py.NewDict()
	d.Set("name", r.Name)
	d.Set("alias", r.Alias)
	appendDict(d, metricsDict(r.Metrics))
	d.Set("sample_len", int64(r.SampleLen))
	return d
}

func groupEntry(g *GroupResult) *py.Dict {
	d := py.NewDict()
	d.Set("alias", g.Alias)
	d.Set("name", g.Name)
	if !g.Aggregated {
		return d
	}
	d.Set("sample_len", int64(g.SampleLen))
	appendDict(d, metricsDict(g.Metrics))
	counts := py.NewDict()
	for _, m := range g.Metrics {
		counts.Set(m.Key(), int64(g.SampleCount[m.Key()]))
	}
	d.Set("sample_count", counts)
	return d
}

func appendDict(dst, src *py.Dict) {
	for _, k := range src.Keys() {
		v, _ := src.Get(k)
		dst.Set(k, v)
	}
}

// resultsSection is "results" (tasks, then groups) and "groups" (the
// aggregated groups).
func (run *Run) resultsSection(groups []*GroupResult) (results, aggregated *py.Dict) {
	results, aggregated = py.NewDict(), py.NewDict()
	for _, r := range run.Results {
		results.Set(r.Name, taskEntry(r))
	}
	for _, g := range groups {
		e := groupEntry(g)
		results.Set(g.Name, e)
		if g.Aggregated {
			aggregated.Set(g.Name, e)
		}
	}
	return results, aggregated
}

func (run *Run) groupSubtasks() *py.Dict {
	d := py.NewDict()
	for _, g := range run.Suite.Groups {
		names := g.ChildNames()
		l := make([]any, len(names))
		for i, n := range names {
			l[i] = n
		}
		d.Set(g.Name, l)
	}
	return d
}

// sortedResults are the results by task name, as lm-eval sorts configs.
func (run *Run) sortedResults() []*TaskResult {
	out := append([]*TaskResult{}, run.Results...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (run *Run) configs() *py.Dict {
	d := py.NewDict()
	for _, r := range run.sortedResults() {
		d.Set(r.Name, r.task.configDump(r.settings))
	}
	return d
}

func (run *Run) versions() *py.Dict {
	versionOf := map[string]any{}
	for _, r := range run.Results {
		versionOf[r.Name] = r.task.version()
	}
	for _, g := range run.Suite.Groups {
		versionOf[g.Name] = g.Version()
	}
	d := py.NewDict()
	for _, k := range sortedKeys(versionOf) {
		d.Set(k, versionOf[k])
	}
	return d
}

// nshotAndDirections are "n-shot" and "higher_is_better": per task, and
// per group where its children agree (n-shot) or merged (directions, None
// where children disagree).
func (run *Run) nshotAndDirections() (nshot, hib *py.Dict) {
	nshotOf := map[string]any{}
	hibOf := map[string]*py.Dict{}
	for _, r := range run.Results {
		nshotOf[r.Name] = int64(r.NumFewshot)
		h := py.NewDict()
		for _, mc := range r.task.Config.Metrics {
			h.Set(mc.Name, mc.higherIsBetter())
		}
		hibOf[r.Name] = h
	}
	for _, g := range run.Suite.Groups {
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
	nshot, hib = py.NewDict(), py.NewDict()
	for _, k := range sortedKeys(nshotOf) {
		nshot.Set(k, nshotOf[k])
	}
	for _, k := range sortedKeys(hibOf) {
		hib.Set(k, hibOf[k])
	}
	return nshot, hib
}

func (run *Run) nSamples() *py.Dict {
	d := py.NewDict()
	for _, r := range run.Results {
		c := py.NewDict()
		c.Set("original", int64(r.OriginalLen))
		c.Set("effective", int64(r.SampleLen))
		d.Set(r.Name, c)
	}
	return d
}

// configSection is "config": how the run was invoked.
func (run *Run) configSection(info RunInfo) *py.Dict {
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
		cfg.Set("gen_kwargs", orderedDict(run.opts.GenKwargs, nil))
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
	return cfg
}

// taskHashes hashes each logged task's sample hashes, as lm-eval does.
func (run *Run) taskHashes() *py.Dict {
	d := py.NewDict()
	for _, r := range run.Results {
		if len(r.Samples) == 0 {
			continue
		}
		var b strings.Builder
		for _, s := range r.Samples {
			b.WriteString(s.DocHash)
			b.WriteString(s.PromptHash)
			b.WriteString(s.TargetHash)
		}
		d.Set(r.Name, hashString(b.String()))
	}
	return d
}

// modelAndPromptSection adds the model, prompt and timing keys.
func (run *Run) modelAndPromptSection(out *py.Dict, info RunInfo) {
	out.Set("model_source", "fmkit")
	out.Set("model_name", info.Model)
	out.Set("model_name_sanitized", SanitizeModelName(info.Model))
	sys := run.opts.Prompt.SystemInstruction
	if sys != "" {
		out.Set("system_instruction", sys)
		out.Set("system_instruction_sha", hashString(sys))
	} else {
		out.Set("system_instruction", nil)
		out.Set("system_instruction_sha", nil)
	}
	out.Set("fewshot_as_multiturn", run.opts.Prompt.FewshotAsMultiturn)
	out.Set("chat_template", nil)
	out.Set("chat_template_sha", nil)
	out.Set("start_time", unixSeconds(run.Start))
	end := run.End
	if end.IsZero() {
		end = time.Now()
	}
	out.Set("end_time", unixSeconds(end))
	out.Set("total_evaluation_time_seconds", py.Str(end.Sub(run.Start).Seconds()))
}

// fmkitSection is fmkit's own additions: macro averages, human accuracy,
// whether the run was interrupted, time inside the model.
func (run *Run) fmkitSection(groups []*GroupResult) *py.Dict {
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
	fm := py.NewDict()
	fm.Set("macro_average", macro)
	fm.Set("human_accuracy", human)
	fm.Set("interrupted", run.Interrupted)
	fm.Set("model_time_seconds", run.ModelTime.Seconds())
	return fm
}

func (t *Task) version() any {
	if v, ok := t.Config.Metadata["version"]; ok {
		return v
	}
	return "Yaml"
}

// ConfigJSON is the task's resolved config as JSON (the results file's
// "configs" entry) under its own settings.
func ConfigJSON(t *Task) string { return py.JSON(t.configDump(t.settings(Options{})), 2) }

// configDump is the task config as lm-eval's TaskConfig.to_dict prints it
// under the run's settings: its fields in order, None values left out.
func (t *Task) configDump(set settings) *py.Dict {
	tc := t.Config
	d := py.NewDict()
	set1 := func(k string, v any) {
		if v == nil {
			return
		}
		if s, ok := v.(string); ok && s == "" && k != "description" {
			return
		}
		d.Set(k, v)
	}
	raw := func(k string) any { v, _ := tc.raw.dict.Get(k); return v }
	set1("task", tc.Task)
	set1("task_alias", tc.TaskAlias)
	if len(tc.Tags) == 1 {
		set1("tag", tc.Tags[0])
	} else if len(tc.Tags) > 1 {
		l := make([]any, len(tc.Tags))
		for i, s := range tc.Tags {
			l[i] = s
		}
		set1("tag", l)
	}
	set1("dataset_path", tc.DatasetPath)
	set1("dataset_name", tc.DatasetName)
	if tc.DatasetKwargs != nil {
		set1("dataset_kwargs", toPy(tc.DatasetKwargs, raw("dataset_kwargs")))
	}
	set1("training_split", tc.TrainingSplit)
	set1("validation_split", tc.ValidationSplit)
	set1("test_split", tc.TestSplit)
	set1("fewshot_split", tc.FewshotSplit)
	if tc.ProcessDocs != nil {
		set1("process_docs", tc.ProcessDocs.String())
	}
	if tc.ProcessResults != nil {
		set1("process_results", tc.ProcessResults.String())
	}
	set1("doc_to_text", yamlOut(tc.DocToText))
	set1("doc_to_target", yamlOut(tc.DocToTarget))
	d.Set("unsafe_code", tc.UnsafeCode)
	set1("doc_to_choice", yamlOut(tc.DocToChoice))
	d.Set("description", tc.Description)
	d.Set("target_delimiter", tc.TargetDelimiter)
	d.Set("fewshot_delimiter", tc.FewshotDelimiter)
	d.Set("fewshot_config", tc.fewshotDump())
	d.Set("num_fewshot", int64(set.numFewshot))
	ml := make([]any, len(tc.Metrics))
	for i, m := range tc.Metrics {
		ml[i] = m.dump()
	}
	d.Set("metric_list", ml)
	d.Set("output_type", tc.OutputType)
	if set.genKwargs != nil {
		d.Set("generation_kwargs", set.genKwargs)
	}
	d.Set("repeats", int64(tc.Repeats))
	if v, ok := tc.raw.dict.Get("filter_list"); ok {
		d.Set("filter_list", yamlOut(v))
	}
	d.Set("should_decontaminate", tc.ShouldDecontaminate)
	set1("gen_prefix", tc.GenPrefix)
	if tc.Metadata != nil {
		d.Set("metadata", toPy(tc.Metadata, raw("metadata")))
	}
	return d
}

func (tc *TaskConfig) fewshotDump() *py.Dict {
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
	return fc
}

// dump is the metric_list entry: metric, aggregation, direction, then the
// options in the YAML's order.
func (mc MetricConfig) dump() *py.Dict {
	e := py.NewDict()
	e.Set("metric", mc.Name)
	e.Set("aggregation", mc.Aggregation)
	e.Set("higher_is_better", mc.higherIsBetter())
	appendDict(e, orderedDict(mc.Kwargs, mc.raw))
	return e
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
