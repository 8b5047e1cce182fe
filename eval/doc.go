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
// metadata. YAML is typed as PyYAML types it (YAML 1.1). `!function`
// references resolve against Go functions registered with
// RegisterFunction; an unknown name is an error that names it.
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
package eval
