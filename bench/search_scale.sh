#!/usr/bin/env bash
# Scale check for fmkit search: generate a synthetic corpus (default 1.5 GB
# of text; the issue's target is 10 GB, set GB=10 on a machine with the
# disk for it), index it with the default 256 MiB RAM buffer and 2 threads,
# and report throughput, peak memory, index size and the top-10 latency of
# 200 queries.
#
# Usage: bash bench/search_scale.sh   (WORK=dir GB=n to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
gb=${GB:-1.5}
gen="$root/testdata/gen/search"
mkdir -p "$work"
[ -f /usr/share/dictd/gcide.dict.dz ] || { apt-get update -qq && apt-get install -y -qq dict-gcide; }

(cd "$root" && go build -o "$work/fmkit" ./cmd/fmkit && go build -o "$work/searchgen" ./bench/searchgen)
[ -f "$work/gcide.jsonl" ] || python3 "$gen/gcide_to_jsonl.py" "$work/gcide.jsonl"
bytes=$(python3 -c "print(int($gb * 1e9))")
[ -f "$work/synthetic.jsonl" ] || "$work/searchgen" -bytes "$bytes" -vocab "$work/gcide.jsonl" -o "$work/synthetic.jsonl"
python3 "$gen/make_queries.py" "$work/gcide.jsonl" 200 "$work/queries.txt"

# Peak memory, sampled every second: anonymous memory (heap, buffers) and
# file-backed pages (the memory-mapped segments read by merges, which the
# kernel can drop at any time) separately.
rm -rf "$work/idx"
"$work/fmkit" search index --input "$work/synthetic.jsonl" --index "$work/idx" --threads 2 --quiet --json >"$work/index.json" &
pid=$!
maxa=0 maxf=0
while kill -0 "$pid" 2>/dev/null; do
	a=$(awk '/RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
	f=$(awk '/RssFile/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$a" ] && [ "$a" -gt "$maxa" ] && maxa=$a
	[ -n "$f" ] && [ "$f" -gt "$maxf" ] && maxf=$f
	sleep 1
done
wait "$pid"
echo "$maxa $maxf" >"$work/rss.txt"
for i in 1 2 3; do cat "$work/queries.txt"; done >"$work/queries3.txt"
"$work/fmkit" search query --index "$work/idx" --queries "$work/queries3.txt" --json --no-snippets --no-meta >"$work/latency.jsonl"

python3 - "$work" <<'PY'
import json, statistics, subprocess, sys
work = sys.argv[1]
s = json.load(open(f"{work}/index.json"))
anon, filemap = (int(x) / 1024 for x in open(f"{work}/rss.txt").read().split())
size = int(subprocess.check_output(["du", "-sb", f"{work}/idx"]).split()[0])
lines = [json.loads(l) for l in open(f"{work}/latency.jsonl")]
n = len(lines) // 3
per = sorted(statistics.median([lines[n + i]["took_ms"], lines[2 * n + i]["took_ms"]]) for i in range(n))
print(f"synthetic corpus: {s['docs']} docs, {s['text_bytes']/1e9:.2f} GB of text")
print(f"indexing: {s['seconds']:.0f} s, {s['mb_per_s']:.1f} MB/s, peak anonymous memory {anon:.0f} MiB (RAM buffer 256 MiB), peak mapped file pages {filemap:.0f} MiB")
print(f"index size: {size/1e9:.2f} GB ({size/s['text_bytes']:.2f} of the text)")
print(f"top-10 latency over {n} queries: p50 {per[n//2]:.2f} ms, p99 {per[int(0.99*(n-1))]:.2f} ms")
PY
