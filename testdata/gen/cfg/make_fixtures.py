#!/usr/bin/python3
"""Classifier-free guidance references for lm/guided.

For some of the engine's test checkpoints (model/testdata/<name>), this
runs the PyTorch reference forward (testdata/gen/engine/reference.py) on
both branches of guided requests and applies the guidance formula in
float64:

    log P^(w|c) = log P(w|u) + scale * (log P(w|c) - log P(w|u))

with both branches log-softmaxed first and no renormalisation. It writes
lm/guided/testdata/<name>.json:

  score      per request, unconditional branch and scale: the tokens of both
             branches, per-token guided log-probabilities, their sum, and
             is_greedy (the target is the first argmax of the guided
             distribution at every position)
  generate   greedy guided decoding by full recomputation of both branches
             at every step (each branch fed every chosen token)
  mix        raw logits of both branches at one position and the guided
             distribution, for LogProbsTo

and lm/guided/testdata/<name>_branches.npy: the float32 logits of both
branches of the first scored request ([2, positions, vocab]).

Run from the repository root:  /usr/bin/python3 testdata/gen/cfg/make_fixtures.py
"""
import json
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "testdata", "gen", "engine"))
import reference  # noqa: E402

OUT = os.path.join(ROOT, "lm", "guided", "testdata")
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """Tensors of one safetensors file, read from the format's definition:
    an 8-byte little-endian header length, a JSON header, then the data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dt) if b > a else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(info["shape"])
    return out


def load(name):
    d = os.path.join(ROOT, "model", "testdata", name)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(d, "model.safetensors.index.json")
    w = {}
    if os.path.exists(index):
        with open(index) as f:
            for shard in sorted(set(json.load(f)["weight_map"].values())):
                w.update(read_safetensors(os.path.join(d, shard)))
    else:
        w = read_safetensors(os.path.join(d, "model.safetensors"))
    return cfg, w


def logprobs(cfg, w, tokens):
    """float64 log-softmax of the reference logits after every token."""
    logits, _ = reference.forward(cfg, w, tokens)
    return logits, torch.log_softmax(logits.double(), dim=-1)


def truncate(ctx, cont, max_len):
    """lm-eval's (ctx + cont)[-(max_len + 1):], returning what is left of ctx."""
    whole = (ctx + cont)[-(max_len + 1):]
    return whole[:len(whole) - len(cont)]


def uncond_prompt(mode, prefix, bos, negative):
    if mode == "last-token":
        return prefix[-1:]
    if mode == "empty":
        return [bos]
    return list(negative)


def score(cfg, w, ctx, cont, mode, scale, bos, negative, max_len):
    prefix = truncate(ctx, cont, max_len)
    unc = truncate(uncond_prompt(mode, prefix, bos, negative), cont, max_len)
    lc_logits, lc = logprobs(cfg, w, prefix + cont[:-1])
    lu_logits, lu = logprobs(cfg, w, unc + cont[:-1])
    lc, lu = lc[len(prefix) - 1:], lu[len(unc) - 1:]
    g = lu + scale * (lc - lu)
    target = torch.tensor(cont)
    per_token = g.gather(1, target[:, None])[:, 0]
    greedy = bool((g.argmax(-1) == target).all())
    branches = np.stack([lc_logits[len(prefix) - 1:].numpy(), lu_logits[len(unc) - 1:].numpy()])
    return {
        "context": ctx, "continuation": cont, "uncond": mode, "negative": negative,
        "scale": scale, "max_length": max_len, "cond_tokens": prefix, "uncond_tokens": unc,
        "per_token": per_token.tolist(), "logprob": float(per_token.sum()), "greedy": greedy,
    }, branches.astype(np.float32)


def generate(cfg, w, prompt, mode, scale, bos, negative, n):
    cond = list(prompt)
    unc = uncond_prompt(mode, prompt, bos, negative)
    out = []
    for _ in range(n):
        _, lc = logprobs(cfg, w, cond)
        _, lu = logprobs(cfg, w, unc)
        g = lu[-1] + scale * (lc[-1] - lu[-1])
        tok = int(g.argmax())
        out.append(tok)
        cond.append(tok)
        unc.append(tok)
    return {"prompt": prompt, "uncond": mode, "negative": negative, "scale": scale, "tokens": out}


MODELS = ["neox_parallel", "llama_gqa", "llama3_mqa_bias", "gpt2"]
SCALES = [1.5, 3.0, 0.0, -0.5, 1.0]


def make(name, seed):
    cfg, w = load(name)
    g = torch.Generator().manual_seed(seed)
    V = cfg["vocab_size"]
    bos = cfg["bos_token_id"]
    max_pos = cfg.get("max_position_embeddings") or cfg.get("n_positions")
    rnd = lambda n: torch.randint(1, V - 1, (n,), generator=g).tolist()  # noqa: E731
    negative = rnd(5)
    ctx_a, ctx_b = rnd(9), rnd(4)
    conts = [rnd(1), rnd(4), rnd(7)]
    fixture = {"model": name, "bos": bos, "score": [], "generate": []}
    first_branches = None
    for mode in ["last-token", "empty", "negative"]:
        neg = negative if mode == "negative" else []
        for scale in SCALES:
            for ctx in (ctx_a, ctx_b):
                for cont in conts:
                    s, br = score(cfg, w, ctx, cont, mode, scale, bos, neg, max_pos)
                    fixture["score"].append(s)
                    if first_branches is None and len(cont) > 1:
                        first_branches = br
        # Truncation: a max length shorter than context + continuation.
        s, _ = score(cfg, w, ctx_a, conts[2], mode, 1.5, bos, neg, 8)
        fixture["score"].append(s)
    # A continuation that guided greedy decoding produces, so that
    # is_greedy is true at least once per mode.
    for mode in ["last-token", "empty", "negative"]:
        neg = negative if mode == "negative" else []
        gen = generate(cfg, w, ctx_a, mode, 1.5, bos, neg, 3)
        s, _ = score(cfg, w, ctx_a, gen["tokens"], mode, 1.5, bos, neg, max_pos)
        assert s["greedy"], (name, mode)
        fixture["score"].append(s)
    for mode in ["last-token", "empty", "negative"]:
        neg = negative if mode == "negative" else []
        for scale in [1.5, 3.0]:
            fixture["generate"].append(generate(cfg, w, ctx_b, mode, scale, bos, neg, 8))
    # LogProbsTo: raw logits of both branches at one position.
    c_logits, _ = reference.forward(cfg, w, ctx_a)
    u_logits, _ = reference.forward(cfg, w, ctx_a[-1:])
    c, u = c_logits[-1].double(), u_logits[-1].double()
    lc, lu = torch.log_softmax(c, -1), torch.log_softmax(u, -1)
    fixture["mix"] = {"cond": c.float().tolist(), "uncond": u.float().tolist(), "scale": 1.5,
                      "guided": (lu + 1.5 * (lc - lu)).tolist()}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(fixture, f, indent=1)
    np.save(os.path.join(OUT, name + "_branches.npy"), first_branches)
    print(name, len(fixture["score"]), "scores", len(fixture["generate"]), "generations")


if __name__ == "__main__":
    for i, name in enumerate(MODELS):
        make(name, 7000 + i)
