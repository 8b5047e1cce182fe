#!/usr/bin/env bash
# Cache lookups of lm/cache next to lm-evaluation-harness's CachingLM loop
# (SqliteDict, bench/cache_peer.py), in the same run: lookups per second over
# batches of 1,000 requests, and the time a resumed 100,000-request run spends
# checking the cache when every answer is already there. The issue asks for at
# least 50,000 lookups/s and under 5 s for the resumed run.
#
# Usage: bench/cache_lookup.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import sqlitedict' 2>/dev/null; then
	echo "installing the peer's cache library (python3-sqlitedict)" >&2
	for _ in $(seq 30); do # another apt may hold the lock for a while
		apt-get install -y -q python3-sqlitedict >/dev/null 2>&1 && break
		sleep 10
	done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench 'Lookup|Resume100k' -benchtime 3x ./lm/cache >"$tmp/fmkit.txt"
metric() { grep "$1" "$tmp/fmkit.txt" | awk -v m="$2" '{for (i=2;i<=NF;i++) if ($i==m) print $(i-1)}'; }
fmkit_rate=$(metric BenchmarkLookup lookups/s)
fmkit_resume=$(metric BenchmarkResume100k s/resume)
read -r peer_rate peer_resume < <(/usr/bin/python3 bench/cache_peer.py "$tmp" 100000)

printf '\n%-32s %14s %14s %8s\n' "" fmkit lm-eval ratio
printf '%-32s %14.0f %14.0f %8.1f\n' "lookups/s" "$fmkit_rate" "$peer_rate" "$(echo "$fmkit_rate / $peer_rate" | bc -l)"
printf '%-32s %14.2f %14.2f %8.1f\n' "resume of 100,000 requests (s)" "$fmkit_resume" "$peer_resume" "$(echo "$peer_resume / $fmkit_resume" | bc -l)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
