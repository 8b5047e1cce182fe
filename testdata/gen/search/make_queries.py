#!/usr/bin/env python3
"""Generate a deterministic mix of search queries from JSONL records.

Usage: make_queries.py CORPUS.jsonl N OUT.txt

The mix (fractions of N): single frequent terms, single rare terms,
multi-term bags of words from one record, stop-word-heavy queries, quoted
phrases of consecutive words, required/excluded terms (+a -b, a AND b),
parenthesised groups, and phrases mixed with terms. Words are lowercase
ASCII letters only, so Lucene's classic QueryParser and fmkit's parser read
every line the same way.
"""
import collections
import json
import random
import re
import sys

STOP = ("a an and are as at be but by for if in into is it no not of on or such "
        "that the their then there these they this to was will with").split()
WORD = re.compile(r"[A-Za-z]+")


def main():
    corpus, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(20261125)
    docs = []
    df = collections.Counter()
    with open(corpus, encoding="utf-8") as f:
        for rec in map(json.loads, f):
            ws = [w.lower() for w in WORD.findall(rec["contents"])]
            ws = [w for w in ws if len(w) > 1]
            if len(ws) >= 8:
                docs.append(ws)
            df.update(set(ws))
    content = [w for w, c in df.most_common() if w not in STOP]
    frequent = content[:3000]
    rare = [w for w, c in df.items() if c <= 3 and len(w) > 3]
    rare.sort()

    def doc():
        return rng.choice(docs)

    def some_words(k):
        d = doc()
        return [w for w in rng.sample(d, min(k, len(d)))]

    def phrase(k):
        d = doc()
        i = rng.randrange(0, len(d) - k)
        return '"' + " ".join(d[i:i + k]) + '"'

    def nonstop(d):
        ws = [w for w in d if w not in STOP]
        return ws or d

    kinds = [
        (0.12, lambda: rng.choice(frequent)),
        (0.12, lambda: rng.choice(rare)),
        (0.22, lambda: " ".join(some_words(rng.randint(2, 5)))),
        (0.10, lambda: " ".join(rng.sample(STOP, 3) + [rng.choice(frequent)] + rng.sample(STOP, 2))),
        (0.14, lambda: phrase(rng.randint(2, 4))),
        (0.06, lambda: "+%s +%s" % tuple(rng.sample(nonstop(doc()), 2))),
        (0.06, lambda: "%s -%s" % (rng.choice(frequent), rng.choice(frequent))),
        (0.05, lambda: "%s AND %s" % tuple(rng.sample(nonstop(doc()), 2))),
        (0.05, lambda: "+(%s %s) +%s" % tuple(rng.sample(nonstop(doc()), 3))),
        (0.08, lambda: phrase(2) + " " + " ".join(some_words(2))),
    ]
    queries = []
    seen = set()
    for frac, gen in kinds:
        want = round(frac * n)
        got = 0
        while got < want:
            q = gen()
            if q in seen:
                continue
            seen.add(q)
            queries.append(q)
            got += 1
    with open(out, "w") as o:
        for q in queries:
            o.write(q + "\n")


if __name__ == "__main__":
    main()
