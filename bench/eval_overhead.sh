#!/usr/bin/env bash
# Harness overhead and the cost of prefix reuse (issue 5), on the native
# engine: a Pythia-160M-shaped random checkpoint (testdata/gen/engine/
# bench_model.py, vocabulary 50304) with the GPT-2 byte-level BPE tokenizer
# (tokenizer/testdata/gpt2, 50257 tokens, inside the model's vocabulary)
# evaluates kmmlu_accounting (four choices) on synthetic KMMLU-format
# documents through eval.Evaluate, writing results and samples.
#
# Prints per configuration (few-shot count, documents):
#   overhead     share of wall time outside model calls (target < 5%)
#   reuse ratio  the four-choice task's model time over the time of the
#                contexts alone, tokenised and forwarded once (target well
#                under 4, the cost without prefix reuse)
#
# usage: bench/eval_overhead.sh [WORKDIR]
# env:   THREADS (2), CONFIGS ("0:32 5:8" = fewshot:docs pairs)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/fmkit-engine-bench}
threads=${THREADS:-2}
configs=${CONFIGS:-0:32 5:8}
mkdir -p "$work"
if [ ! -f "$work/pythia160m/model.safetensors" ]; then
	if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
		apt-get install -y python3-torch python3-numpy >/dev/null
	fi
	/usr/bin/python3 testdata/gen/engine/bench_model.py "$work"
fi
cp tokenizer/testdata/gpt2/tokenizer.json "$work/pythia160m/"
go build -o "$work/evalbench" ./bench/evalbench
echo "commit $(git rev-parse --short HEAD), $threads threads, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $configs; do
	GOMAXPROCS=$threads "$work/evalbench" -model "$work/pythia160m" -fewshot "${c%%:*}" -docs "${c##*:}"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
