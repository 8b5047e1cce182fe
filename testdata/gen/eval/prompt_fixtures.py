#!/usr/bin/python3
"""Build lm-eval prompts and request arguments for fixture documents with
Python's Jinja2 (lm-eval's environment), PyYAML and random.Random, and
write them as eval/testdata/prompts.json for eval's prompt tests.

This is an independent re-implementation of the parts of lm-eval's
ConfigurableTask that decide prompts (fewshot_context, build_qa_turn,
doc_to_text/target/choice, ContextSampler/FirstNSampler, construct_requests,
multiple-input tasks) written from lm-eval's documented behaviour; the
randomness and templating are Python's own. The Python functions that
lm-eval's task folders name with !function (hellaswag's process_docs,
winogrande's doc_to_text/target/choice) are re-implemented below from their
definitions. Run from the repository root:

    /usr/bin/python3 testdata/gen/eval/prompt_fixtures.py
"""
import ast
import json
import os
import random
import re
from copy import deepcopy

import yaml
from jinja2 import BaseLoader, Environment, StrictUndefined

env = Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)
env.filters["regex_replace"] = lambda s, p, r, count=0: re.sub(p, r, s, count=count)


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!function", lambda loader, node: "!function " + loader.construct_scalar(node))


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        cfg = yaml.load(f, Loader=Loader)
    cfg["_folder"] = os.path.basename(os.path.dirname(path))
    if "include" in cfg:
        incs = cfg.pop("include")
        merged = {}
        for inc in incs if isinstance(incs, list) else [incs]:
            merged.update(load_yaml(os.path.join(os.path.dirname(path), inc)))
        merged.update(cfg)
        cfg = merged
    return cfg


# Functions that task YAMLs name with !function, by YAML folder and name.
def hellaswag_preprocess(text):
    text = text.strip()
    text = text.replace(" [title]", ". ")
    text = re.sub("\\[.*?\\]", "", text)
    text = text.replace("  ", " ")
    return text


def hellaswag_process_docs(docs):
    out = []
    for doc in docs:
        ctx = doc["ctx_a"] + " " + doc["ctx_b"].capitalize()
        d = dict(doc)
        d["query"] = hellaswag_preprocess(doc["activity_label"] + ": " + ctx)
        d["choices"] = [hellaswag_preprocess(e) for e in doc["endings"]]
        d["gold"] = int(doc["label"])
        out.append(d)
    return out


def winogrande_text(doc):
    return {"1": 0, "2": 1}[doc["answer"]]


def winogrande_target(doc):
    i = doc["sentence"].index("_") + 1
    return doc["sentence"][i:].strip()


def winogrande_choice(doc):
    i = doc["sentence"].index("_")
    return [doc["sentence"][:i] + o for o in (doc["option1"], doc["option2"])]


FUNCTIONS = {
    "hellaswag/utils.process_docs": hellaswag_process_docs,
    "winogrande/preprocess_winogrande.doc_to_text": winogrande_text,
    "winogrande/preprocess_winogrande.doc_to_target": winogrande_target,
    "winogrande/preprocess_winogrande.doc_to_choice": winogrande_choice,
}


def function(cfg, value):
    """The Python function a "!function name" value names, or None."""
    if isinstance(value, str) and value.startswith("!function "):
        return FUNCTIONS[cfg["_folder"] + "/" + value[len("!function "):]]
    return None


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Task:
    def __init__(self, cfg, eval_docs, fewshot_docs, num_fewshot, seed=1234):
        self.cfg = cfg
        self.docs = eval_docs
        self.features = list(eval_docs[0].keys())
        fc = cfg.get("fewshot_config") or {}
        self.sampler = fc.get("sampler", "default")
        self.fs_split = fc.get("split", cfg.get("fewshot_split"))
        self.fs_docs = fewshot_docs
        self.num_fewshot = num_fewshot
        self.rnd = random.Random(seed)
        self.tdelim = cfg.get("target_delimiter", " ")
        self.fdelim = cfg.get("fewshot_delimiter", "\n\n")
        # lm-eval's multiple_input: decided on the first evaluation document.
        self.multiple_input = cfg.get("doc_to_choice") is not None and isinstance(self.text(eval_docs[0]), int)

    def render(self, tpl, doc):
        return env.from_string(tpl).render(**doc)

    def text(self, doc):
        t = self.cfg["doc_to_text"]
        if function(self.cfg, t):
            return function(self.cfg, t)(doc)
        if t in self.features and t in doc:
            return doc[t]
        s = self.render(t, doc)
        if s.isdigit() and self.cfg.get("doc_to_choice") is not None:
            return ast.literal_eval(s)
        return s

    def target(self, doc):
        t = self.cfg["doc_to_target"]
        if function(self.cfg, t):
            return function(self.cfg, t)(doc)
        if isinstance(t, int):
            return t
        if t in self.features and t in doc:
            return doc[t]
        s = self.render(t, doc)
        if s.isdigit() and self.cfg.get("doc_to_choice") is not None:
            return ast.literal_eval(s)
        if len(s) >= 2 and s[0] == "[" and s[-1] == "]":
            try:
                return ast.literal_eval(s)
            except (SyntaxError, ValueError):
                return s
        return s

    def choices(self, doc):
        c = self.cfg["doc_to_choice"]
        if function(self.cfg, c):
            return function(self.cfg, c)(doc)
        if isinstance(c, list):
            return c
        if c in self.features:
            return doc[c]
        return ast.literal_eval(self.render(c, doc))

    def sample(self, doc):
        n = self.num_fewshot
        exclude = self.fs_split == self.cfg.get("test_split")
        if self.sampler == "first_n":
            pool = [x for x in self.fs_docs if x != doc] if exclude else self.fs_docs
            return pool[:n]
        if not exclude:
            return self.rnd.sample(list(self.fs_docs), n)
        return [x for x in self.rnd.sample(list(self.fs_docs), n + 1) if x != doc][:n]

    def context(self, doc):
        """The prompt, or for a multiple-input task the list of prompts."""
        out = self.cfg.get("description", "")
        if out and out in doc:
            out = doc[out]
        elif out:
            out = self.render(out, doc)
        if self.num_fewshot > 0:
            for fs in self.sample(doc):
                q = self.text(fs)
                a = self.target(fs)
                c = self.choices(fs) if self.cfg.get("doc_to_choice") is not None else None
                if self.multiple_input:
                    # The example's question is its right choice; no choices.
                    q, c = c[q], None
                ans = c[a] if (c and isinstance(a, int)) else a[0] if isinstance(a, list) else a
                out += q + self.tdelim + ans + self.fdelim
        if self.multiple_input:
            return [out + c for c in self.choices(doc)]
        return out + self.text(doc)

    def requests(self, doc, ctx):
        ot = self.cfg["output_type"]
        if ot == "multiple_choice" and self.multiple_input:
            return [[c, self.tdelim + str(self.target(doc))] for c in ctx]
        if ot == "multiple_choice":
            return [[ctx, self.tdelim + c] for c in self.choices(doc)]
        if ot == "loglikelihood":
            return [[ctx, self.target(doc)]]
        if ot == "generate_until":
            g = deepcopy(self.cfg.get("generation_kwargs"))
            if "temperature" in g:
                g["temperature"] = float(g["temperature"])
            if "until" not in g:
                g["until"] = [self.fdelim]
            return [[ctx, g]]
        raise ValueError(ot)


D = "eval/testdata/docs"
CASES = [
    ("kmmlu_accounting", "eval/tasks/kmmlu/default/kmmlu_accounting.yaml", "kmmlu_test.jsonl", "kmmlu_dev.jsonl", 5),
    ("kmmlu_accounting", "eval/tasks/kmmlu/default/kmmlu_accounting.yaml", "kmmlu_test.jsonl", "kmmlu_dev.jsonl", 0),
    ("kmmlu_direct_accounting", "eval/tasks/kmmlu/direct/kmmlu_direct_accounting.yaml", "kmmlu_test.jsonl", "kmmlu_dev.jsonl", 3),
    ("kmmlu_cot_hard_accounting", "eval/tasks/kmmlu/cot_hard/kmmlu_cot_hard_accounting.yaml", "kmmlu_test.jsonl", None, 5),
    ("arc_easy", "eval/testdata/tasks/arc/arc_easy.yaml", "arc_test.jsonl", "arc_train.jsonl", 4),
    ("selfshot_gen", "eval/testdata/tasks/selfshot/selfshot.yaml", "self_test.jsonl", "self_test.jsonl", 3),
    # The classifier-free guidance paper's zero-shot suite (built-in YAMLs),
    # zero-shot and with few-shot examples.
    ("lambada_openai", "eval/tasks/lambada/lambada_openai.yaml", "cfg/lambada_test.jsonl", None, 0),
    ("arc_challenge", "eval/tasks/arc/arc_challenge.yaml", "arc_test.jsonl", "arc_train.jsonl", 0),
    ("arc_challenge", "eval/tasks/arc/arc_challenge.yaml", "arc_test.jsonl", "arc_train.jsonl", 2),
    ("boolq", "eval/tasks/boolq/boolq.yaml", "cfg/boolq_validation.jsonl", "cfg/boolq_train.jsonl", 0),
    ("boolq", "eval/tasks/boolq/boolq.yaml", "cfg/boolq_validation.jsonl", "cfg/boolq_train.jsonl", 2),
    ("hellaswag", "eval/tasks/hellaswag/hellaswag.yaml", "cfg/hellaswag_validation.jsonl", "cfg/hellaswag_train.jsonl", 0),
    ("hellaswag", "eval/tasks/hellaswag/hellaswag.yaml", "cfg/hellaswag_validation.jsonl", "cfg/hellaswag_train.jsonl", 2),
    ("piqa", "eval/tasks/piqa/piqa.yaml", "cfg/piqa_validation.jsonl", "cfg/piqa_train.jsonl", 0),
    ("piqa", "eval/tasks/piqa/piqa.yaml", "cfg/piqa_validation.jsonl", "cfg/piqa_train.jsonl", 1),
    ("sciq", "eval/tasks/sciq/sciq.yaml", "cfg/sciq_test.jsonl", "cfg/sciq_train.jsonl", 0),
    ("sciq", "eval/tasks/sciq/sciq.yaml", "cfg/sciq_test.jsonl", "cfg/sciq_train.jsonl", 2),
    ("triviaqa", "eval/tasks/triviaqa/triviaqa.yaml", "cfg/triviaqa_validation.jsonl", "cfg/triviaqa_train.jsonl", 0),
    ("triviaqa", "eval/tasks/triviaqa/triviaqa.yaml", "cfg/triviaqa_validation.jsonl", "cfg/triviaqa_train.jsonl", 1),
    ("winogrande", "eval/tasks/winogrande/winogrande.yaml", "cfg/winogrande_validation.jsonl", "cfg/winogrande_train.jsonl", 0),
    ("winogrande", "eval/tasks/winogrande/winogrande.yaml", "cfg/winogrande_validation.jsonl", "cfg/winogrande_train.jsonl", 3),
]

out = []
for name, yml, test, fs, k in CASES:
    cfg = load_yaml(yml)
    docs = read_jsonl(os.path.join(D, test))
    if fs is None:
        fs_docs = (cfg.get("fewshot_config") or {}).get("samples", [])
    else:
        fs_docs = read_jsonl(os.path.join(D, fs))
    process = function(cfg, cfg.get("process_docs"))
    if process:
        docs, fs_docs = process(docs), process(fs_docs)
    task = Task(cfg, docs, fs_docs, k)
    items = []
    for i, doc in enumerate(docs):
        ctx = task.context(doc)
        contexts = ctx if isinstance(ctx, list) else [ctx]
        items.append({"doc_id": i, "context": contexts[0], "contexts": contexts,
                      "arguments": task.requests(doc, ctx), "target": str(task.target(doc))})
    out.append({"task": name, "num_fewshot": k, "test": test, "fewshot": fs, "docs": items})

with open("eval/testdata/prompts.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
print(sum(len(c["docs"]) for c in out), "prompts")
