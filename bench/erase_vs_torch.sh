#!/usr/bin/env bash
# LEACE statistics and eraser building: fmkit against the same algorithm in
# PyTorch (EleutherAI concept-erasure's LeaceFitter, written out), on the
# same data, in the same run. Prints both results and the ratios.
#
#   bash bench/erase_vs_torch.sh [ROWS] [DIM] [CLASSES]    (default 16384 768 17)
#
# Needs Debian's python3-torch and python3-numpy (installed here if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-16384}
dim=${2:-768}
classes=${3:-17}

if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
	apt-get install -y python3-torch python3-numpy >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp" "$rows" "$dim" "$classes" <<'PY'
import sys
import numpy as np
out, n, d, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
y = rng.integers(0, k, n)
# Correlated activations with a large common offset and class-dependent means.
mix = rng.standard_normal((d, d)).astype(np.float32) / np.sqrt(d)
x = rng.standard_normal((n, d)).astype(np.float32) @ mix + 3.0
x += 0.5 * rng.standard_normal((k, d)).astype(np.float32)[y]
np.save(out + "/x.npy", x.astype(np.float32))
np.save(out + "/z.npy", y.astype(np.int64))
PY

go build -o "$tmp/erasebench" ./bench/erasebench
fm=$("$tmp/erasebench" --x "$tmp/x.npy" --z "$tmp/z.npy" --batch 4096)
pt=$(/usr/bin/python3 bench/erase_torch.py "$tmp/x.npy" "$tmp/z.npy" 4096)
echo "fmkit:   $fm"
echo "pytorch: $pt"
/usr/bin/python3 - "$fm" "$pt" <<'PY'
import json, sys
fm, pt = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"rows {fm['rows']}, dim {fm['dim']}, {fm['threads']} threads, linalg {fm['linalg']}, kernels {fm['kernels']}")
print(f"{'':34s} {'fmkit':>10s} {'pytorch':>10s} {'fmkit/pytorch':>14s}")
for key, label, better in [("gemm_gflops", "float32 GEMM d×512×d (GFLOP/s)", "high"),
                           ("update32_gflops", "float32 covariance update (GFLOP/s)", "high"),
                           ("update64_gflops", "float64 covariance update (GFLOP/s)", "high"),
                           ("eraser_s", "build eraser (s)", "low")]:
    a, b = fm[key], pt[key]
    ratio = a / b if better == "high" else b / a
    print(f"{label:34s} {a:10.3f} {b:10.3f} {ratio:13.2f}x")
print(f"fmkit float32 update / tensor.Gemm throughput, median of 5 back-to-back rounds: {fm['update32_vs_gemm']:.2f} (target >= 0.8)")
print(f"fmkit eraser path: {fm['eraser_whitening']}; eigen path on a singular copy: {fm['eigen_eraser_s']:.3f} s")
print("(speed ratios: > 1 means fmkit is faster)")
PY
