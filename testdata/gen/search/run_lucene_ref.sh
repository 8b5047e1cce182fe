#!/usr/bin/env bash
# Regenerate fmkit search's reference fixtures with Lucene 4.10.
# Needs the Debian packages liblucene4.10-java, default-jdk-headless,
# dict-gcide and python3 (installed below when missing).
# Writes into search/testdata and search/analysis/testdata of this checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=${WORK:-$(mktemp -d)}

need=()
[ -f /usr/share/java/lucene-core-4.10.4.jar ] || need+=(liblucene4.10-java)
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -f /usr/share/dictd/gcide.dict.dz ] || need+=(dict-gcide)
if [ ${#need[@]} -gt 0 ]; then apt-get update && apt-get install -y "${need[@]}"; fi

cp=/usr/share/java/lucene-core-4.10.4.jar:/usr/share/java/lucene-analyzers-common-4.10.4.jar:/usr/share/java/lucene-queryparser-4.10.4.jar
javac -nowarn -cp "$cp" -d "$work/classes" "$here/LuceneRef.java"
ref() { java -cp "$cp:$work/classes" LuceneRef "$@"; }

# Corpus: the whole of GCIDE, and every 8th record as the committed sample.
python3 "$here/gcide_to_jsonl.py" "$work/gcide.jsonl"
python3 "$here/gcide_to_jsonl.py" --every 8 "$work/gcide8.jsonl"

# Analyzer fixtures.
ad="$root/search/analysis/testdata"
mkdir -p "$ad"
python3 "$here/make_wordlist.py" "$work/gcide.jsonl" "$here/edge_cases.txt" "$work/words.txt"
for a in english standard; do
	ref analyze "$a" "$work/words.txt" "$work/$a.jsonl"
	gzip -9n -c "$work/$a.jsonl" >"$ad/lucene_$a.jsonl.gz"
done
for a in cjk tokenizer; do
	ref analyze "$a" "$here/edge_cases.txt" "$ad/lucene_$a.jsonl"
done
ref probe "$work/probe.txt"
gzip -9n -c "$work/probe.txt" >"$ad/lucene_codepoints.txt.gz"

# BM25 fixtures on the sample: k1=0.9 b=0.4 (Anserini's defaults) and
# k1=1.2 b=0.75 (Lucene's), 600 queries each.
sd="$root/search/testdata"
mkdir -p "$sd"
gzip -9n -c "$work/gcide8.jsonl" >"$sd/gcide8.jsonl.gz"
python3 "$here/make_queries.py" "$work/gcide8.jsonl" 600 "$sd/queries.txt"
for kb in "0.9 0.4" "1.2 0.75"; do
	set -- $kb
	rm -rf "$work/idx"
	ref index "$work/gcide8.jsonl" "$work/idx" "$1" "$2" 1
	ref search "$work/idx" "$sd/queries.txt" "$sd/lucene_k${1}_b${2}.jsonl" "$1" "$2"
done
echo "fixtures written; work dir $work"
