#!/usr/bin/env python3
"""Fixtures for fmkit's `group` and `group/grok` from the paper's public code.

Runs dashstander/sn-grok ("Grokking Group Multiplication with Cosets") from a
checkout outside this repository, given as the first argument or $SNGROK, under
Debian's /usr/bin/python3 with python3-torch 1.13 and python3-catalogue.

Shims, none of which touches a number that is compared:
- torch.vmap = functorch.vmap: sngrok/fourier.py calls torch.vmap at import,
  which torch 1.13 only has as functorch.vmap.
- an empty `polars` module: sngrok/groups.py and sngrok/cosets.py import
  polars at the top, but the functions called here (generate_subgroup,
  get_left_cosets, get_right_cosets, Symmetric) never use it. polars is not
  packaged for Debian.
- SnMLP is re-stated in plain PyTorch (sngrok/model/mlp.py needs
  transformer_lens, whose HookPoints are identities and own no parameters).
- The last step of calculate_cosets.py (`_all_data_coset_analysis`, a polars
  group-by) is re-stated in NumPy below with the same definitions: polars'
  var() is the sample variance (ddof = 1).

Functions on S_n are written in fmkit's order (lexicographic one-line
notation) and handed to sn-grok in its own token order (parity, then
lexicographic), so the fixtures also check the two orders agree.
"""
import itertools
import json
import math
import os
import sys
import types

import numpy as np
import torch

SNGROK = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SNGROK")
if not SNGROK:
    sys.exit("usage: gen_sngrok.py PATH_TO_SN_GROK_CHECKOUT (or set $SNGROK)")
sys.path.insert(0, SNGROK)
import functorch  # noqa: E402

torch.vmap = functorch.vmap
sys.modules.setdefault("polars", types.ModuleType("polars"))

from sngrok.cosets import get_left_cosets, get_right_cosets  # noqa: E402
from sngrok.fourier import calc_power, slow_sn_ft_1d, sn_fourier_basis  # noqa: E402
from sngrok.groups import Symmetric, generate_subgroup  # noqa: E402
from sngrok.irreps import SnIrrep  # noqa: E402
from sngrok.permutations import Permutation  # noqa: E402
from sngrok.proper_subgroups import all_s5_subgroups  # noqa: E402
from sngrok.tableau import generate_partitions  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "testdata", "gen", "engine"))
import st  # noqa: E402  (the project's independent safetensors writer)

GROUP_OUT = os.path.join(ROOT, "group", "testdata")
GROK_OUT = os.path.join(ROOT, "group", "grok", "testdata")


def lex_elements(n):
    return [tuple(p) for p in itertools.permutations(range(n))]


def lex_rank(n):
    return {p: i for i, p in enumerate(lex_elements(n))}


def token_to_lex(n):
    """token_to_lex[t] = lexicographic rank of sn-grok's token t."""
    rank = lex_rank(n)
    return np.array([rank[p.sigma] for p in Permutation.full_group(n)])


def characters():
    out = {}
    for n in (3, 4, 5):
        classes = {}
        for p in Permutation.full_group(n):
            classes.setdefault(p.conjugacy_class, []).append(p)
        parts = generate_partitions(n)
        entry = {"partitions": [list(p) for p in parts], "dims": [], "classes": [], "chi": []}
        keys = sorted(classes)
        entry["classes"] = [list(k) for k in keys]
        for part in parts:
            mats = SnIrrep(n, part).matrix_representations()
            entry["dims"].append(int(mats[tuple(range(n))].shape[0]))
            row = []
            for k in keys:
                traces = [float(np.trace(mats[p.sigma])) for p in classes[k]]
                assert max(traces) - min(traces) < 1e-9, "character not constant on a class"
                row.append(traces[0])
            entry["chi"].append(row)
        out[str(n)] = entry
    return out


def power_fractions(fn_token_order, n):
    """calc_power_contributions of calculate_cosets.py: power per irrep / mean square."""
    t = torch.as_tensor(fn_token_order, dtype=torch.float32)
    total = (t ** 2).mean(dim=0)
    power = calc_power(slow_sn_ft_1d(t, n), math.factorial(n))
    return {str(list(k)): (v / total).tolist() for k, v in power.items()}


def spectra(rng):
    out = {}
    for n in (4, 5, 6):
        order = math.factorial(n)
        elems = lex_elements(n)
        perms = [Permutation(p) for p in elems]
        rows = [rng.standard_normal(order) for _ in range(3)]
        rows.append(rng.standard_normal(order) + 3.0)  # a large trivial part
        cls = {}
        rows.append(np.array([cls.setdefault(p.conjugacy_class, rng.standard_normal()) for p in perms]))
        rows.append(np.array([1.0 - 2 * p.parity for p in perms]))  # the sign
        # constant on the cosets {σ·h} of the stabiliser of n−1
        vals = rng.standard_normal(n)
        rows.append(np.array([vals[p.sigma[n - 1]] for p in perms]) + 0.01 * rng.standard_normal(order))
        f = np.array(rows, dtype=np.float32)
        tok = token_to_lex(n)
        fracs = power_fractions(f[:, tok].T, n)
        np.save(os.path.join(GROUP_OUT, f"sngrok_functions_s{n}.npy"), f)
        out[str(n)] = fracs
    return out


def restated_forward(p, left, right):
    """SnMLP.forward of sngrok/model/mlp.py without its HookPoints."""
    le = torch.nn.functional.embedding(left, p["lembed.weight"])
    re = torch.nn.functional.embedding(right, p["rembed.weight"])
    h = torch.relu(torch.concat([le, re], dim=-1) @ p["linear.weight"].T)
    return h @ p["unembed.weight"].T + p["unembed.bias"]


def loss_fn(logits, labels):
    """loss_fn of train_grok.py: float64 log-softmax, per-pair loss."""
    lp = logits.to(torch.float64).log_softmax(dim=-1)
    return -lp.gather(dim=-1, index=labels[:, None])[:, 0]


def planted_model(rng, n, embed, hidden):
    """Random weights with some coset structure planted, so that the coset
    analysis has neurons whose functions are nearly constant on cosets."""
    order = math.factorial(n)
    G = Permutation.full_group(n)  # token order
    index = {p.sigma: i for i, p in enumerate(G)}
    s4 = generate_subgroup(all_s5_subgroups["S4"]["generators"][1])
    a5 = generate_subgroup(all_s5_subgroups["A5"]["generators"][0])
    lemb = rng.standard_normal((order, embed))
    remb = rng.standard_normal((order, embed))
    # left dims 0-3: constant on right cosets {h·σ} of an S4; 4-5: of A5
    for dims, sg in (((0, 1, 2, 3), s4), ((4, 5), a5)):
        for cos in get_right_cosets(sg, n):
            v = rng.standard_normal(len(dims)) * 2
            for c in cos:
                lemb[index[c], list(dims)] = v + 0.05 * rng.standard_normal(len(dims))
    # right dims 0-3: constant on left cosets {σ·h} of a conjugate S4; 4-5: A5
    s4b = generate_subgroup(all_s5_subgroups["S4"]["generators"][3])
    for dims, sg in (((0, 1, 2, 3), s4b), ((4, 5), a5)):
        for cos in get_left_cosets(sg, n):
            v = rng.standard_normal(len(dims)) * 2
            for c in cos:
                remb[index[c], list(dims)] = v + 0.05 * rng.standard_normal(len(dims))
    bound = 1 / math.sqrt(2 * embed)
    w = rng.uniform(-bound, bound, (hidden, 2 * embed))
    # neurons 0-5 read only the planted dims
    for j in range(6):
        w[j, :] *= 0.01
        w[j, 0:6] = rng.standard_normal(6)
        w[j, embed:embed + 6] = rng.standard_normal(6)
    ub = 1 / math.sqrt(hidden)
    p = {
        "lembed.weight": torch.tensor(lemb, dtype=torch.float32),
        "rembed.weight": torch.tensor(remb, dtype=torch.float32),
        "linear.weight": torch.tensor(w, dtype=torch.float32),
        "unembed.weight": torch.tensor(rng.uniform(-ub, ub, (order, hidden)), dtype=torch.float32),
        "unembed.bias": torch.tensor(rng.uniform(-ub, ub, order), dtype=torch.float32),
    }
    return p


def coset_scores(values, cosets_per_subgroup):
    """_all_data_coset_analysis of calculate_cosets.py for one function:
    per subgroup the sum over its cosets of the within-coset sample
    variance, over the function's sample variance."""
    v = np.asarray(values, dtype=np.float64)
    full = v.var(ddof=1)
    return [sum(v[c].var(ddof=1) for c in cosets) / full for cosets in cosets_per_subgroup]


def model_fixture(rng):
    n, embed, hidden = 5, 32, 24
    order = math.factorial(n)
    p = planted_model(rng, n, embed, hidden)
    st.save(os.path.join(GROK_OUT, "sngrok_s5_model.safetensors"), p)

    G = Permutation.full_group(n)
    index = {q.sigma: i for i, q in enumerate(G)}
    # the multiplication table in sn-grok's token order (groups.py's
    # _make_multiplication_table: target = left * right)
    target = np.array([index[(a * b).sigma] for a in G for b in G], dtype=np.uint8)
    np.save(os.path.join(GROK_OUT, "sngrok_s5_targets.npy"), target)

    left = torch.arange(order).repeat_interleave(order)
    right = torch.arange(order).repeat(order)
    with torch.no_grad():
        logits = restated_forward(p, left, right)
        losses = loss_fn(logits, torch.as_tensor(target, dtype=torch.int64))
    pick = rng.choice(order * order, 12, replace=False)
    out = {
        "n": n, "embed_dim": embed, "hidden_dim": hidden,
        "pairs": [[int(left[i]), int(right[i])] for i in pick],
        "logits": [logits[i].tolist() for i in pick],
        "mean_loss": float(losses.mean()),
    }

    # Fourier power per neuron, as fourier_analysis in train_grok.py and
    # calculate_cosets.py compute it.
    W = p["linear.weight"]
    left_fn = (W[:, :embed] @ p["lembed.weight"].T).T  # [order, hidden]
    right_fn = (W[:, embed:] @ p["rembed.weight"].T).T
    out["power"] = {
        "left": power_fractions(left_fn, n),
        "right": power_fractions(right_fn, n),
        "unembed": power_fractions(p["unembed.weight"], n),
    }

    # The coset analysis of calculate_cosets.py (_analysis): the neuron
    # functions rebuilt from their Fourier decomposition (sn_fourier_basis
    # summed over irreps), left grouped by right cosets, right by left ones.
    Sn = Symmetric(n)
    lvals = sn_fourier_basis(slow_sn_ft_1d(left_fn, n), Sn).sum(dim=1).numpy()
    rvals = sn_fourier_basis(slow_sn_ft_1d(right_fn, n), Sn).sum(dim=1).numpy()
    names, elements, right_cos, left_cos = [], [], [], []
    lex = lex_rank(n)
    for name, info in all_s5_subgroups.items():
        for i, gens in enumerate(info["generators"]):
            sg = generate_subgroup(gens)
            names.append(f"{name}_{i}")
            elements.append(sorted(lex[s] for s in sg))
            right_cos.append([[index[c] for c in cos] for cos in get_right_cosets(sg, n)])
            left_cos.append([[index[c] for c in cos] for cos in get_left_cosets(sg, n)])
    lscores = [coset_scores(lvals[:, j], right_cos) for j in range(hidden)]
    rscores = [coset_scores(rvals[:, j], left_cos) for j in range(hidden)]
    out["subgroups"] = [{"name": a, "elements": b} for a, b in zip(names, elements)]
    out["left_scores"] = lscores
    out["right_scores"] = rscores
    out["left_min"] = [{"subgroup": names[int(np.argmin(s))], "ratio": float(min(s))} for s in lscores]
    out["right_min"] = [{"subgroup": names[int(np.argmin(s))], "ratio": float(min(s))} for s in rscores]
    return out


def main():
    os.makedirs(GROUP_OUT, exist_ok=True)
    os.makedirs(GROK_OUT, exist_ok=True)
    rng = np.random.default_rng(20240917)
    with open(os.path.join(GROUP_OUT, "sngrok_characters.json"), "w") as f:
        json.dump(characters(), f, indent=1)
    with open(os.path.join(GROUP_OUT, "sngrok_spectra.json"), "w") as f:
        json.dump(spectra(rng), f, indent=1)
    with open(os.path.join(GROK_OUT, "sngrok_s5_model.json"), "w") as f:
        json.dump(model_fixture(rng), f)


if __name__ == "__main__":
    main()
