#!/usr/bin/env python3
"""Convert Debian's dict-gcide dictionary into JSONL records for fmkit search.

Usage: gcide_to_jsonl.py [--every N] [--dict PATH] [--index PATH] OUT.jsonl

Each unique (offset, length) entry of gcide.index becomes one record
{"id": "gcide-NNNNNN", "contents": <entry text>, "meta": {"headword": ..., "lang": "en"}}
in the order the index lists them. The database-info pseudo entries
(headwords starting with "00-") are left out. --every N keeps every Nth
record only (a deterministic subset for committed fixtures).
"""
import argparse
import gzip
import json

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64num(s):
    v = 0
    for c in s:
        v = v * 64 + B64.index(c)
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dict", default="/usr/share/dictd/gcide.dict.dz")
    ap.add_argument("--index", default="/usr/share/dictd/gcide.index")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("out")
    args = ap.parse_args()
    data = gzip.open(args.dict).read()
    seen = set()
    n = 0
    with open(args.out, "w", encoding="utf-8") as out, open(args.index, encoding="utf-8") as idx:
        for line in idx:
            head, off, length = line.rstrip("\n").split("\t")
            if head.startswith("00-"):
                continue
            key = (b64num(off), b64num(length))
            if key in seen:
                continue
            seen.add(key)
            n += 1
            if (n - 1) % args.every != 0:
                continue
            raw = data[key[0]:key[0] + key[1]]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                # A few entries carry stray Windows-1252 bytes (curly quotes).
                text = raw.decode("cp1252")
            rec = {"id": "gcide-%06d" % n, "contents": text, "meta": {"headword": head, "lang": "en"}}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
