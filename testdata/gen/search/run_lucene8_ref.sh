#!/usr/bin/env bash
# Regenerate fmkit search's Lucene 8 fixtures (similarity "lucene8").
# Lucene 8.8.1 comes from Debian's liblucene8-java, which conflicts with
# liblucene4.10-java as a package, so it is downloaded and unpacked into the
# work directory (apt-get download + dpkg-deb -x) instead of installed.
# Needs default-jdk-headless (installed below when missing). Reads the
# committed GCIDE sample and queries; writes into search/testdata.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"

command -v javac >/dev/null || { apt-get update && apt-get install -y default-jdk-headless; }
cp=$(bash "$here/lucene8_classpath.sh" "$work")
javac -nowarn -cp "$cp" -d "$work/classes8" "$here/LuceneRef8.java"
ref() { java -cp "$cp:$work/classes8" LuceneRef8 "$@"; }

sd="$root/search/testdata"
ref norms 5000 "$work/norms.txt"
gzip -9n -c "$work/norms.txt" >"$sd/lucene8_norms.txt.gz"

gunzip -c "$sd/gcide8.jsonl.gz" >"$work/gcide8.jsonl"
for kb in "0.9 0.4" "1.2 0.75"; do
	set -- $kb
	rm -rf "$work/idx8"
	ref index "$work/gcide8.jsonl" "$work/idx8" "$1" "$2" 1
	ref search "$work/idx8" "$sd/queries.txt" "$sd/lucene8_k${1}_b${2}.jsonl" "$1" "$2"
done
echo "fixtures written; work dir $work"
