#!/usr/bin/env bash
# fmkit search against Lucene 4.10 and Xapian on the whole of GCIDE
# (126,236 dictionary entries, 39.8 MB of text), all in one run on one
# machine:
#
#   indexing throughput, MB/s of raw text (median of ROUNDS runs each;
#     fmkit and Lucene with 2 threads, Xapian with its single writer)
#   index size (each stores the raw record and the id)
#   top-10 latency p50/p99 over 600 queries (median of ROUNDS timed rounds
#     after 2 warm-up rounds, each search returning the hits' ids)
#   parity: identical top-10 ids and scores within 1e-4 relative
#     (fmkit --lucene-norms against Lucene, same k1=0.9 b=0.4)
#
# Usage: bash bench/search_vs_lucene.sh   (WORK=dir ROUNDS=n to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
rounds=${ROUNDS:-3}
gen="$root/testdata/gen/search"
mkdir -p "$work"

need=()
[ -f /usr/share/java/lucene-core-4.10.4.jar ] || need+=(liblucene4.10-java)
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -f /usr/share/dictd/gcide.dict.dz ] || need+=(dict-gcide)
/usr/bin/python3 -c 'import xapian' 2>/dev/null || need+=(python3-xapian xapian-tools)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; fi

echo "work dir: $work" >&2
(cd "$root" && go build -o "$work/fmkit" ./cmd/fmkit)
cp=/usr/share/java/lucene-core-4.10.4.jar:/usr/share/java/lucene-analyzers-common-4.10.4.jar:/usr/share/java/lucene-queryparser-4.10.4.jar
javac -nowarn -cp "$cp" -d "$work/classes" "$gen/LuceneRef.java" 2>/dev/null
lucene() { java -cp "$cp:$work/classes" LuceneRef "$@"; }

corpus="$work/gcide.jsonl"
[ -f "$corpus" ] || python3 "$gen/gcide_to_jsonl.py" "$corpus"
python3 "$gen/make_queries.py" "$corpus" 600 "$work/queries.txt"

# Indexing, alternating the three tools in each round.
: >"$work/index_times.jsonl"
for r in $(seq "$rounds"); do
	rm -rf "$work/fmkit-idx" "$work/lucene-idx" "$work/xapian-idx"
	s=$("$work/fmkit" search index --input "$corpus" --index "$work/fmkit-idx" --threads 2 --lucene-norms --quiet --json)
	echo "{\"tool\":\"fmkit\",\"run\":$s}" >>"$work/index_times.jsonl"
	s=$(lucene index "$corpus" "$work/lucene-idx" 0.9 0.4 2)
	echo "{\"tool\":\"lucene\",\"run\":$s}" >>"$work/index_times.jsonl"
	s=$(/usr/bin/python3 "$root/bench/xapian_index.py" "$corpus" "$work/xapian-idx")
	echo "{\"tool\":\"xapian\",\"run\":$s}" >>"$work/index_times.jsonl"
done

# Latency: the query file repeated, 2 warm-up rounds then timed ones.
for i in $(seq $((rounds + 2))); do cat "$work/queries.txt"; done >"$work/queries_rounds.txt"
"$work/fmkit" search query --index "$work/fmkit-idx" --queries "$work/queries_rounds.txt" --json --no-snippets --no-meta >"$work/fmkit_latency.jsonl"
"$work/fmkit" search query --index "$work/fmkit-idx" --queries "$work/queries_rounds.txt" --json --no-snippets --no-meta --exact-total >"$work/fmkit_latency_exact.jsonl"
lucene bench "$work/lucene-idx" "$work/queries.txt" 0.9 0.4 2 "$rounds" >"$work/lucene_latency.json"

# Parity on the whole corpus, against a Lucene index built by one thread so
# that its doc ids follow record order (ties break by doc id).
rm -rf "$work/lucene-idx1"
lucene index "$corpus" "$work/lucene-idx1" 0.9 0.4 1 >/dev/null
lucene search "$work/lucene-idx1" "$work/queries.txt" "$work/lucene_top10.jsonl" 0.9 0.4
"$work/fmkit" search query --index "$work/fmkit-idx" --queries "$work/queries.txt" --json --no-snippets --no-meta --exact-total >"$work/fmkit_top10.jsonl"

python3 - "$work" "$rounds" <<'EOF'
import json, statistics, subprocess, sys
work, rounds = sys.argv[1], int(sys.argv[2])

runs = {}
for line in open(f"{work}/index_times.jsonl"):
    r = json.loads(line)
    runs.setdefault(r["tool"], []).append(r["run"])
mbps = {t: statistics.median(x["mb_per_s"] for x in rs) for t, rs in runs.items()}

def size(d):
    return int(subprocess.check_output(["du", "-sb", f"{work}/{d}"]).split()[0])
sizes = {"fmkit": size("fmkit-idx"), "lucene": size("lucene-idx"), "xapian": size("xapian-idx")}

def fmkit_latency(path):
    lines = [json.loads(l) for l in open(path)]
    n = len(lines) // (rounds + 2)
    timed = lines[2 * n:]
    per = [statistics.median(timed[r * n + i]["took_ms"] for r in range(rounds)) for i in range(n)]
    per.sort()
    return per[round(0.50 * (n - 1))], per[round(0.99 * (n - 1))]
f50, f99 = fmkit_latency(f"{work}/fmkit_latency.jsonl")
e50, e99 = fmkit_latency(f"{work}/fmkit_latency_exact.jsonl")
luc = json.load(open(f"{work}/lucene_latency.json"))

want = [json.loads(l) for l in open(f"{work}/lucene_top10.jsonl")]
got = [json.loads(l) for l in open(f"{work}/fmkit_top10.jsonl")]
same = sum(1 for w, g in zip(want, got) if [h[0] for h in w["hits"]] == [h["id"] for h in g["hits"]])
score_ok = sum(1 for w, g in zip(want, got)
               if all(abs(h["score"] - x[1]) <= 1e-4 * abs(x[1]) for h, x in zip(g["hits"], w["hits"])))
totals = sum(1 for w, g in zip(want, got) if w["total"] == g["total"])

print(f"GCIDE: {runs['fmkit'][0]['docs']} docs, {runs['fmkit'][0]['text_bytes']/1e6:.1f} MB of text, {rounds} rounds")
print(f"indexing MB/s      fmkit {mbps['fmkit']:7.2f}   lucene {mbps['lucene']:7.2f}   xapian {mbps['xapian']:7.2f}")
print(f"  ratio            fmkit/lucene {mbps['fmkit']/mbps['lucene']:.2f}x (want >= 1.5)   fmkit/xapian {mbps['fmkit']/mbps['xapian']:.2f}x (want >= 2)")
print(f"index size MB      fmkit {sizes['fmkit']/1e6:7.1f}   lucene {sizes['lucene']/1e6:7.1f}   xapian {sizes['xapian']/1e6:7.1f}   fmkit/lucene {sizes['fmkit']/sizes['lucene']:.2f} (want <= 1)")
print(f"top-10 p50 ms      fmkit {f50:7.3f}   exact totals {e50:7.3f}   lucene {luc['p50_ms']:7.3f}   ratio {f50/luc['p50_ms']:.2f} (want <= 1)")
print(f"top-10 p99 ms      fmkit {f99:7.3f}   exact totals {e99:7.3f}   lucene {luc['p99_ms']:7.3f}   ratio {f99/luc['p99_ms']:.2f} (want <= 1)")
print(f"parity             identical top-10 ids {same}/{len(want)} ({100*same/len(want):.2f}%), scores within 1e-4 {score_ok}/{len(want)}, equal totals {totals}/{len(want)}")
EOF
