#!/usr/bin/python3
"""The LEACE statistics and eraser of EleutherAI's concept-erasure, written
out in PyTorch (same algorithm: Welford batches with addmm, eigh + svd), timed
on the same .npy files as bench/erasebench. Prints one JSON object."""
import json
import os
import sys
import time

import numpy as np
import torch


def update_loop(x, y, k, batch, dtype):
    n, d = x.shape
    mean_x = torch.zeros(d, dtype=dtype)
    mean_z = torch.zeros(k, dtype=dtype)
    sxx = torch.zeros(d, d, dtype=dtype)
    sxz = torch.zeros(d, k, dtype=dtype)
    count = 0
    t = time.perf_counter()
    for i in range(0, n, batch):
        xb = x[i:i + batch].to(dtype)
        zb = torch.nn.functional.one_hot(y[i:i + batch], k).to(dtype)
        count += len(xb)
        dx = xb - mean_x
        mean_x += dx.sum(0) / count
        dx2 = xb - mean_x
        sxx.addmm_(dx.T, dx2)
        dz = zb - mean_z
        mean_z += dz.sum(0) / count
        sxz.addmm_(dx.T, zb - mean_z)
    el = time.perf_counter() - t
    return el, (sxx + sxx.T) / 2 / (count - 1), sxz / (count - 1)


def build(sigma, sigma_xz):
    d = sigma.shape[0]
    t = time.perf_counter()
    L, V = torch.linalg.eigh(sigma)
    mask = L > (L[-1] * d * torch.finfo(L.dtype).eps)
    L = L.clamp_min(0.0)
    W = V * torch.where(mask, L.rsqrt(), 0.0) @ V.T
    W_inv = V * torch.where(mask, L.sqrt(), 0.0) @ V.T
    u, s, _ = torch.linalg.svd(W @ sigma_xz, full_matrices=False)
    u *= s > 0.01
    left, right = W_inv @ u, u.T @ W
    return time.perf_counter() - t


def main():
    xp, zp, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # PyTorch defaults to one thread per physical core (1 here, where the two
    # CPUs are SMT siblings); give it as many threads as fmkit's GOMAXPROCS.
    torch.set_num_threads(os.cpu_count())
    x = torch.from_numpy(np.load(xp))
    y = torch.from_numpy(np.load(zp))
    n, d = x.shape
    k = int(y.max()) + 1
    flops = 2.0 * n * d * d
    out = dict(rows=n, dim=d, threads=torch.get_num_threads(), torch=torch.__version__)
    # GEMM at the shape of one covariance block, as for tensor.Gemm.
    a = torch.randn(d, 512)
    b = torch.randn(512, d)
    best, r, start = 0.0, 0, time.perf_counter()
    while r < 20 or time.perf_counter() - start < 1.0:
        t = time.perf_counter()
        a @ b
        best = max(best, 2.0 * d * d * 512 / (time.perf_counter() - t) / 1e9)
        r += 1
    out["gemm_gflops"] = best
    # Best of three passes, as for fmkit.
    el32 = min(update_loop(x, y, k, batch, torch.float32)[0] for _ in range(3))
    out["update32_gflops"] = flops / el32 / 1e9
    runs = [update_loop(x, y, k, batch, torch.float64) for _ in range(3)]
    el64 = min(r[0] for r in runs)
    _, sigma, sxz = runs[0]
    out["update64_gflops"] = flops / el64 / 1e9
    out["eraser_s"] = min(build(sigma, sxz) for _ in range(3))
    print(json.dumps(out))


main()
