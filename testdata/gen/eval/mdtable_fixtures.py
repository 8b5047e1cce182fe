"""Markdown tables as lm-eval prints them (lm_eval.utils.make_table hands its
rows to pytablewriter's MarkdownTableWriter), for eval/table_test.go:

    for r in pytablewriter DataProperty typepy mbstrdecoder tabledata tcolorpy pathvalidate; do
        git clone https://github.com/thombashi/$r /tmp/ptw/$r
    done
    PYTHONPATH=$(ls -d /tmp/ptw/* | paste -sd:) /usr/bin/python3 testdata/gen/eval/mdtable_fixtures.py > eval/testdata/mdtables.json

Each case is a header row and rows of cells in the forms make_table builds
(and fmkit's extra columns): task and group names, versions, filters,
n-shot counts (" " when unknown), metric names, arrows, values and
standard errors as "%.4f" strings or "   N/A", "±" or "", empty cells.
The writer is run as make_table runs it: headers, value_matrix, dumps().
"""
import json
import random

from pytablewriter import MarkdownTableWriter

rng = random.Random(22)

TASK_HEAD = ["Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr", "Human"]
GROUP_HEAD = ["Groups", "Version", "Filter", "Metric", "Micro (lm-eval)", "", "Stderr", "Macro", "Human"]
NAMES = ["recursion_succ_carry_0", "arc_easy", "kmmlu_hard_criminal_law", "x", "leaderboard_musr_team_allocation",
         "gsm8k_cot", "lambada_openai", "wikitext", "mmlu_pro"]
FILTERS = ["none", "strip", "strict-match", "flexible-extract", "remove_whitespace"]
METRICS = ["acc", "acc_norm", "exact_match", "word_perplexity", "byte_perplexity", "bits_per_byte", "f1", "bleu"]


def value():
    kind = rng.random()
    if kind < 0.15:
        return 0.0
    if kind < 0.25:
        return 1.0
    if kind < 0.35:
        return round(rng.random(), 2)  # 0.2900-style values
    if kind < 0.45:
        return rng.uniform(1, 50000)  # perplexities
    return rng.random()


def f4(v):
    return "%.4f" % v


def task_rows(n):
    rows = []
    for _ in range(n):
        name = rng.choice(NAMES)
        version = rng.choice(["1.0", "2.0", "0.0", "1", "3", "Yaml", "    N/A"])
        nshot = rng.choice(["0", "5", "25", " "])
        for i in range(rng.randint(1, 3)):
            se = rng.random()
            stderr = rng.choice([f4(se / 10), f4(0.0), "   N/A", ""])
            rows.append([name if i == 0 else "", version if i == 0 else "", rng.choice(FILTERS), nshot,
                         rng.choice(METRICS), rng.choice(["↑", "↓", ""]), f4(value()),
                         "" if stderr == "" else "±", stderr,
                         rng.choice(["", "", f4(rng.random())]) if i == 0 else ""])
    return rows


def group_rows(n):
    rows = []
    for _ in range(n):
        stderr = rng.choice([f4(rng.random() / 10), "   N/A"])
        rows.append([rng.choice(NAMES), "", rng.choice(FILTERS), rng.choice(METRICS), f4(value()), "±", stderr,
                     f4(value()), rng.choice(["", f4(rng.random())])])
    return rows


def render(head, rows):
    w = MarkdownTableWriter()
    w.headers = head
    w.value_matrix = rows
    return w.dumps()


cases = []
# The README's quick start: the seven recursion_succ rows and their group.
succ = [["recursion_succ_carry_0", 0.29, 0.0456], ["recursion_succ_carry_1", 0.38, 0.0488],
        ["recursion_succ_carry_2_3", 0.32, 0.0469], ["recursion_succ_carry_4_7", 0.15, 0.0359],
        ["recursion_succ_carry_8plus", 0.0, 0.0], ["recursion_succ_all_ones", 0.2727, 0.1408],
        ["recursion_succ_longer", 0.0, 0.0]]
cases.append((TASK_HEAD, [[n, "1.0", "strip", "0", "exact_match", "↑", f4(v), "±", f4(s), ""] for n, v, s in succ]))
cases.append((GROUP_HEAD, [["recursion_succ", "", "strip", "exact_match", "0.2241", "±", "0.0173", "0.2018", ""]]))
# One row, whose 0.2900 pytablewriter prints as 0.29.
cases.append((TASK_HEAD, [["arc_easy", "1.0", "none", "0", "acc", "↑", "0.2900", "±", "0.0456", ""]]))
for _ in range(30):
    cases.append((TASK_HEAD, task_rows(rng.randint(1, 6))))
for _ in range(10):
    cases.append((GROUP_HEAD, group_rows(rng.randint(1, 4))))
# The CFG sweep table's form.
for _ in range(5):
    scales = sorted(rng.sample([1, 1.25, 1.5, 2, 3, 5], rng.randint(1, 4)))
    head = ["Task", "Metric", "Filter"] + ["γ=%g" % s for s in scales]
    rows = [[rng.choice(NAMES), rng.choice(METRICS), rng.choice(FILTERS)] + [rng.choice([f4(value()), ""]) for _ in scales]
            for _ in range(rng.randint(1, 4))]
    cases.append((head, rows))

print(json.dumps([{"headers": h, "rows": r, "want": render(h, r)} for h, r in cases], ensure_ascii=False, indent=1))
