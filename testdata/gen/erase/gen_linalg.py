#!/usr/bin/python3
"""Writes NumPy reference values for package linalg.

Run from the repository root:
    /usr/bin/python3 testdata/gen/erase/gen_linalg.py
"""
import numpy as np

out = "linalg/testdata/"
rng = np.random.default_rng(7)

# A symmetric positive definite matrix, a rank-3 PSD one, and general ones.
g = rng.standard_normal((6, 6))
spd = g @ g.T / 6 + 0.1 * np.eye(6)
h = rng.standard_normal((6, 3))
psd3 = h @ h.T
wide = rng.standard_normal((4, 7))
tall = rng.standard_normal((7, 4))

for name, a in [("spd", spd), ("psd3", psd3)]:
    np.save(out + name + ".npy", a)
    w, v = np.linalg.eigh(a)
    np.save(out + name + "_eigvals.npy", w)
    # Square root and its pseudo-inverse from the eigendecomposition, with
    # torch.linalg.pinv's cut-off for the inverse.
    wc = np.clip(w, 0, None)
    np.save(out + name + "_sqrt.npy", (v * np.sqrt(wc)) @ v.T)
    keep = wc > wc[-1] * a.shape[0] * np.finfo(np.float64).eps
    inv = np.where(keep, 1 / np.sqrt(np.where(keep, wc, 1)), 0)
    np.save(out + name + "_invsqrt.npy", (v * inv) @ v.T)
    np.save(out + name + "_pinv.npy", np.linalg.pinv(a, rcond=1e-10))

np.save(out + "spd_cond1.npy", np.array(np.linalg.cond(spd, 1)))

for name, a in [("wide", wide), ("tall", tall)]:
    np.save(out + name + ".npy", a)
    np.save(out + name + "_sv.npy", np.linalg.svd(a, compute_uv=False))
    np.save(out + name + "_pinv.npy", np.linalg.pinv(a))
