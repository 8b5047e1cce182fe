// Package eval is fmkit's evaluation harness: it runs task definitions
// written for EleutherAI's lm-evaluation-harness unchanged and produces the
// same prompts, requests and numbers.
//
// # Tasks
//
// NewIndex reads folders of task YAMLs (the built-in eval/tasks, KMMLU, and
// any --include-path) in lm-eval's schema: tasks, groups with
// aggregate_metric_list, tags, include, dataset_* and split fields,
// doc_to_text/target/choice, description, delimiters, fewshot_config,
// metric_list, output_type, generation_kwargs, repeats, filter_list and
// metadata. YAML is typed as PyYAML types it (YAML 1.1, and the `\/`
// escape). Template files that are neither task nor group are skipped (but
// stay includable) and a later source's task replaces an earlier one's,
// as lm-eval does; Index.Notices reports both.
//
// # Python functions
//
// A `!function module.name` reference resolves, in this order, to a Go
// port registered under the function's folder path in lm-eval's tree
// ("race/preprocess_race.doc_to_text", see ports.go), or to the Python
// function itself through Python, a python3 worker process attached with
// Index.UsePython (a datasets.Dataset stand-in, one worker per run,
// restarted once if it dies). An unresolvable reference is a ConfigError
// naming the function, its file and line and whether python3 was in use,
// wrapping ErrNoImplementation. Index.Diagnose reports what serves each
// function of a task. Class-based tasks run where a Go task replaces the
// class (squadv2). Code-execution tasks (unsafe_code) need a CodeSandbox in
// Options.Code.
//
// # Prompts
//
// Templates are rendered by eval/internal/jinja, which follows Python
// Jinja2 under lm-eval's settings (StrictUndefined, keep_trailing_newline,
// regex_replace) with Python's value semantics; few-shot examples come from
// lm-eval's samplers, the default one reproducing random.Random(seed).sample
// (seed 1234) exactly. Prompts and request arguments are tested byte for
// byte against Python's Jinja2 and random (testdata/gen/eval).
//
// # Adding a task type
//
// A task is YAML first: put it under eval/tasks (or any --include-path).
// Python functions that a YAML names with `!function module.name` are Go
// functions registered by that name, qualified by the YAML's folder
// ("hellaswag.utils.process_docs"): RegisterFunction (process_docs),
// RegisterDocFunction (doc_to_text, doc_to_target, doc_to_choice),
// RegisterResultsFunction (process_results) and RegisterSamplesFunction
// (fewshot_config samples); see mathtasks.go for a complete example.
//
// # Running
//
// Evaluate sends each task's requests to an lm.Model deduplicated, longest
// first, with the requests of one context adjacent (so the native engine
// scores all choices of a question from one cached context), in chunks
// that report progress and can be interrupted. Results come out in
// lm-eval's JSON layout ("acc,none", "acc_stderr,none", groups,
// group_subtasks, configs, versions, n-shot, higher_is_better, n-samples,
// config), with per-task sample logs whose doc_hash, prompt_hash and
// target_hash are computed as lm-eval computes them, plus an "fmkit"
// section with macro averages and KMMLU's human accuracy.
//
// Options apply to one run only: each task's effective settings (few-shot
// count and seed, generation kwargs) are computed per run and never written
// into the caller's Task, so a Suite can be evaluated again with other
// options. Results are typed: TaskResult.Metrics and GroupResult.Metrics
// are []Metric (name, filter, value, standard error), samples are *Sample,
// and Table, SweepTable and ResultsJSONString render them.
package eval
