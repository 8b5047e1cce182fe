#!/usr/bin/env bash
# Throughput of fmkit search serve's JSON API on the whole of GCIDE
# (126,236 entries): the server pinned to 2 cores (taskset, when there are
# more), the load generator on the same machine, 600 queries round robin,
# top 10 with snippets, metadata and PII redaction, as the page asks.
# Target: >= 500 searches/s with 2 cores.
#
# Usage: bash bench/search_api.sh   (WORK=dir CLIENTS=n SECONDS_RUN=n to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
clients=${CLIENTS:-8}
secs=${SECONDS_RUN:-20}
gen="$root/testdata/gen/search"
mkdir -p "$work"
[ -f /usr/share/dictd/gcide.dict.dz ] || { apt-get update -qq && apt-get install -y -qq dict-gcide; }
(cd "$root" && go build -o "$work/fmkit" ./cmd/fmkit && go build -o "$work/searchapibench" ./bench/searchapibench)
[ -f "$work/gcide.jsonl" ] || python3 "$gen/gcide_to_jsonl.py" "$work/gcide.jsonl"
python3 "$gen/make_queries.py" "$work/gcide.jsonl" 600 "$work/queries.txt"
[ -f "$work/idx/commit.json" ] || "$work/fmkit" search index --input "$work/gcide.jsonl" --index "$work/idx" --threads 2 --quiet

pin=()
if [ "$(nproc)" -gt 2 ] && command -v taskset >/dev/null; then pin=(taskset -c 0,1); fi
port=$((20000 + RANDOM % 20000))
# The bench is one client address: lift the per-client rate limit.
"${pin[@]}" "$work/fmkit" search serve --index gcide="$work/idx" --addr 127.0.0.1:$port --flags "" --rate 1000000 --burst 1000000 >"$work/serve.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/corpora" >/dev/null && break; sleep 0.2; done

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in 1 2 4 "$clients"; do
	r=$("$work/searchapibench" -url "http://127.0.0.1:$port" -corpus gcide -queries "$work/queries.txt" -clients "$c" -seconds "$secs")
	echo "clients $c: $r"
done
