#!/usr/bin/env python3
"""Index JSONL records {id, contents, meta} with Xapian, for bench/search_vs_lucene.sh.

Usage: xapian_index.py CORPUS.jsonl DBDIR

English stemming (Xapian's default STEM_SOME strategy), the raw record as
document data and the id as a unique boolean term, like fmkit and the
Lucene reference store them. Prints {"seconds", "contents_bytes", "mb_per_s"}.
"""
import json
import sys
import time

import xapian


def main():
    corpus, dbdir = sys.argv[1:3]
    t0 = time.monotonic()
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("english"))
    nbytes = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(rec["contents"])
            doc.set_data(line)
            doc.add_boolean_term("Q" + rec["id"])
            db.add_document(doc)
            nbytes += len(rec["contents"].encode("utf-8"))
    db.commit()
    db.close()
    secs = time.monotonic() - t0
    print(json.dumps({"seconds": round(secs, 3), "contents_bytes": nbytes, "mb_per_s": round(nbytes / 1e6 / secs, 3)}))


if __name__ == "__main__":
    main()
