"""Writes eval/testdata/math_prompts.json: the prompts and targets of the
built-in math tasks on the documents in eval/testdata/docs/math, built from
the published sources (not from fmkit):

- minerva_math, minerva_math500: lm-evaluation-harness's utils.py
  (list_fewshot_samples, doc_to_text, and process_docs' answer column via
  normalize_final_answer, remove_boxed, last_boxed_only_string), four
  examples joined as lm-eval joins few-shot examples (text, " ", target,
  "\\n\\n");
- gsm8k_cot: lm-eval's gsm8k-cot.yaml (its samples and templates);
- gsm8k: lm-eval's gsm8k.yaml, five examples drawn per document with
  random.Random(1234).sample from the training documents;
- llemma_minerva_math, llemma_gsm8k: the Llemma evaluation fork's fixed
  prompts (NL_PROMPT of tasks/minerva_math.py, PROMPT of tasks/gsm8k.py)
  followed by "\\n\\n" and the problem, as its fewshot_context does.

The sources are read with the ast module (and PyYAML) from checkouts of
the two repositories; nothing of them is copied into fmkit:

    L=/tmp/lmeval; F=/tmp/llemma; mkdir -p $L $F
    git -C LM_EVAL_GIT show HEAD:lm_eval/tasks/minerva_math/utils.py > $L/utils.py
    git -C LM_EVAL_GIT show HEAD:lm_eval/tasks/gsm8k/gsm8k-cot.yaml > $L/gsm8k-cot.yaml
    git -C LLEMMA_GIT show master:lm_eval/tasks/minerva_math.py > $F/minerva_math.py
    git -C LLEMMA_GIT show master:lm_eval/tasks/gsm8k.py > $F/gsm8k.py
    /usr/bin/python3 testdata/gen/mathcheck/prompt_fixtures.py $L $F
"""
import ast
import json
import os
import random
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from normalize_fixtures import load_reference  # noqa: E402

DOCS = "eval/testdata/docs/math"


def read_jsonl(name):
    with open(os.path.join(DOCS, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def module_constant(path, name):
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("%s has no %s" % (path, name))


def function_return(path, name):
    tree = ast.parse(open(path).read())
    fn = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name][0]
    return ast.literal_eval(fn.body[0].value)


def main():
    lmeval, fork = sys.argv[1], sys.argv[2]
    ref = load_reference(os.path.join(lmeval, "utils.py"),
                         {"normalize_final_answer", "last_boxed_only_string", "remove_boxed"},
                         {"SUBSTITUTIONS", "REMOVED_EXPRESSIONS"})
    samples = function_return(os.path.join(lmeval, "utils.py"), "list_fewshot_samples")
    out = {}

    def minerva(doc):
        return "Problem:" + "\n" + doc["problem"] + "\n\n" + "Solution:"

    shots = "".join(minerva(s) + " " + s["solution"] + "\n\n" for s in samples)
    for task, rows in (("minerva_math_algebra", read_jsonl("hendrycks_math_test.jsonl")),
                       ("minerva_math500", read_jsonl("math500_test.jsonl"))):
        out[task] = []
        for i, d in enumerate(rows):
            answer = ref.normalize_final_answer(ref.remove_boxed(ref.last_boxed_only_string(d["solution"])))
            out[task].append({"doc": i, "prompt": shots + minerva(d), "target": answer, "answer": answer})

    nl_prompt = module_constant(os.path.join(fork, "minerva_math.py"), "NL_PROMPT")
    out["llemma_minerva_math_algebra"] = [
        {"doc": i, "prompt": nl_prompt + "\n\n" + "Problem:\n" + d["problem"] + "\n\nSolution:"}
        for i, d in enumerate(read_jsonl("hendrycks_math_test.jsonl"))]

    gsm_test = read_jsonl("gsm8k_test.jsonl")
    gsm_prompt = module_constant(os.path.join(fork, "gsm8k.py"), "PROMPT")
    out["llemma_gsm8k"] = [
        {"doc": i, "prompt": gsm_prompt + "\n\n" + "Q: " + d["question"] + "\nA:",
         "target": d["answer"].split("####")[-1].strip()}
        for i, d in enumerate(gsm_test)]

    cot = yaml.safe_load(open(os.path.join(lmeval, "gsm8k-cot.yaml")))
    cot_shots = "".join("Q: " + s["question"] + "\nA:" + " " + s["target"] + "\n\n" for s in cot["fewshot_config"]["samples"])
    out["gsm8k_cot"] = [
        {"doc": i, "prompt": cot_shots + "Q: " + d["question"] + "\nA:", "target": d["answer"].split("####")[-1].strip()}
        for i, d in enumerate(gsm_test)]

    train = read_jsonl("gsm8k_train.jsonl")
    rnd = random.Random(1234)
    out["gsm8k"] = []
    for i, d in enumerate(gsm_test):
        picked = rnd.sample(train, 5)
        ctx = "".join("Question: " + s["question"] + "\nAnswer:" + " " + s["answer"] + "\n\n" for s in picked)
        out["gsm8k"].append({"doc": i, "prompt": ctx + "Question: " + d["question"] + "\nAnswer:", "target": d["answer"]})

    with open("eval/testdata/math_prompts.json", "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    print({k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
