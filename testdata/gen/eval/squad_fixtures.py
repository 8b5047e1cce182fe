"""SQuAD 2.0 scores of scripted predictions by the official evaluation that
Hugging Face's squad_v2 metric wraps (evaluate's
metrics/squad_v2/compute_score.py, run from a checkout, never copied), for
eval/squad_test.go:

    git clone https://github.com/huggingface/evaluate /tmp/evaluate
    /usr/bin/python3 testdata/gen/eval/squad_fixtures.py /tmp/evaluate/metrics/squad_v2 > eval/testdata/squad.json

The steps between the functions are squad_v2's _compute with its default
no_answer_threshold of 1.0, as lm-eval's squadv2 calls it.
"""
import importlib.util
import json
import math
import os
import sys

spec = importlib.util.spec_from_file_location("compute_score", os.path.join(sys.argv[1], "compute_score.py"))
cs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cs)


def squad_v2(predictions, references, thresh=1.0):
    na = {p["id"]: p["no_answer_probability"] for p in predictions}
    dataset = [{"paragraphs": [{"qas": references}]}]
    preds = {p["id"]: p["prediction_text"] for p in predictions}
    has = cs.make_qid_to_has_ans(dataset)
    has_ids = [k for k, v in has.items() if v]
    no_ids = [k for k, v in has.items() if not v]
    exact_raw, f1_raw = cs.get_raw_scores(dataset, preds)
    exact = cs.apply_no_ans_threshold(exact_raw, na, has, thresh)
    f1 = cs.apply_no_ans_threshold(f1_raw, na, has, thresh)
    out = cs.make_eval_dict(exact, f1)
    if has_ids:
        cs.merge_eval(out, cs.make_eval_dict(exact, f1, qid_list=has_ids), "HasAns")
    if no_ids:
        cs.merge_eval(out, cs.make_eval_dict(exact, f1, qid_list=no_ids), "NoAns")
    cs.find_all_best_thresh(out, preds, exact_raw, f1_raw, na, has)
    return dict(out)


# (id, answers, generation, log-probability of " unanswerable")
CASES = [
    [("q1", ["Denver Broncos", "The Denver Broncos"], " The Denver Broncos.", -3.0),
     ("q2", [], " Santa Clara", -0.5),
     ("q3", ["Levi's Stadium"], "Levis stadium in California", -2.0),
     ("q4", [], "", -0.1),
     ("q5", ["gold", "golden"], " a GOLDEN anniversary", 0.5),
     ("q6", ["Super Bowl 50"], " Super Bowl L", -4.0)],
    [("a", ["x y z"], "x y", -1.0), ("b", ["the cat"], "cat!", -1.0)],
    [("n1", [], "", 0.2), ("n2", [], "something", -0.2)],
]

out = []
for case in CASES:
    preds = [{"id": i, "prediction_text": g, "no_answer_probability": math.exp(lp)} for i, _, g, lp in case]
    refs = [{"id": i, "answers": {"text": a, "answer_start": [0] * len(a)}} for i, a, _, _ in case]
    docs = [{"id": i, "title": "T", "context": "C", "question": "Q", "answers": {"text": a, "answer_start": [0] * len(a)}} for i, a, _, _ in case]
    results = [[g, [lp, False]] for _, _, g, lp in case]
    scores = squad_v2(preds, refs)
    out.append({"docs": docs, "results": results, "scores": {k: v for k, v in scores.items() if "total" not in k and "thresh" not in k}})
print(json.dumps(out, indent=1))
