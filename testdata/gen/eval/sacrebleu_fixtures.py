"""Corpus BLEU, chrF and TER of scripted [reference, prediction] items by
lm-eval's own bleu, chrf and ter aggregations (lm_eval/api/metrics.py), which
call sacreBLEU, both imported from checkouts (never copied), for
eval/sacrebleu_test.go:

    git clone https://github.com/mjpost/sacrebleu /tmp/sacrebleu        # 2.x
    /usr/bin/python3 testdata/gen/eval/sacrebleu_fixtures.py /tmp/lmeval /tmp/sacrebleu > eval/testdata/sacrebleu.json

Debian's python3 with python3-numpy, python3-regex, python3-portalocker,
python3-tabulate, python3-colorama, python3-lxml.
"""
import json
import sys

sys.path.insert(0, sys.argv[2])
import types  # noqa: E402
import os  # noqa: E402

# A checkout lacks the version file that packaging writes.
version = types.ModuleType("sacrebleu.version")
version.__version__ = "2 (checkout)"
sys.modules["sacrebleu.version"] = version

# lm_eval without its __init__ (which needs the installed distribution).
pkg = types.ModuleType("lm_eval")
pkg.__path__ = [os.path.join(sys.argv[1], "lm_eval")]
sys.modules["lm_eval"] = pkg
from lm_eval.api import metrics  # noqa: E402

CORPORA = [
    [["The cat sat on the mat.", "The cat sat on the mat."]],
    [["The cat sat on the mat.", "A cat sat on a mat!"],
     ["He paid $3.50 for 2,000 apples - really?", "He paid 3.50 dollars for 2000 apples, really"],
     ["It's 10-15 minutes away &amp; close.", "it is 10 - 15 minutes away & close"],
     ["Ünïcödé wörds, «quoted» text.", "Unicode words «quoted» text"]],
    [["short", "a much longer prediction than the reference"], ["x", ""]],
    [[["first reference here", "second one here"], "first one here"],
     [["another ref", "yet another reference"], "another reference"]],
    [["<skipped> line one-\nbreak", "line onebreak"], ["no overlap at all", "zzz qqq"]],
    # Shifts: word blocks moved, repeated words, a long segment.
    [["the quick brown fox jumps over the lazy dog", "over the lazy dog the quick brown fox jumps"],
     ["a b c d e f g h", "e f g h a b c d"],
     ["one two three two one", "two one one two three"],
     [" ".join("w%d" % (i % 17) for i in range(90)), " ".join("w%d" % ((i * 7) % 17) for i in range(85))]],
    [["", "something"], ["Case Matters Not", "case matters not"]],
]

out = []
for items in CORPORA:
    out.append({"items": items, "bleu": metrics.bleu(items), "chrf": metrics.chrf(items), "ter": metrics.ter(items)})
print(json.dumps(out, indent=1, ensure_ascii=False))
