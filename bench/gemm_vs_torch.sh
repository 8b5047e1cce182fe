#!/usr/bin/env bash
# Compares fmkit's float32 GEMM with PyTorch's torch.mm (Debian python3-torch,
# which calls the system BLAS) on square matrices, with the same thread count,
# in one run. Within each round and size, fmkit (through `fmkit bench gemm
# --json`), fmkit with bfloat16 B and torch.mm take turns SLICES times, each
# keeping its best GFLOP/s, so that load from other processes hits all of
# them alike; the script prints every round's ratio and the best and median
# ratio per size.
#
#   bench/gemm_vs_torch.sh            # 2 threads, 5 rounds, 1024 and 2048
#   THREADS=1 ROUNDS=3 SIZES=512,1024 bench/gemm_vs_torch.sh
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-1024,2048}
SLICES=${SLICES:-3}
MIN_TIME=${MIN_TIME:-0.4s}
PY=/usr/bin/python3 # Debian's interpreter, where python3-torch installs

if ! "$PY" -c 'import torch' 2>/dev/null; then
	echo "installing python3-torch (apt)" >&2
	apt-get install -y python3-torch >&2 || { apt-get update >&2 && apt-get install -y python3-torch >&2; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fmkit" ./cmd/fmkit

"$PY" - "$tmp/fmkit" "$THREADS" "$ROUNDS" "$SIZES" "$MIN_TIME" "$SLICES" <<'PYEOF'
import json, statistics, subprocess, sys, time
import torch

fmkit, threads, rounds, sizes, min_time = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
slices = int(sys.argv[6])
sizes_list = [int(s) for s in sizes.split(",")]
secs = float(min_time.rstrip("s"))
torch.set_num_threads(threads)

def torch_gflops(n):
    g = torch.Generator().manual_seed(1)
    a = torch.rand(n, n, generator=g) - 0.5
    b = torch.rand(n, n, generator=g) - 0.5
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)  # warm-up
    best, start = 0.0, time.perf_counter()
    while time.perf_counter() - start < secs:
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = max(best, 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best

def fmkit_gflops(n, extra):
    out = subprocess.run([fmkit, "bench", "gemm", "--json", "--threads", str(threads),
                          "--sizes", str(n), "--min-time", min_time] + extra,
                         check=True, capture_output=True, text=True).stdout
    r = [r for r in json.loads(out)["results"] if r["backend"].startswith("fmkit")][0]
    return r["backend"], r["gflops"]

print(f"torch {torch.__version__}, {threads} thread(s), {rounds} rounds of {slices} turns of {min_time} each")
print(f"{'round':>5} {'size':>6} {'fmkit':>24} {'GFLOP/s':>8} {'torch.mm':>9} {'ratio':>6} {'bf16 B':>8} {'bf16/f32':>8}")
ratios = {n: [] for n in sizes_list}
bf16_ratios = {n: [] for n in sizes_list}
for r in range(1, rounds + 1):
    for n in sizes_list:
        g = t = h = 0.0
        for _ in range(slices):
            backend, gs = fmkit_gflops(n, [])
            t = max(t, torch_gflops(n))
            h = max(h, fmkit_gflops(n, ["--b", "bf16"])[1])
            g = max(g, gs)
        ratios[n].append(g / t)
        bf16_ratios[n].append(h / g)
        print(f"{r:>5} {n:>6} {backend:>24} {g:8.1f} {t:9.1f} {g / t:6.2f} {h:8.1f} {h / g:8.2f}", flush=True)
print()
for n in sizes_list:
    print(f"size {n}: fmkit/torch.mm best {max(ratios[n]):.2f}, median {statistics.median(ratios[n]):.2f}; "
          f"GemmBF16/Gemm median {statistics.median(bf16_ratios[n]):.2f}")
PYEOF
