"""Writes eval/ifeval/internal/langdetect/profiles.json.gz, the language
profiles and normalization tables of langdetect (the Python port of
Shuyo Nakatani's language-detection, Apache-2.0) that fmkit's IFEval
language checks embed:

    apt-get install python3-langdetect     # 1.0.9 (Debian 12)
    /usr/bin/python3 testdata/gen/eval/langdetect_profiles.py

One JSON object: "profiles" (each language's name, n_words and n-gram
frequencies, sorted by name), "latin1_exclude", "cjk_classes" (the Kanji
classes whose members map to their first character), and the Vietnamese
normalization strings. gzip's header carries no time stamp, so the file is
the same on every run.
"""
import gzip
import json
import os

import langdetect
from langdetect.utils import messages
from langdetect.utils.ngram import NGram

PROFILES = os.path.join(os.path.dirname(langdetect.__file__), "profiles")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "..", "eval", "ifeval", "internal", "langdetect", "profiles.json.gz")

profiles = []
for name in sorted(os.listdir(PROFILES)):
    with open(os.path.join(PROFILES, name), encoding="utf-8") as f:
        p = json.load(f)
    profiles.append({"name": p["name"], "n_words": p["n_words"], "freq": dict(sorted(p["freq"].items()))})

tables = {
    "profiles": profiles,
    "latin1_exclude": NGram.LATIN1_EXCLUDED,
    "cjk_classes": NGram.CJK_CLASS,
    "vi_to_normalize": NGram.TO_NORMALIZE_VI_CHARS,
    "vi_dmark_class": NGram.DMARK_CLASS,
    "vi_normalized": NGram.NORMALIZED_VI_CHARS,
}
raw = json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
with open(OUT, "wb") as f:
    f.write(gzip.compress(raw, compresslevel=9, mtime=0))
print(len(profiles), "profiles,", len(raw), "bytes ->", os.path.getsize(OUT))
