"""PyTorch peer of `fmkit sn train`: the same epochs on the same run.

Reads an fmkit run directory (config.json, split.npy and the epoch-0
weights checkpoints/epoch_00000000.safetensors) and replays sn-grok's
train_grok.py loop from those weights for EPOCHS epochs: forward and
backward of the minibatch mean losses (float32 logits cast to float64
before the log-softmax), one torch.optim.AdamW step, the test loss every
test_every epochs, and torch.save of the model and optimizer state at the
epochs fmkit checkpoints (0, powers of two below checkpoint_every, every
checkpoint_every, the last).

mode "paper": sn-grok's SnMLP, concatenate the two embeddings and multiply
by the first layer for every pair. mode "tokens": the first layer applied
once per token ([2·n!, H] left and right functions) and gathered per pair,
the formulation fmkit's trainer uses, so that the two can be compared on the
same arithmetic.

usage: /usr/bin/python3 bench/sn_train_torch.py RUN_DIR paper|tokens EPOCHS THREADS
Prints one JSON line: epochs, seconds, epochs per second, last train and
test loss.
"""
import io
import itertools
import json
import math
import os
import struct
import sys
import tempfile
import time

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        lo, hi = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[lo:hi], dtype="<f4").reshape(info["shape"]).copy())
    return out


def targets(n):
    """sn-grok's table: tokens sorted by (parity, one-line tuple), (a*b)[i] = b[a[i]]."""
    perms = list(itertools.permutations(range(n)))
    parity = {p: sum(p[i] > p[j] for i in range(n) for j in range(i + 1, n)) % 2 for p in perms}
    elems = sorted(perms, key=lambda p: (parity[p], p))
    index = {p: i for i, p in enumerate(elems)}
    return torch.tensor([index[tuple(b[a[i]] for i in range(n))] for a in elems for b in elems])


def loss_fn(logits, labels):
    lp = logits.to(torch.float64).log_softmax(dim=-1)
    return -lp.gather(dim=-1, index=labels[:, None])[:, 0]


def is_checkpoint(e, epochs, every):
    if e == epochs or (every > 0 and e % every == 0):
        return True
    return e > 0 and e & (e - 1) == 0 and (every == 0 or e < every)


def main():
    run, mode, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    with open(os.path.join(run, "config.json")) as f:
        cfg = json.load(f)
    n, order = cfg["n"], math.factorial(cfg["n"])
    train = np.load(os.path.join(run, "split.npy")).astype(bool)
    p = {k: torch.nn.Parameter(v) for k, v in read_safetensors(os.path.join(run, "checkpoints", "epoch_00000000.safetensors")).items()}
    opt = torch.optim.AdamW(list(p.values()), lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"], weight_decay=cfg["weight_decay"])
    y = targets(n)
    idx = torch.arange(order * order)
    tr, te = idx[torch.from_numpy(train)], idx[torch.from_numpy(~train)]
    E = cfg["embed_dim"]

    def forward(left, right):
        if mode == "paper":
            x = torch.cat([p["lembed.weight"][left], p["rembed.weight"][right]], dim=-1)
            pre = x @ p["linear.weight"].T
        else:
            fl = p["lembed.weight"] @ p["linear.weight"][:, :E].T
            fr = p["rembed.weight"] @ p["linear.weight"][:, E:].T
            pre = fl[left] + fr[right]
        return torch.relu(pre) @ p["unembed.weight"].T + p["unembed.bias"]

    size = cfg["batch_size"] or len(tr)
    batches = [(tr[lo:lo + size] // order, tr[lo:lo + size] % order, y[tr[lo:lo + size]]) for lo in range(0, len(tr), size)]
    test = (te // order, te % order, y[te])
    every = cfg["test_every"]
    out = tempfile.mkdtemp()
    train_loss = test_loss = float("nan")
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total = 0.0
        for left, right, target in batches:
            losses = loss_fn(forward(left, right), target)
            losses.mean().backward()
            total += float(losses.sum())
        train_loss = total / len(tr)
        opt.step()
        opt.zero_grad()
        if (every > 0 and epoch % every == 0) or epoch == epochs:
            with torch.no_grad():
                test_loss = float(loss_fn(forward(*test[:2]), test[2]).mean())
        if is_checkpoint(epoch, epochs, cfg["checkpoint_every"]):
            buf = io.BytesIO()
            torch.save({"model": {k: v.detach() for k, v in p.items()}, "optimizer": opt.state_dict()}, buf)
            with open(os.path.join(out, f"{epoch}.pth"), "wb") as f:
                f.write(buf.getvalue())
                f.flush()
                os.fsync(f.fileno())
    secs = time.perf_counter() - t0
    print(json.dumps({"peer": f"torch-{mode}", "epochs": epochs, "seconds": secs, "epochs_per_second": epochs / secs,
                      "train_loss": train_loss, "test_loss": test_loss, "threads": threads}))


if __name__ == "__main__":
    main()
