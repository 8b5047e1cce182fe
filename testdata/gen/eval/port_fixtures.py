"""Runs lm-evaluation-harness's own task functions on the fixture documents
of eval/testdata/ports/docs.json and writes their outputs, which
eval/ports_test.go compares with fmkit's Go ports.

    git clone https://github.com/EleutherAI/lm-evaluation-harness /tmp/lmeval   # commit 4e7e0d4
    /usr/bin/python3 testdata/gen/eval/port_fixtures.py /tmp/lmeval/lm_eval/tasks > eval/testdata/ports/expected.json

Debian's python3 (3.11) with python3-numpy, python3-jinja2, python3-yaml.
The lm-eval code is imported from the checkout given, never copied. The
`datasets` package is replaced by fmkit's Dataset stand-in
(eval/python_worker.py), and packages a module imports at the top but the
tested function never calls (sacrebleu, rouge_score, math_verify, evaluate's
code_eval) by empty modules. lm-eval's simple_evaluate seeds Python's
random with 0 before building tasks; process_docs runs after
random.seed(0) here too (gpqa shuffles with the global generator).
"""
import importlib.util
import json
import os
import random
import sys
import types

TASKS = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

# fmkit's Dataset stand-in, as the bridge uses it.
spec = importlib.util.spec_from_file_location("fmkit_worker", os.path.join(ROOT, "eval", "python_worker.py"))
worker = importlib.util.module_from_spec(spec)
stdout = sys.stdout
spec.loader.exec_module(worker)
sys.stdout = stdout
datasets = types.ModuleType("datasets")
datasets.Dataset = worker.Dataset
sys.modules["datasets"] = datasets

class _CodeEval:  # humaneval/mbpp load code_eval at import; never called here
    def compute(self, **_):
        return [{"pass@1": 0.0}], None


for name in ["sacrebleu", "rouge_score", "math_verify", "evaluate"]:
    if importlib.util.find_spec(name) is None:
        m = types.ModuleType(name)
        m.rouge_scorer = m.scoring = None
        m.LatexExtractionConfig = m.parse = m.verify = None
        m.load = lambda *a, **k: _CodeEval()
        sys.modules[name] = m
worker.make_lm_eval_importable(os.path.join(TASKS, "x", "x.yaml"))

MODULES = {}


def function(path):
    module_file, name = path.rsplit(".", 1)
    if module_file not in MODULES:
        spec = importlib.util.spec_from_file_location(os.path.basename(module_file), os.path.join(TASKS, module_file + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        MODULES[module_file] = mod
    return getattr(MODULES[module_file], name)


DOCS = json.load(open(os.path.join(ROOT, "eval", "testdata", "ports", "docs.json")))

# (function path inside lm_eval/tasks, kind, documents)
CASES = [
    ("truthfulqa/utils.process_results_mc2", "results", "truthfulqa_mc2"),
    ("leaderboard/gpqa/utils.process_docs", "docs", "gpqa"),
    ("gpqa/zeroshot/utils.process_docs", "docs", "gpqa"),
    ("leaderboard/musr/utils.doc_to_text", "doc", "musr"),
    ("leaderboard/musr/utils.doc_to_choice", "doc", "musr"),
    ("leaderboard/mmlu_pro/utils.doc_to_text", "doc", "leaderboard_mmlu_pro"),
    ("leaderboard/mmlu_pro/utils.doc_to_choice", "doc", "leaderboard_mmlu_pro"),
    ("leaderboard/math/utils.doc_to_text", "doc", "leaderboard_math"),
    ("leaderboard/math/utils.process_docs", "docs", "leaderboard_math"),
    ("leaderboard/math/utils.list_fewshot_samples", "samples", None),
    ("race/preprocess_race.doc_to_text", "doc", "race"),
    ("race/preprocess_race.doc_to_target", "doc", "race"),
    ("race/preprocess_race.doc_to_choice", "doc", "race"),
    ("super_glue/copa/utils.doc_to_text", "doc", "copa"),
    ("super_glue/copa/utils.doc_to_target", "doc", "copa"),
    ("super_glue/copa/utils.doc_to_choice", "doc", "copa"),
    ("super_glue/wsc/preprocess_wsc.default_doc_to_text", "doc", "wsc"),
    ("xcopa/utils.doc_to_choice", "doc", "xcopa"),
    ("logiqa/utils_logiqa.doc_to_text", "doc", "logiqa"),
    ("logiqa/utils_logiqa.doc_to_target", "doc", "logiqa"),
    ("mathqa/utils.doc_to_choice", "doc", "mathqa"),
    ("medqa/preprocess_medqa.doc_to_text", "doc", "medqa"),
    ("medqa/preprocess_medqa.doc_to_target", "doc", "medqa"),
    ("pubmedqa/preprocess_pubmedqa.doc_to_text", "doc", "pubmedqa"),
    ("wikitext/preprocess_wikitext.wikitext_detokenizer", "doc", "wikitext"),
    ("wikitext/preprocess_wikitext.process_results", "results_ll", "wikitext"),
    ("agieval/utils.process_results_mcqa", "results", "agieval_mcqa"),
    ("mmlu_pro/utils.doc_to_text", "doc", "mmlu_pro"),
    ("mmlu_pro/utils.fewshot_to_text", "doc", "mmlu_pro"),
    ("mmlu_pro/utils.fewshot_to_target", "doc", "mmlu_pro"),
    ("agieval/utils.process_results", "results_raw", "agieval_math"),
    ("drop/utils.process_docs", "docs", "drop"),
    ("drop/utils.process_results", "results_raw", "drop_results"),
    ("lm_eval.filters.extraction.MultiChoiceRegexFilter", "builtin_filter", "mcq_filter"),
    ("lm_eval.filters.extraction.POSFilter", "builtin_filter", "pos_filter"),
    ("humaneval/utils.build_predictions", "filter", "humaneval_filter"),
    ("humaneval/utils.build_predictions_instruct", "filter", "humaneval_filter"),
    ("mbpp/utils.build_predictions", "filter", "mbpp_filter"),
    ("mbpp/utils.list_fewshot_samples", "samples", None),
]
for lang in ["et", "ht", "it", "id", "qu", "sw", "zh", "ta", "th", "tr", "vi"]:
    CASES.append(("xcopa/utils.doc_to_text_" + lang, "doc", "xcopa"))
for subject in ["biology", "business", "chemistry", "computer_science", "economics", "engineering", "health",
                "history", "law", "math", "other", "philosophy", "physics", "psychology"]:
    CASES.append(("mmlu_pro/utils.process_" + subject, "docs", "mmlu_pro"))


def builtin_filter(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def run(path, kind, docs_name):
    if kind == "builtin_filter":  # lm-eval's own filter classes
        cls = builtin_filter(path)
        return [worker.plain(list(cls(**c["kwargs"]).apply(c["resps"], c["docs"]))) for c in DOCS[docs_name]]
    fn = function(path)
    docs = DOCS.get(docs_name)
    if kind == "doc":
        return [fn(d) for d in docs]
    if kind == "docs":
        random.seed(0)
        return worker.plain(fn(worker.Dataset(docs)))
    if kind == "samples":
        return fn()
    if kind == "results":
        return [worker.plain(fn(c["doc"], [tuple(r) for r in c["results"]])) for c in docs]
    if kind == "results_raw":  # results as they are (generations)
        return [worker.plain(fn(c["doc"], c["results"])) for c in docs]
    if kind == "filter":
        return [fn(c["resps"], c["docs"]) for c in docs]
    if kind == "results_ll":
        return [worker.plain(fn(d, [-123.5])) for d in docs]
    raise ValueError(kind)


out = [{"function": p, "kind": k, "docs": d, "outputs": run(p, k, d)} for p, k, d in CASES]
print(json.dumps(out, indent=1, ensure_ascii=False))
