#!/usr/bin/env python3
"""Reference training steps of the paper's SnMLP, for `fmkit sn train`.

Replays the training loop of sn-grok's train_grok.py (github.com/dashstander/
sn-grok) in plain PyTorch from fixed initial weights: each epoch runs the
training pairs in minibatches (in increasing pair order, as its unshuffled
DataLoader does), calls backward on each minibatch's mean loss so that the
gradients add up, takes one torch.optim.AdamW step (lr 1e-3, weight decay
1.0 on every parameter in one group, betas (0.9, 0.98), eps 1e-8) and zeroes
the gradients. The loss is train_grok.py's loss_fn: float32 logits cast to
float64 before the log-softmax. SnMLP (sngrok/model/mlp.py) is re-stated
without its transformer_lens HookPoints, which are identities.

The task is the multiplication table of S_n with sn-grok's conventions,
re-stated here: tokens are the permutations in one-line notation sorted by
(parity, tuple) (Permutation.full_group), the product applies the left
factor first, (a*b)[i] = b[a[i]], and pair i is (i // n!, i % n!). For S5
the targets are checked against group/grok/testdata/sngrok_s5_targets.npy,
which gen_sngrok.py wrote from sn-grok itself.

Run with Debian's PyTorch (python3-torch 1.13, python3-numpy):
    /usr/bin/python3 testdata/gen/group/gen_sntrain.py
Writes group/grok/testdata/sntrain_<case>/: init.safetensors (weights under
sn-grok's state_dict names), split.npy (uint8 per pair, 1 = train),
final.safetensors (the weights after the last step) and steps.json (the
configuration, and per step the mean training loss and accuracy before the
update and the mean test loss and accuracy after it).
"""
import itertools
import json
import math
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "testdata", "gen", "engine"))
import st  # noqa: E402  (the project's independent safetensors writer)

OUT = os.path.join(ROOT, "group", "grok", "testdata")

CASES = {
    # the paper's S5 setup (full batch) at a small width
    "s5_full": {"n": 5, "embed_dim": 32, "hidden_dim": 24, "batch_size": 0, "steps": 5, "seed": 1},
    # S6's scheme (gradients of minibatch means summed into one step) on S4
    "s4_minibatch": {"n": 4, "embed_dim": 16, "hidden_dim": 12, "batch_size": 64, "steps": 5, "seed": 2},
}
LR, WEIGHT_DECAY, BETAS, EPS, FRAC = 1e-3, 1.0, (0.9, 0.98), 1e-8, 0.4


def tokens(n):
    perms = list(itertools.permutations(range(n)))

    def parity(p):
        inversions = sum(1 for i in range(n) for j in range(i + 1, n) if p[i] > p[j])
        return inversions % 2

    return sorted(perms, key=lambda p: (parity(p), p))


def table(n):
    elems = tokens(n)
    index = {p: i for i, p in enumerate(elems)}
    return np.array([index[tuple(b[a[i]] for i in range(n))] for a in elems for b in elems], dtype=np.int64)


def forward(p, left, right):
    """SnMLP.forward of sngrok/model/mlp.py without its HookPoints."""
    x = torch.cat([p["lembed.weight"][left], p["rembed.weight"][right]], dim=-1)
    h = torch.relu(x @ p["linear.weight"].T)
    return h @ p["unembed.weight"].T + p["unembed.bias"]


def loss_fn(logits, labels):
    """loss_fn of train_grok.py: float64 log-softmax, per-pair loss."""
    lp = logits.to(torch.float64).log_softmax(dim=-1)
    return -lp.gather(dim=-1, index=labels[:, None])[:, 0]


def init_weights(rng, order, embed, hidden):
    """PyTorch's default initialisation, drawn with numpy."""
    b1, b2 = 1 / math.sqrt(2 * embed), 1 / math.sqrt(hidden)
    w = {
        "lembed.weight": rng.standard_normal((order, embed)),
        "rembed.weight": rng.standard_normal((order, embed)),
        "linear.weight": rng.uniform(-b1, b1, (hidden, 2 * embed)),
        "unembed.weight": rng.uniform(-b2, b2, (order, hidden)),
        "unembed.bias": rng.uniform(-b2, b2, order),
    }
    return {k: torch.tensor(v, dtype=torch.float32) for k, v in w.items()}


def run(name, spec):
    n, embed, hidden = spec["n"], spec["embed_dim"], spec["hidden_dim"]
    order = math.factorial(n)
    rng = np.random.default_rng(spec["seed"])
    target = table(n)
    if n == 5:
        ref = np.load(os.path.join(OUT, "sngrok_s5_targets.npy")).astype(np.int64)
        assert (ref == target).all(), "re-stated table differs from sn-grok's"
    pairs = order * order
    train = np.zeros(pairs, dtype=np.uint8)
    train[rng.choice(pairs, int(FRAC * pairs), replace=False)] = 1
    train_idx = np.flatnonzero(train)
    test_idx = np.flatnonzero(train == 0)

    params = init_weights(rng, order, embed, hidden)
    d = os.path.join(OUT, f"sntrain_{name}")
    os.makedirs(d, exist_ok=True)
    st.save(os.path.join(d, "init.safetensors"), params)
    np.save(os.path.join(d, "split.npy"), train)

    p = {k: torch.nn.Parameter(v.clone()) for k, v in params.items()}
    opt = torch.optim.AdamW(list(p.values()), lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    size = spec["batch_size"] or len(train_idx)

    def split_tensors(idx):
        idx = torch.as_tensor(idx)
        return idx // order, idx % order, torch.as_tensor(target)[idx]

    tl, tr, ty = split_tensors(train_idx)
    el, er, ey = split_tensors(test_idx)
    steps = []
    for _ in range(spec["steps"]):
        loss_sum, correct = 0.0, 0
        for lo in range(0, len(train_idx), size):
            logits = forward(p, tl[lo:lo + size], tr[lo:lo + size])
            losses = loss_fn(logits, ty[lo:lo + size])
            losses.mean().backward()
            loss_sum += float(losses.sum())
            correct += int((logits.argmax(dim=-1) == ty[lo:lo + size]).sum())
        opt.step()
        opt.zero_grad()
        with torch.no_grad():
            logits = forward(p, el, er)
            test_loss = float(loss_fn(logits, ey).mean())
            test_acc = float((logits.argmax(dim=-1) == ey).double().mean())
        steps.append({"train_loss": loss_sum / len(train_idx), "train_acc": correct / len(train_idx),
                      "test_loss": test_loss, "test_acc": test_acc})
    st.save(os.path.join(d, "final.safetensors"), {k: v.detach() for k, v in p.items()})
    with open(os.path.join(d, "steps.json"), "w") as f:
        json.dump({"torch": torch.__version__, "config": dict(spec, lr=LR, weight_decay=WEIGHT_DECAY, betas=BETAS, eps=EPS, frac_train=FRAC),
                   "steps": steps}, f, indent=1)
    print(name, [round(s["train_loss"], 6) for s in steps])


def main():
    torch.set_num_threads(1)
    for name, spec in CASES.items():
        run(name, spec)


if __name__ == "__main__":
    main()
