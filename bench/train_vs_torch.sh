#!/usr/bin/env bash
# Training speed and memory, fmkit's nn against PyTorch eager, same run,
# same threads (default 2), rounds interleaved:
#   llama  one step (forward, backward, clipping, AdamW) of a 6-layer,
#          hidden-256, 4-head Llama-style decoder on 16 sequences of 256
#          tokens (vocabulary VOCAB, default 8192; intermediate 688)
#   mlp    one full-batch AdamW step of the S5 grokking MLP (5,760 pairs,
#          embeddings 2×256, hidden 128, 120 outputs)
# Prints each round's median step time and peak RSS, then the medians over
# rounds and the ratios (torch time / fmkit time: above 1 is fmkit faster).
#
# usage: bench/train_vs_torch.sh [WORKDIR]
# env:   THREADS (2), ROUNDS (3), STEPS (5), VOCAB (8192), MODELS ("llama mlp")
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/fmkit-train-bench}
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
steps=${STEPS:-5}
vocab=${VOCAB:-8192}
models=${MODELS:-llama mlp}
mkdir -p "$work"

# The peer comes from Debian's packages; OpenBLAS replaces the reference
# BLAS that python3-torch otherwise links, which would make it far slower.
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
	apt-get install -y python3-torch libopenblas0-pthread >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && apt-get install -y python3-torch libopenblas0-pthread >/dev/null; }
fi
go build -o "$work/trainbench" ./bench/trainbench
echo "commit $(git rev-parse --short HEAD), $threads threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"

export GOMAXPROCS=$threads OMP_NUM_THREADS=$threads
results="$work/results.jsonl"
: >"$results"
for r in $(seq "$rounds"); do
	for m in $models; do
		"$work/trainbench" -model "$m" -steps "$steps" -vocab "$vocab" | tee -a "$results"
		/usr/bin/python3 bench/train_torch.py "$m" "$threads" "$steps" "$vocab" | tee -a "$results"
	done
done

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
step = collections.defaultdict(list)
rss = collections.defaultdict(list)
for r in rows:
    k = (r["model"], r["peer"])
    step[k].append(statistics.median(r["step_ms"]))
    rss[k].append(r["peak_rss_mb"])
print()
print(f"{'model':<6} {'fmkit ms/step':>14} {'torch ms/step':>14} {'speed-up':>9} {'fmkit RSS MB':>13} {'torch RSS MB':>13} {'RSS ratio':>10}")
for model in sorted({k[0] for k in step}):
    f, t = statistics.median(step[(model, "fmkit")]), statistics.median(step[(model, "torch")])
    fr, tr = max(rss[(model, "fmkit")]), max(rss[(model, "torch")])
    print(f"{model:<6} {f:>14.1f} {t:>14.1f} {t / f:>8.2f}x {fr:>13.0f} {tr:>13.0f} {fr / tr:>10.2f}")
print("(medians over rounds of each run's median step; RSS is the peak of the whole process)")
PY
