#!/usr/bin/python3
"""The peer of lm/cache in bench/cache_lookup.sh: lm-evaluation-harness's
CachingLM lookup loop. CachingLM keeps answers in a SqliteDict (the
sqlitedict package, pickled values, autocommit) keyed by the SHA-256 of the
JSON of the request type and arguments, and for every request checks
`hsh in self.dbdict` and then reads `self.dbdict[hsh]`.

Usage: cache_peer.py DIR N
Fills DIR/peer.sqlite with N loglikelihood answers (untimed), then times
looking all N up again as a resumed run does. Prints: lookups/s and seconds.
"""
import hashlib
import json
import os
import sys
import time

from sqlitedict import SqliteDict


def hash_args(attr, args):
    dat = json.dumps([attr] + list(args))
    return hashlib.sha256(dat.encode("utf-8")).hexdigest()


def requests(n):
    # The same requests as lm/cache's llRequests.
    return [(f"Question {i}: what is {i}+{i + 1}?\nAnswer:", f" {2 * i + 1}") for i in range(n)]


def main(folder, n):
    path = os.path.join(folder, "peer.sqlite")
    reqs = requests(n)
    with SqliteDict(path, autocommit=False) as db:
        for i, args in enumerate(reqs):
            db[hash_args("loglikelihood", args)] = (-float(i % 1000) / 100, i % 3 == 0)
        db.commit()
    db = SqliteDict(path, autocommit=True)
    start = time.perf_counter()
    hits = 0
    for args in reqs:
        hsh = hash_args("loglikelihood", args)
        if hsh in db:
            ob = db[hsh]
            assert ob is not None
            hits += 1
    elapsed = time.perf_counter() - start
    db.close()
    assert hits == n
    print(f"{n / elapsed:.0f} {elapsed:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
