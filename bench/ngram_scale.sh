#!/usr/bin/env bash
# Scale check for fmkit search ngram: synthetic corpora of 10 million, 100
# million and 1 billion tokens (ids drawn from a Zipf distribution over
# GPT-2's vocabulary, with repeated passages; see bench/ngrambench), each
# built out of core with a 4 GiB sorting budget, then 2,000 counts timed
# (half n-grams from the corpus, half random). Prints build throughput,
# index size and count latency per size: latency should grow with the log
# of the size (target: under 10 ms per count at 1 billion tokens).
#
# Disk: about 6 GB per billion tokens for the index plus 4 GB of sorted
# chunks while it builds; the script checks the free space first and
# removes every index it built unless KEEP=1.
#
# Usage: bash bench/ngram_scale.sh   (WORK=dir SIZES="1e7 1e8 1e9" MEMORY_MB=4096 KEEP=1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
sizes=${SIZES:-"1e7 1e8 1e9"}
mem=${MEMORY_MB:-4096}
mkdir -p "$work"
(cd "$root" && go build -o "$work/ngrambench" ./bench/ngrambench)

largest=$(python3 -c "print(int(max(float(s) for s in '$sizes'.split())))")
need_gb=$(python3 -c "print(int($largest * 10 / 1e9) + 1)")
free_gb=$(df -BG --output=avail "$work" | tail -1 | tr -dc 0-9)
if [ "$free_gb" -lt "$need_gb" ]; then
	echo "ngram_scale.sh: $work has ${free_gb} GB free; the largest size needs about ${need_gb} GB" >&2
	exit 1
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for s in $sizes; do
	n=$(python3 -c "print(int(float('$s')))")
	dir="$work/idx-$n"
	rm -rf "$dir"
	out=$("$work/ngrambench" -tokens "$n" -dir "$dir" -memory-mb "$mem" 2>/dev/null)
	echo "$out" >"$work/result-$n.json"
	python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
w, c = r["warm_ms"], r["first_pass_ms"]
print(f"{r['tokens']:>13,} tokens, {r['docs']:>9,} docs: sort {r['sort_seconds']:7.0f} s "
      f"({r['sort_tokens_per_s']/1e6:.2f} M tokens/s), index {r['index_bytes']/1e9:.2f} GB, "
      f"{r['pointer_bytes']}-byte pointers; count p50 {w['p50']:.3f} ms p99 {w['p99']:.3f} ms "
      f"(first pass p50 {c['p50']:.3f} p99 {c['p99']:.3f} max {c['max']:.1f} ms)")
PY
	[ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
done
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
