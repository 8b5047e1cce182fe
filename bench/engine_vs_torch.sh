#!/usr/bin/env bash
# Native engine vs PyTorch eager on the same random checkpoints, same run,
# same threads (default 2): scoring throughput (32×512 tokens, log-probs at
# every position, f32 weights on both sides), batch-1 greedy decoding of 256
# tokens (fmkit with bf16 weights, PyTorch f32), and peak RSS against
# weights + KV cache. Prints one line per measurement and the ratios.
#
# usage: bench/engine_vs_torch.sh [WORKDIR]
# env:   THREADS (2), SCORE_SEQS (32), SCORE_LEN (512), DECODE_NEW (256),
#        MODELS ("pythia160m llama110m"), REPEAT (1)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/fmkit-engine-bench}
threads=${THREADS:-2}
export SCORE_SEQS=${SCORE_SEQS:-32} SCORE_LEN=${SCORE_LEN:-512} DECODE_NEW=${DECODE_NEW:-256}
models=${MODELS:-pythia160m llama110m}
repeat=${REPEAT:-1}
mkdir -p "$work"

# The peer comes from Debian's packages.
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
	apt-get install -y python3-torch python3-numpy >/dev/null
fi
for m in $models; do
	if [ ! -f "$work/$m-bf16/model.safetensors" ]; then
		/usr/bin/python3 testdata/gen/engine/bench_model.py "$work"
		break
	fi
done
go build -o "$work/enginebench" ./bench/enginebench
echo "commit $(git rev-parse --short HEAD), $threads threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

export GOMAXPROCS=$threads OMP_NUM_THREADS=$threads
results="$work/results.jsonl"
: >"$results"
for r in $(seq "$repeat"); do
	for m in $models; do
		"$work/enginebench" -model "$work/$m" -mode score -seqs "$SCORE_SEQS" -len "$SCORE_LEN" | sed "s/^{/{\"model\":\"$m\",/" | tee -a "$results"
		/usr/bin/python3 testdata/gen/engine/bench_torch.py "$work/$m" score "$threads" | sed "s/^{/{\"model\":\"$m\",/" | tee -a "$results"
		"$work/enginebench" -model "$work/$m-bf16" -mode decode -new "$DECODE_NEW" | sed "s/^{/{\"model\":\"$m\",/" | tee -a "$results"
		/usr/bin/python3 testdata/gen/engine/bench_torch.py "$work/$m" decode "$threads" | sed "s/^{/{\"model\":\"$m\",/" | tee -a "$results"
	done
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
best = collections.defaultdict(float)
rss = {}
cpu = {}
for r in rows:
    k = (r["model"], r["mode"], r["peer"])
    best[k] = max(best[k], r["tokens_per_s"])
    cpu[k] = r.get("cpu_seconds", float("nan"))
    if r["peer"] == "fmkit":
        rss[(r["model"], r["mode"])] = (r["peak_rss_mb"], r["weight_mb"] + r["kv_mb"])
print()
print("wall-clock throughput (best of REPEAT); cpu = process CPU seconds, for a shared machine")
print(f"{'model':<12} {'task':<8} {'fmkit tok/s':>12} {'torch tok/s':>12} {'ratio':>7} {'fmkit cpu s':>12} {'torch cpu s':>12} {'fmkit RSS MB':>13} {'weights+KV MB':>14} {'RSS/(w+KV)':>11}")
for (model, mode, peer) in sorted(best):
    if peer != "fmkit":
        continue
    f, t = best[(model, mode, "fmkit")], best.get((model, mode, "torch"), float("nan"))
    peak, need = rss[(model, mode)]
    fc, tc = cpu[(model, mode, "fmkit")], cpu.get((model, mode, "torch"), float("nan"))
    print(f"{model:<12} {mode:<8} {f:>12.1f} {t:>12.1f} {f / t:>6.2f}x {fc:>12.1f} {tc:>12.1f} {peak:>13.0f} {need:>14.0f} {peak / need:>10.2f}")
PY
