#!/usr/bin/env bash
# Throughput of fmkit's OpenAI-compatible client (lm/openai) against a server
# that answers every request after a fixed 50 ms, at concurrency 1 to 256,
# next to the peer: lm-evaluation-harness's aiohttp request loop
# (bench/openai_peer.py) on the same server in the same run.
#
# The ideal at concurrency C is C x 20 requests/s; the issue asks fmkit for
# at least 0.9 of it. The server runs in its own process (the lm/openai test
# binary in server mode), so client-cpu-us is fmkit's CPU per request.
#
# Usage: bench/openai_throughput.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import aiohttp' 2>/dev/null; then
	echo "installing the peer's HTTP library (python3-aiohttp)" >&2
	for _ in $(seq 30); do # another apt may hold the lock for a while
		apt-get install -y -q python3-aiohttp >/dev/null 2>&1 && break
		sleep 10
	done
fi

tmp=$(mktemp -d)
trap 'exec 3>&-; kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
go test -c -o "$tmp/openai.test" ./lm/openai

# The server reads stdin until it closes; fd 3 keeps it open.
mkfifo "$tmp/in"
FMKIT_OPENAI_BENCH_SERVER=50ms "$tmp/openai.test" <"$tmp/in" >"$tmp/addr" &
server=$!
exec 3>"$tmp/in"
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
url="http://$(head -1 "$tmp/addr")/v1"
echo "server: $url (50 ms per request); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

FMKIT_OPENAI_BENCH_URL="$url" "$tmp/openai.test" -test.run '^$' -test.bench 'Throughput' -test.benchtime 1x >"$tmp/fmkit.txt"

printf '\n%-6s %10s %10s %9s %12s %12s %10s %9s\n' conc ideal fmkit of-ideal client-cpu-us peak-heap-MB lm-eval fmkit/peer
for c in 1 16 64 256; do
	line=$(grep "c=$c-" "$tmp/fmkit.txt")
	metric() { echo "$line" | awk -v m="$1" '{for (i=2;i<=NF;i++) if ($i==m) print $(i-1)}'; }
	peer=$(/usr/bin/python3 bench/openai_peer.py "$url" "$c" $((c * 20 * 3)))
	printf '%-6s %10d %10s %9s %12s %12s %10s %9.2f\n' "$c" $((c * 20)) "$(metric req/s)" "$(metric of-ideal)" \
		"$(metric client-cpu-us)" "$(metric peak-heap-MB)" "$peer" "$(echo "$(metric req/s) / $peer" | bc -l)"
done
long=$(grep "c=256,long-" "$tmp/fmkit.txt" | awk '{for (i=2;i<=NF;i++) if ($i=="peak-heap-MB") print $(i-1)}')
echo "flat memory: the client's peak heap above the requests is $long MB at c=256 over three times as many requests"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
