"""The SymPy-based peer of bench/math_vs_sympy.sh: scores the first N
documents of a mathbench JSONL file as Llemma's MATH scorer does, with
lm-evaluation-harness's published functions (normalize_final_answer,
last_boxed_only_string, remove_boxed and the SymPy is_equiv, read out of a
checkout's utils.py into a temporary folder) and a string-equality
shortcut, voting as Llemma's majority_vote does. Prints one JSON object.

    python bench/math_sympy_peer.py DATA.jsonl UTILS.py N
"""
import json
import os
import re
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "testdata", "gen", "mathcheck"))
from antlr_shim import install_antlr  # noqa: E402
from normalize_fixtures import load_reference  # noqa: E402
from sympy_verdicts import load_is_equiv  # noqa: E402

FINAL = re.compile(r"Final Answer: The final answer is(.*?). I hope it is correct.")


def main():
    data, utils, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    install_antlr()
    ref = load_reference(utils, {"normalize_final_answer", "last_boxed_only_string", "remove_boxed"},
                         {"SUBSTITUTIONS", "REMOVED_EXPRESSIONS"})
    is_equiv = load_is_equiv(utils)
    docs = []
    with open(data) as f:
        for line in f:
            docs.append(json.loads(line))
            if len(docs) == n:
                break

    def equal(a, b):
        return a == b or bool(is_equiv(a, b))

    comparisons = 0
    scores = []
    start = time.perf_counter()
    for d in docs:
        gold = ref.normalize_final_answer(ref.remove_boxed(ref.last_boxed_only_string(d["solution"])))
        valid = []
        for g in d["generations"]:
            m = FINAL.search(g + "I hope it is correct.")
            if m:
                valid.append(ref.normalize_final_answer(m.group(1).strip()))
        # Llemma's majority vote: an exact-string bucket, else the first
        # equivalent one, else a new bucket; ties to the first opened.
        buckets = {}
        for a in valid:
            if a in buckets:
                buckets[a] += 1
                continue
            for b in buckets:
                comparisons += 1
                if equal(a, b):
                    buckets[b] += 1
                    break
            else:
                buckets[a] = 1
        if not buckets:
            scores.append((0, 0.0))
            continue
        votes = sorted(buckets.items(), key=lambda kv: -kv[1])
        comparisons += 1
        if equal(gold, votes[0][0]):
            scores.append((1, votes[0][1] / len(d["generations"])))
            continue
        rate = 0.0
        for b, c in buckets.items():
            comparisons += 1
            if equal(gold, b):
                rate = c / len(d["generations"])
                break
        scores.append((0, rate))
    elapsed = time.perf_counter() - start
    print(json.dumps({"docs": len(docs), "seconds": elapsed, "comparisons": comparisons,
                      "exact_match": [s[0] for s in scores], "pass_rate": [s[1] for s in scores]}))


if __name__ == "__main__":
    main()
