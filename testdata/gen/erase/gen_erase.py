#!/usr/bin/python3
"""Writes reference erasers for package erase from an independent NumPy
implementation of the closed forms in the LEACE paper (Belrose et al. 2023,
"LEACE: Perfect linear concept erasure in closed form"), with the numerical
conventions of EleutherAI's concept-erasure (eigenvalue cut-off, svd_tol,
optimal linear shrinkage, oracle and quadratic LEACE).

Run from the repository root:
    /usr/bin/python3 testdata/gen/erase/gen_erase.py
"""
import json

import numpy as np

OUT = "erase/testdata/"
EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(2023)


def save(name, a):
    np.save(OUT + name + ".npy", a)


def shrink(S, n):
    """Optimal linear shrinkage of the sample covariance S (scatter / n)."""
    p = S.shape[0]
    tr = np.trace(S)
    s0 = tr * tr / p
    top = tr * tr * s0 / n
    bottom = np.sum(S * S) * s0 - s0 * s0
    alpha = 1 - (top + EPS) / (bottom + EPS)
    beta = (1 - alpha) * (s0 + EPS) / (s0 + EPS)
    return alpha * S + beta * tr / p * np.eye(p)


def moments(X, Z):
    n = len(X)
    Xc = X - X.mean(0)
    Zc = Z - Z.mean(0)
    return n, X.mean(0), Xc.T @ Xc, Xc.T @ Zc, Zc.T @ Zc


def leace(X, Z, method="leace", affine=True, shrinkage=False, svd_tol=0.01):
    n, mx, Sxx, Sxz, _ = moments(X, Z)
    d = X.shape[1]
    sigma_xz = Sxz / (n - 1)
    if method == "leace":
        sigma = shrink(Sxx / n, n) if shrinkage else Sxx / (n - 1)
        lam, V = np.linalg.eigh(sigma)
        keep = lam > lam[-1] * d * EPS
        lam = np.clip(lam, 0, None)
        safe = np.where(keep, lam, 1)
        W = (V * np.where(keep, 1 / np.sqrt(safe), 0)) @ V.T
        Winv = (V * np.where(keep, np.sqrt(safe), 0)) @ V.T
    else:
        W = Winv = np.eye(d)
    U, s, _ = np.linalg.svd(W @ sigma_xz, full_matrices=False)
    U = U[:, s > svd_tol]
    P = np.eye(d) - Winv @ U @ U.T @ W
    bias = mx if affine else np.zeros(d)
    erased = (X - bias) @ P.T + bias
    return P, mx, erased, U.shape[1]


def psd_sqrt_rsqrt(A):
    lam, U = np.linalg.eigh(A)
    lam = np.clip(lam, 0, None)
    root = (U * np.sqrt(lam)) @ U.T
    thresh = lam[-1] * A.shape[0] * EPS
    inv = (U * np.where(lam > thresh, 1 / np.sqrt(np.where(lam > thresh, lam, 1)), 0)) @ U.T
    return root, inv


def psd_sqrt(A):
    return psd_sqrt_rsqrt(A)[0]


def ot_map(K1, K2):
    """Optimal transport map from N(0, K1) to N(0, K2)."""
    r, ri = psd_sqrt_rsqrt(K1)
    return ri @ psd_sqrt(r @ K2 @ r) @ ri


def ot_midpoint(K1, K2, w1, w2):
    r, ri = psd_sqrt_rsqrt(K1)
    prod = r @ psd_sqrt(r @ K2 @ r) @ ri
    return w1 * w1 * K1 + w2 * w2 * K2 + w1 * w2 * (prod + prod.T)


def ot_barycenter(Ks, w, max_iter=100):
    w = w / w.sum()
    mu = np.einsum("i,ijk->jk", w, Ks)
    trace_avg = np.trace(mu)
    loss = np.inf
    for _ in range(max_iter):
        r, ri = psd_sqrt_rsqrt(mu)
        inner = np.stack([psd_sqrt(r @ K @ r) for K in Ks])
        new_loss = np.trace(mu) + trace_avg - 2 * np.trace(np.einsum("i,ijk->jk", w, inner))
        if loss - new_loss < EPS:
            break
        loss = new_loss
        T = np.einsum("i,ijk->jk", w, np.stack([ri @ I @ ri for I in inner]))
        mu = T @ mu @ T.T
    return mu


def quadratic(X, y, k):
    means = np.stack([X[y == c].mean(0) for c in range(k)])
    covs = np.stack([np.cov(X[y == c].T, ddof=1) for c in range(k)])
    counts = np.array([np.sum(y == c) for c in range(k)], dtype=np.float64)
    if k == 2:
        prior = counts / counts.sum()
        center = ot_midpoint(covs[0], covs[1], prior[0], prior[1])
    else:
        center = ot_barycenter(covs, counts)
    maps = np.stack([ot_map(c, center) for c in covs])
    gmean = means.mean(0)
    out = np.empty_like(X)
    for c in range(k):
        out[y == c] = (X[y == c] - means[c]) @ maps[c].T + gmean
    return maps, center, out


cases = []

# Three classes, d = 10: class means differ along a few directions.
n, d, k = 400, 10, 3
y3 = rng.integers(0, k, n)
A = rng.standard_normal((d, d)) / np.sqrt(d)
X3 = rng.standard_normal((n, d)) @ A + 2.0 + 0.8 * rng.standard_normal((k, d))[y3]
save("data3_x", X3)
save("data3_z", y3.astype(np.int64))
Z3 = np.eye(k)[y3]

# A real-valued two-column concept correlated with X.
Xv = rng.standard_normal((300, 8)) @ rng.standard_normal((8, 8))
Zv = Xv[:, :3] @ rng.standard_normal((3, 2)) + 0.5 * rng.standard_normal((300, 2))
save("values_x", Xv)
save("values_z", Zv)

# Binary labels as a single real column (the reference's num_classes=1).
yb = rng.integers(0, 2, 250)
Xb = rng.standard_normal((250, 6)) + 1.5 * yb[:, None] * rng.standard_normal(6)
save("binary_x", Xb)
save("binary_z", yb.astype(np.float64).reshape(-1, 1))

# Rank-deficient X: a constant column and a duplicated column make Σ_XX
# singular, so the eigen path with its cut-off is exercised.
yr = rng.integers(0, 2, 200)
Xr = rng.standard_normal((200, 12)) + yr[:, None] * rng.standard_normal(12)
Xr[:, 10] = 3.0
Xr[:, 11] = Xr[:, 3]
save("rankdef_x", Xr)
save("rankdef_z", yr.astype(np.int64))

for name, data, X, Z, labels, kk in [
    ("data3", "data3", X3, Z3, True, k),
    ("values", "values", Xv, Zv, False, 2),
    ("binary", "binary", Xb, np.load(OUT + "binary_z.npy"), False, 1),
    ("rankdef", "rankdef", Xr, np.eye(2)[yr], True, 2),
]:
    for method, affine, shrinkage in [
        ("leace", True, False),
        ("leace", True, True),
        ("leace", False, False),
        ("orth", True, False),
        ("orth", False, False),
    ]:
        P, mx, erased, rank = leace(X, Z, method, affine, shrinkage)
        case = f"{name}_{method}{'_affine' if affine else ''}{'_shrink' if shrinkage else ''}"
        save(case + "_P", P)
        save(case + "_erased", erased)
        cases.append(dict(name=case, data=data, labels=labels, k=kk, method=method,
                          affine=affine, shrinkage=shrinkage, rank=int(rank)))

# Oracle LEACE: x' = x − (z − μ_Z)·(Σ_XZ Σ_ZZ⁺)ᵀ with pinv at atol = svd_tol.
oracle = []
for name, X, Z in [("data3", X3, Z3), ("values", Xv, Zv)]:
    nn, mx, Sxx, Sxz, Szz = moments(X, Z)
    szz = Szz / (nn - 1)
    u, s, vt = np.linalg.svd(szz)
    sinv = np.where(s > 0.01, 1 / np.where(s > 0.01, s, 1), 0)
    coef = (Sxz / (nn - 1)) @ ((vt.T * sinv) @ u.T)
    save(f"oracle_{name}_coef", coef)
    save(f"oracle_{name}_erased", X - (Z - Z.mean(0)) @ coef.T)
    oracle.append(dict(name=name, labels=name == "data3", k=Z.shape[1]))

# Quadratic LEACE: two classes (closed-form midpoint) and three (fixed point).
quad = []
for kq in [2, 3]:
    yq = rng.integers(0, kq, 600)
    Xq = np.empty((600, 5))
    for c in range(kq):
        B = rng.standard_normal((5, 5)) / 2 + np.eye(5)
        Xq[yq == c] = rng.standard_normal((np.sum(yq == c), 5)) @ B + rng.standard_normal(5)
    maps, center, out = quadratic(Xq, yq, kq)
    save(f"quad{kq}_x", Xq)
    save(f"quad{kq}_z", yq.astype(np.int64))
    save(f"quad{kq}_maps", maps)
    save(f"quad{kq}_center", center)
    save(f"quad{kq}_erased", out)
    quad.append(dict(name=f"quad{kq}", k=kq))

# The trace constraint, on a contrived oblique projection that increases
# the trace (natural LEACE erasers never do): P = I − a·b, Q = I − u·uᵀ.
dd = 6
G = rng.standard_normal((dd, dd))
sigma = G @ G.T / dd + 0.1 * np.eye(dd)
u = np.linalg.qr(rng.standard_normal((dd, 2)))[0]
a = u + 0.9 * rng.standard_normal((dd, 2))
b = np.linalg.solve(u.T @ a, u.T)  # b·a = I, so a·b is a projection
P = np.eye(dd) - a @ b
Q = np.eye(dd) - u @ u.T
x, w = np.trace(P @ sigma @ P.T), np.trace(sigma)
assert x > w, "contrived case must increase the trace"
y, z = 2 * np.trace(P @ sigma @ Q.T), np.trace(Q @ sigma @ Q.T)
discr = np.sqrt(4 * w * x - 4 * w * y + 4 * w * z - 4 * x * z + y**2)
a1 = (-y / 2 + z - discr / 2) / (x - y + z)
a2 = (-y / 2 + z + discr / 2) / (x - y + z)
alpha = np.clip(a1 if a1 > 0 else a2, 0, 1)
mixed = alpha * P + (1 - alpha) * Q
for nm, v in [("sigma", sigma), ("u", u), ("a", a), ("b", b), ("mixed", mixed)]:
    save("trace_" + nm, v)

with open(OUT + "cases.json", "w") as f:
    json.dump(dict(leace=cases, oracle=oracle, quadratic=quad), f, indent=1)
