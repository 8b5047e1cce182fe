#!/usr/bin/python3
"""Writes a PyTorch reference for `erase.Scrub` (concept scrubbing).

It follows EleutherAI concept-erasure's scrub_neox / scrub_llama: keep every
document's residual stream, and layer by layer fit a LEACE eraser on the
normalised attention input over all documents, install it, run attention,
then (sequential models) fit and install the MLP-input eraser and run the
MLP; a parallel-residual model fits both erasers of a layer from the same
layer input. Erasers are LeaceFitter with its defaults (shrinkage and the
trace constraint on), with float64 statistics. The forward pass uses the
engine's reference layer arithmetic (testdata/gen/engine/reference.py).

Data: random token documents with label = token % 3 (a per-token concept
the embeddings carry), on the tiny test checkpoints of package model.
Outputs, per model, under erase/testdata/scrub_<model>/:
  docs.jsonl                the documents in `fmkit erase scrub`'s format
  P_<site>.npy              the eraser's projection matrix I − left·right
  bias_<site>.npy           the eraser's bias (the mean)
  losses.json               total next-token NLL (nats) and token count,
                            clean and scrubbed

Run from the repository root:  /usr/bin/python3 testdata/gen/erase/gen_scrub.py
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "testdata", "gen", "engine"))
import reference as ref  # noqa: E402

EPS = torch.finfo(torch.float64).eps
K = 3


def load_weights(d):
    files = [f for f in os.listdir(d) if f.endswith(".safetensors")]
    out = {}
    for f in files:
        b = open(os.path.join(d, f), "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        hdr = json.loads(b[8:8 + n])
        for name, e in hdr.items():
            if name == "__metadata__":
                continue
            assert e["dtype"] == "F32", e["dtype"]
            s, t = e["data_offsets"]
            a = np.frombuffer(b[8 + n + s:8 + n + t], dtype="<f4").reshape(e["shape"])
            out[name] = torch.from_numpy(a.copy())
    return out


# ---------------------------------------------------------------- LEACE

def shrink(S, n):
    p = S.shape[0]
    tr = torch.trace(S)
    s0 = tr * tr / p
    top = tr * tr * s0 / n
    bottom = (S * S).sum() * s0 - s0 * s0
    alpha = 1 - (top + EPS) / (bottom + EPS)
    beta = (1 - alpha) * (s0 + EPS) / (s0 + EPS)
    return alpha * S + torch.eye(p, dtype=S.dtype) * beta * tr / p


def leace(X, Z):
    """X [n, d] float64, Z [n, k] one-hot float64 → (P, bias) with
    shrinkage and the trace constraint, as LeaceFitter's defaults."""
    n, d = X.shape
    mx = X.mean(0)
    Xc = X - mx
    Zc = Z - Z.mean(0)
    sigma = shrink(Xc.T @ Xc / n, n)
    sxz = Xc.T @ Zc / (n - 1)
    L, V = torch.linalg.eigh(sigma)
    mask = L > L[-1] * d * EPS
    L = L.clamp_min(0)
    W = V * torch.where(mask, L.rsqrt(), 0.0) @ V.T
    Wi = V * torch.where(mask, L.sqrt(), 0.0) @ V.T
    u, s, _ = torch.linalg.svd(W @ sxz, full_matrices=False)
    u = u[:, s > 0.01]
    eye = torch.eye(d, dtype=X.dtype)
    P = eye - Wi @ u @ u.T @ W
    old, new = torch.trace(sigma), torch.trace(P @ sigma @ P.T)
    if new > old:
        Q = eye - u @ u.T
        x, y, z, w = new, 2 * torch.trace(P @ sigma @ Q.T), torch.trace(Q @ sigma @ Q.T), old
        discr = torch.sqrt(4 * w * x - 4 * w * y + 4 * w * z - 4 * x * z + y ** 2)
        a1 = (-y / 2 + z - discr / 2) / (x - y + z)
        a2 = (-y / 2 + z + discr / 2) / (x - y + z)
        a = (a1 if a1 > 0 else a2).clamp(0, 1)
        P = a * P + (1 - a) * Q
    return P, mx


def erase(P, bias, h):
    h64 = h.double()
    return ((h64 - bias) @ P.T + bias).float()


# ---------------------------------------------------------------- layers

def layer_norm(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


class Neox:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.H, self.nh = cfg["hidden_size"], cfg["num_attention_heads"]
        self.d = self.H // self.nh
        self.rot = int(self.d * cfg.get("rotary_pct", 1.0))
        self.eps = cfg.get("layer_norm_eps", 1e-5)
        self.act = ref.act_fn(cfg.get("hidden_act", "gelu"))
        self.parallel = cfg.get("use_parallel_residual", True)
        self.p = "gpt_neox."

    def embed(self, ids):
        return self.w[self.p + "embed_in.weight"][ids]

    def attn_norm(self, i, x):
        L = f"{self.p}layers.{i}."
        return layer_norm(x, self.w[L + "input_layernorm.weight"], self.w[L + "input_layernorm.bias"], self.eps)

    def mlp_norm(self, i, x):
        L = f"{self.p}layers.{i}."
        return layer_norm(x, self.w[L + "post_attention_layernorm.weight"], self.w[L + "post_attention_layernorm.bias"], self.eps)

    def attn(self, i, a_in):
        w, L, T = self.w, f"{self.p}layers.{i}.", a_in.shape[0]
        inv = ref.rope_inv_freq(self.cfg, self.rot, self.cfg.get("rotary_emb_base", 10000), self.cfg["max_position_embeddings"], T)
        qkv = ref.lin(a_in, w[L + "attention.query_key_value.weight"], w.get(L + "attention.query_key_value.bias"))
        qkv = qkv.view(T, self.nh, 3 * self.d).permute(1, 0, 2)
        q, k, v = qkv[..., :self.d], qkv[..., self.d:2 * self.d], qkv[..., 2 * self.d:]
        pos = torch.arange(T)
        q, k = ref.apply_rope(q, inv, pos, self.rot), ref.apply_rope(k, inv, pos, self.rot)
        o = ref.attention(q, k, v, self.d ** -0.5).permute(1, 0, 2).reshape(T, self.H)
        return ref.lin(o, w[L + "attention.dense.weight"], w.get(L + "attention.dense.bias"))

    def mlp(self, i, m_in):
        w, L = self.w, f"{self.p}layers.{i}."
        return ref.lin(self.act(ref.lin(m_in, w[L + "mlp.dense_h_to_4h.weight"], w[L + "mlp.dense_h_to_4h.bias"])),
                       w[L + "mlp.dense_4h_to_h.weight"], w[L + "mlp.dense_4h_to_h.bias"])

    def logits(self, x):
        x = layer_norm(x, self.w[self.p + "final_layer_norm.weight"], self.w[self.p + "final_layer_norm.bias"], self.eps)
        head = self.w[self.p + "embed_in.weight"] if self.cfg.get("tie_word_embeddings", False) else self.w["embed_out.weight"]
        return ref.lin(x, head)


class Llama:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.H, self.nh = cfg["hidden_size"], cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads") or self.nh
        self.d = cfg.get("head_dim") or self.H // self.nh
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.act = ref.act_fn(cfg.get("hidden_act", "silu"))
        self.parallel = False
        self.p = "model."

    def embed(self, ids):
        return self.w[self.p + "embed_tokens.weight"][ids]

    def attn_norm(self, i, x):
        return ref.rms_norm(x, self.w[f"{self.p}layers.{i}.input_layernorm.weight"], self.eps)

    def mlp_norm(self, i, x):
        return ref.rms_norm(x, self.w[f"{self.p}layers.{i}.post_attention_layernorm.weight"], self.eps)

    def attn(self, i, a_in):
        w, L, T, d = self.w, f"{self.p}layers.{i}.", a_in.shape[0], self.d
        inv = ref.rope_inv_freq(self.cfg, d, self.cfg.get("rope_theta", 10000.0), self.cfg["max_position_embeddings"], T)
        q = ref.lin(a_in, w[L + "self_attn.q_proj.weight"], w.get(L + "self_attn.q_proj.bias")).view(T, self.nh, d).transpose(0, 1)
        k = ref.lin(a_in, w[L + "self_attn.k_proj.weight"], w.get(L + "self_attn.k_proj.bias")).view(T, self.nkv, d).transpose(0, 1)
        v = ref.lin(a_in, w[L + "self_attn.v_proj.weight"], w.get(L + "self_attn.v_proj.bias")).view(T, self.nkv, d).transpose(0, 1)
        pos = torch.arange(T)
        q, k = ref.apply_rope(q, inv, pos, d), ref.apply_rope(k, inv, pos, d)
        rep = self.nh // self.nkv
        k, v = k.repeat_interleave(rep, dim=0), v.repeat_interleave(rep, dim=0)
        o = ref.attention(q, k, v, d ** -0.5).transpose(0, 1).reshape(T, self.nh * d)
        return ref.lin(o, w[L + "self_attn.o_proj.weight"], w.get(L + "self_attn.o_proj.bias"))

    def mlp(self, i, m_in):
        w, L = self.w, f"{self.p}layers.{i}."
        g = ref.lin(m_in, w[L + "mlp.gate_proj.weight"], w.get(L + "mlp.gate_proj.bias"))
        u = ref.lin(m_in, w[L + "mlp.up_proj.weight"], w.get(L + "mlp.up_proj.bias"))
        return ref.lin(self.act(g) * u, w[L + "mlp.down_proj.weight"], w.get(L + "mlp.down_proj.bias"))

    def logits(self, x):
        x = ref.rms_norm(x, self.w[self.p + "norm.weight"], self.eps)
        head = self.w[self.p + "embed_tokens.weight"] if self.cfg.get("tie_word_embeddings", False) else self.w["lm_head.weight"]
        return ref.lin(x, head)


# ---------------------------------------------------------------- scrub

def nll(m, xs, docs):
    total, count = 0.0, 0
    for x, (ids, _) in zip(xs, docs):
        logp = torch.log_softmax(m.logits(x).double(), -1)
        tgt = torch.tensor(ids[1:])
        total -= logp[torch.arange(len(ids) - 1), tgt].sum().item()
        count += len(ids) - 1
    return total, count


def scrub(m, docs, out):
    zs = [F.one_hot(torch.tensor(lab), K).double() for _, lab in docs]
    Z = torch.cat(zs)
    xs = [m.embed(torch.tensor(ids)) for ids, _ in docs]
    clean_xs = list(xs)
    for i in range(m.cfg["num_hidden_layers"]):
        clean_xs = [x + m.attn(i, m.attn_norm(i, x)) + m.mlp(i, m.mlp_norm(i, x)) if m.parallel else
                    (lambda h: h + m.mlp(i, m.mlp_norm(i, h)))(x + m.attn(i, m.attn_norm(i, x))) for x in clean_xs]

        site = f"layers.{i}.attn_in"
        Pa, ba = leace(torch.cat([m.attn_norm(i, x) for x in xs]).double(), Z)
        save_eraser(out, site, Pa, ba)
        if m.parallel:
            site = f"layers.{i}.mlp_in"
            Pm, bm = leace(torch.cat([m.mlp_norm(i, x) for x in xs]).double(), Z)
            save_eraser(out, site, Pm, bm)
            xs = [x + m.attn(i, erase(Pa, ba, m.attn_norm(i, x))) + m.mlp(i, erase(Pm, bm, m.mlp_norm(i, x))) for x in xs]
        else:
            xs = [x + m.attn(i, erase(Pa, ba, m.attn_norm(i, x))) for x in xs]
            site = f"layers.{i}.mlp_in"
            Pm, bm = leace(torch.cat([m.mlp_norm(i, x) for x in xs]).double(), Z)
            save_eraser(out, site, Pm, bm)
            xs = [x + m.mlp(i, erase(Pm, bm, m.mlp_norm(i, x))) for x in xs]
    clean = nll(m, clean_xs, docs)
    scrubbed = nll(m, xs, docs)
    with open(os.path.join(out, "losses.json"), "w") as f:
        json.dump(dict(clean_nll=clean[0], scrubbed_nll=scrubbed[0], tokens=clean[1]), f, indent=1)


def save_eraser(out, site, P, bias):
    np.save(os.path.join(out, f"P_{site}.npy"), P.numpy())
    np.save(os.path.join(out, f"bias_{site}.npy"), bias.numpy())


def main():
    rng = np.random.default_rng(5)
    for name, cls in [("neox_parallel", Neox), ("neox_sequential_tied", Neox), ("llama_gqa", Llama)]:
        d = os.path.join(ROOT, "model", "testdata", name)
        cfg = json.load(open(os.path.join(d, "config.json")))
        m = cls(cfg, load_weights(d))
        docs = []
        for _ in range(16):
            ids = rng.integers(3, cfg["vocab_size"], rng.integers(12, 40)).tolist()
            docs.append((ids, [t % K for t in ids]))
        out = os.path.join(ROOT, "erase", "testdata", "scrub_" + name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "docs.jsonl"), "w") as f:
            for ids, lab in docs:
                f.write(json.dumps({"tokens": ids, "pos": lab, "num_bytes": 4 * len(ids)}) + "\n")
        with torch.no_grad():
            scrub(m, docs, out)


main()
