#!/usr/bin/env bash
# fmkit search against Lucene 8.8.1 (the BM25 of Pyserini and Anserini) on
# the whole of GCIDE (126,236 dictionary entries, 39.8 MB of text), in one
# run on one machine:
#
#   indexing throughput, MB/s of raw text, both with 2 threads (median of
#     ROUNDS runs, the tools alternating), and the process CPU seconds of
#     each (user + system), steadier than wall time on a shared machine
#   index size (each stores the raw record and the id)
#   top-10 latency p50/p99 over 600 queries (median of ROUNDS timed rounds
#     after 2 warm-up rounds, each search returning the hits' ids):
#     fmkit's default (MaxScore after the first 1000 matches) against
#     Lucene's IndexSearcher.search(q, 10) (block-max WAND after 1000 hits)
#   parity: identical top-10 ids and scores within 1e-4 relative (fmkit's
#     default similarity lucene8 against Lucene 8, k1=0.9 b=0.4, Lucene's
#     index built by one thread so that ties break by record order)
#
# Lucene 8 comes from Debian's liblucene8-java, unpacked into the work
# directory (testdata/gen/search/lucene8_classpath.sh).
#
# Usage: bash bench/search_vs_lucene8.sh   (WORK=dir ROUNDS=n to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
rounds=${ROUNDS:-3}
gen="$root/testdata/gen/search"
mkdir -p "$work"

need=()
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -f /usr/share/dictd/gcide.dict.dz ] || need+=(dict-gcide)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; fi

echo "work dir: $work" >&2
(cd "$root" && go build -o "$work/fmkit" ./cmd/fmkit)
cp=$(bash "$gen/lucene8_classpath.sh" "$work")
javac -nowarn -cp "$cp" -d "$work/classes8" "$gen/LuceneRef8.java" 2>/dev/null
lucene() { java -cp "$cp:$work/classes8" LuceneRef8 "$@"; }

corpus="$work/gcide.jsonl"
[ -f "$corpus" ] || python3 "$gen/gcide_to_jsonl.py" "$corpus"
python3 "$gen/make_queries.py" "$corpus" 600 "$work/queries.txt"

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"

: >"$work/index_times.jsonl"
for r in $(seq "$rounds"); do
	rm -rf "$work/fmkit-idx" "$work/lucene-idx"
	# Process CPU seconds too (user + system, /usr/bin/time): on a shared
	# machine the wall-clock ratio moves with the other jobs' load.
	s=$(/usr/bin/time -f '%U %S' -o "$work/cpu.txt" "$work/fmkit" search index --input "$corpus" --index "$work/fmkit-idx" --threads 2 --quiet --json)
	echo "{\"tool\":\"fmkit\",\"run\":$s,\"cpu_s\":$(awk '{print $1 + $2}' "$work/cpu.txt")}" >>"$work/index_times.jsonl"
	s=$(/usr/bin/time -f '%U %S' -o "$work/cpu.txt" java -cp "$cp:$work/classes8" LuceneRef8 index "$corpus" "$work/lucene-idx" 0.9 0.4 2)
	echo "{\"tool\":\"lucene\",\"run\":$s,\"cpu_s\":$(awk '{print $1 + $2}' "$work/cpu.txt")}" >>"$work/index_times.jsonl"
done

for i in $(seq $((rounds + 2))); do cat "$work/queries.txt"; done >"$work/queries_rounds.txt"
"$work/fmkit" search query --index "$work/fmkit-idx" --queries "$work/queries_rounds.txt" --json --no-snippets --no-meta >"$work/fmkit_latency.jsonl"
lucene bench "$work/lucene-idx" "$work/queries.txt" 0.9 0.4 2 "$rounds" >"$work/lucene_latency.json"

rm -rf "$work/lucene-idx1"
lucene index "$corpus" "$work/lucene-idx1" 0.9 0.4 1 >/dev/null
lucene search "$work/lucene-idx1" "$work/queries.txt" "$work/lucene_top10.jsonl" 0.9 0.4
"$work/fmkit" search query --index "$work/fmkit-idx" --queries "$work/queries.txt" --json --no-snippets --no-meta --exact-total >"$work/fmkit_top10.jsonl"
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$rounds" <<'PY'
import json, statistics, subprocess, sys
work, rounds = sys.argv[1], int(sys.argv[2])
runs = {}
for line in open(f"{work}/index_times.jsonl"):
    r = json.loads(line)
    runs.setdefault(r["tool"], []).append(r["run"])
mbps = {t: statistics.median(x["mb_per_s"] for x in rs) for t, rs in runs.items()}
cpu = {}
for line in open(f"{work}/index_times.jsonl"):
    r = json.loads(line)
    cpu.setdefault(r["tool"], []).append(r["cpu_s"])
cpu = {t: statistics.median(v) for t, v in cpu.items()}
def size(d):
    return int(subprocess.check_output(["du", "-sb", f"{work}/{d}"]).split()[0])
sizes = {"fmkit": size("fmkit-idx"), "lucene": size("lucene-idx")}
lines = [json.loads(l) for l in open(f"{work}/fmkit_latency.jsonl")]
n = len(lines) // (rounds + 2)
timed = lines[2 * n:]
per = sorted(statistics.median(timed[r * n + i]["took_ms"] for r in range(rounds)) for i in range(n))
f50, f99 = per[round(0.50 * (n - 1))], per[round(0.99 * (n - 1))]
luc = json.load(open(f"{work}/lucene_latency.json"))
want = [json.loads(l) for l in open(f"{work}/lucene_top10.jsonl")]
got = [json.loads(l) for l in open(f"{work}/fmkit_top10.jsonl")]
same = sum(1 for w, g in zip(want, got) if [h[0] for h in w["hits"]] == [h["id"] for h in g["hits"]])
score_ok = sum(1 for w, g in zip(want, got)
               if all(abs(h["score"] - x[1]) <= 1e-4 * abs(x[1]) for h, x in zip(g["hits"], w["hits"])))
totals = sum(1 for w, g in zip(want, got) if w["total"] == g["total"])
print(f"GCIDE: {runs['fmkit'][0]['docs']} docs, {runs['fmkit'][0]['text_bytes']/1e6:.1f} MB of text, {rounds} rounds")
print(f"indexing MB/s      fmkit {mbps['fmkit']:7.2f}   lucene8 {mbps['lucene']:7.2f}   fmkit/lucene8 {mbps['fmkit']/mbps['lucene']:.2f}x")
print(f"indexing CPU s     fmkit {cpu['fmkit']:7.2f}   lucene8 {cpu['lucene']:7.2f}   lucene8/fmkit {cpu['lucene']/cpu['fmkit']:.2f}x")
print(f"index size MB      fmkit {sizes['fmkit']/1e6:7.1f}   lucene8 {sizes['lucene']/1e6:7.1f}   fmkit/lucene8 {sizes['fmkit']/sizes['lucene']:.2f}")
print(f"top-10 p50 ms      fmkit {f50:7.3f}   lucene8 {luc['p50_ms']:7.3f}   fmkit/lucene8 {f50/luc['p50_ms']:.2f}")
print(f"top-10 p99 ms      fmkit {f99:7.3f}   lucene8 {luc['p99_ms']:7.3f}   fmkit/lucene8 {f99/luc['p99_ms']:.2f}")
print(f"parity (lucene8)   identical top-10 ids {same}/{len(want)}, scores within 1e-4 {score_ok}/{len(want)}, equal totals {totals}/{len(want)}")
PY
