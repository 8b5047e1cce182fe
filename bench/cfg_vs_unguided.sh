#!/usr/bin/env bash
# Classifier-free guidance vs unguided runs of the same model, in the same
# process and run, on the random Pythia-160M-shaped checkpoint that
# bench/engine_vs_torch.sh uses (testdata/gen/engine/bench_model.py):
#
#   score   multiple-choice shape: QUESTIONS contexts of CTX tokens, each
#           with CHOICES continuations of CONT tokens (f32 weights), and a
#           continuation-heavy shape (LONG_CTX-token contexts, LONG_CONT-token
#           continuations) where both branches are the same length
#   decode  greedy decoding from 1 and from 4 prompts (bf16 weights), timed
#           per token: a 1-token run (the prefill) is subtracted from a
#           NEW-token run
#
# Guidance runs at SCALE with the last-token unconditional branch (the
# paper's benchmark setting) and, for decoding, also with a 16-token
# negative prompt. The issue's bound is guided/unguided <= 2.1 for both.
#
# usage: bench/cfg_vs_unguided.sh [WORKDIR]
# env:   THREADS (2), REPEAT (3), SCALE (1.5), QUESTIONS (16), CTX (128),
#        CHOICES (4), CONT (8), LONG_Q (4), LONG_CTX (16), LONG_CONT (240), NEW (64)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/fmkit-cfg-bench}
threads=${THREADS:-2}
repeat=${REPEAT:-3}
scale=${SCALE:-1.5}
mkdir -p "$work"

if [ ! -f "$work/pythia160m/model.safetensors" ] || [ ! -f "$work/pythia160m-bf16/model.safetensors" ]; then
	if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
		apt-get install -y python3-torch python3-numpy >/dev/null
	fi
	/usr/bin/python3 testdata/gen/engine/bench_model.py "$work"
fi
go build -o "$work/cfgbench" ./bench/cfgbench
echo "commit $(git rev-parse --short HEAD), $threads threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
export GOMAXPROCS=$threads

results="$work/results.jsonl"
: >"$results"
b="$work/cfgbench -repeat $repeat -scale $scale"
$b -model "$work/pythia160m" -mode score -questions "${QUESTIONS:-16}" -ctx "${CTX:-128}" -choices "${CHOICES:-4}" -cont "${CONT:-8}" | tee -a "$results"
$b -model "$work/pythia160m" -mode score -questions "${LONG_Q:-4}" -ctx "${LONG_CTX:-16}" -choices 1 -cont "${LONG_CONT:-240}" | tee -a "$results"
$b -model "$work/pythia160m-bf16" -mode decode -prompts 1 -new "${NEW:-64}" | tee -a "$results"
$b -model "$work/pythia160m-bf16" -mode decode -prompts 4 -new "${NEW:-64}" | tee -a "$results"
$b -model "$work/pythia160m-bf16" -mode decode -prompts 1 -new "${NEW:-64}" -uncond negative | tee -a "$results"

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("best of REPEAT runs per side; cpu = process CPU seconds (the machine may be shared)")
print(f"{'workload':<42} {'uncond':<11} {'unguided s':>10} {'guided s':>9} {'wall ratio':>10} {'cpu ratio':>9}")
for r in rows:
    if r.get("summary"):
        print(f"{r['workload']:<42} {r['uncond']:<11} {r['unguided_seconds']:>10.2f} {r['guided_seconds']:>9.2f} {r['ratio_wall']:>9.2f}x {r['ratio_cpu']:>8.2f}x")
PY
