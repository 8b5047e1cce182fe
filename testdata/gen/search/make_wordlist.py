#!/usr/bin/env python3
"""Build the analyzer word-list input from GCIDE JSONL records.

Usage: make_wordlist.py CORPUS.jsonl EDGE_CASES.txt OUT.txt

OUT holds the hand-written edge cases, then about 12,000 distinct
whitespace-separated words of the corpus (every Nth of the sorted set, so
punctuation, capitals and digits stay in), then 200 whole corpus lines.
"""
import json
import random
import sys


def main():
    corpus, edge, out = sys.argv[1:4]
    words = set()
    lines = []
    with open(corpus, encoding="utf-8") as f:
        for rec in map(json.loads, f):
            for line in rec["contents"].split("\n"):
                line = line.strip()
                if line:
                    lines.append(line)
                words.update(line.split())
    words = sorted(words)
    step = max(1, len(words) // 12000)
    rng = random.Random(7)
    with open(out, "w", encoding="utf-8") as o:
        o.write(open(edge, encoding="utf-8").read())
        for w in words[::step]:
            o.write(w.replace("\\", "") + "\n")
        for line in rng.sample(lines, 200):
            o.write(line.replace("\\", "") + "\n")


if __name__ == "__main__":
    main()
