#!/usr/bin/python3
"""The PyTorch eager peer of bench/engine_vs_torch.sh.

usage: bench_torch.py MODEL_DIR score|decode [threads]

score:  32 sequences × 512 tokens (8 sequences per forward), log-softmax over
        the vocabulary at every position, summed log-prob of the next tokens;
        prints tokens/s.
decode: batch-1 greedy decoding of 256 new tokens after a 16-token prompt,
        with a key/value cache; prints tokens/s.
Both print the process's peak RSS (VmHWM). Weights are float32 (16-bit
checkpoints are widened), as transformers loads them by default.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import reference  # noqa: E402


def load(d):
    with open(os.path.join(d, "model.safetensors"), "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    w = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = data[a:b]
        if info["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16).float()
        else:
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
        w[name] = t.view(info["shape"])
    del data
    return w


def rope_tables(inv, T):
    freqs = torch.arange(T).float()[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rope(x, cos, sin, rot):
    xr, xp = x[..., :rot], x[..., rot:]
    return torch.cat((xr * cos + reference.rotate_half(xr) * sin, xp), dim=-1)


class Model:
    """Batched eager forward [B, T] with a per-layer key/value cache."""

    def __init__(self, d):
        self.cfg = json.load(open(os.path.join(d, "config.json")))
        self.w = load(d)
        c = self.cfg
        self.neox = c["model_type"] == "gpt_neox"
        self.H = c["hidden_size"]
        self.nh = c["num_attention_heads"]
        self.nkv = c.get("num_key_value_heads") or self.nh
        self.d = self.H // self.nh
        self.rot = int(self.d * c.get("rotary_pct", 1.0)) if self.neox else self.d
        base = c.get("rotary_emb_base", c.get("rope_theta", 10000.0))
        self.cos, self.sin = rope_tables(reference.default_inv_freq(base, self.rot), c["max_position_embeddings"])
        self.act = reference.act_fn(c.get("hidden_act"))

    def norm(self, x, p):
        if self.neox:
            return F.layer_norm(x, (self.H,), self.w[p + ".weight"], self.w[p + ".bias"], self.cfg["layer_norm_eps"])
        return reference.rms_norm(x, self.w[p + ".weight"], self.cfg["rms_norm_eps"])

    def attn(self, x, L, cache, start):
        B, T, _ = x.shape
        w, d, nh, nkv = self.w, self.d, self.nh, self.nkv
        if self.neox:
            qkv = F.linear(x, w[L + "attention.query_key_value.weight"], w[L + "attention.query_key_value.bias"])
            qkv = qkv.view(B, T, nh, 3 * d).transpose(1, 2)
            q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        else:
            q = F.linear(x, w[L + "self_attn.q_proj.weight"]).view(B, T, nh, d).transpose(1, 2)
            k = F.linear(x, w[L + "self_attn.k_proj.weight"]).view(B, T, nkv, d).transpose(1, 2)
            v = F.linear(x, w[L + "self_attn.v_proj.weight"]).view(B, T, nkv, d).transpose(1, 2)
        cos, sin = self.cos[start:start + T], self.sin[start:start + T]
        q, k = rope(q, cos, sin, self.rot), rope(k, cos, sin, self.rot)
        if L in cache:
            pk, pv = cache[L]
            k, v = torch.cat((pk, k), dim=2), torch.cat((pv, v), dim=2)
        cache[L] = (k, v)
        if nkv != nh:
            k = k.repeat_interleave(nh // nkv, dim=1)
            v = v.repeat_interleave(nh // nkv, dim=1)
        S = k.shape[2]
        s = torch.matmul(q, k.transpose(-1, -2)) * d ** -0.5
        if T > 1:
            mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
        o = torch.matmul(torch.softmax(s, dim=-1), v).transpose(1, 2).reshape(B, T, nh * d)
        if self.neox:
            return F.linear(o, w[L + "attention.dense.weight"], w[L + "attention.dense.bias"])
        return F.linear(o, w[L + "self_attn.o_proj.weight"])

    def mlp(self, x, L):
        w = self.w
        if self.neox:
            return F.linear(self.act(F.linear(x, w[L + "mlp.dense_h_to_4h.weight"], w[L + "mlp.dense_h_to_4h.bias"])),
                            w[L + "mlp.dense_4h_to_h.weight"], w[L + "mlp.dense_4h_to_h.bias"])
        g = F.linear(x, w[L + "mlp.gate_proj.weight"])
        u = F.linear(x, w[L + "mlp.up_proj.weight"])
        return F.linear(self.act(g) * u, w[L + "mlp.down_proj.weight"])

    def forward(self, ids, cache, start):
        w = self.w
        if self.neox:
            x = w["gpt_neox.embed_in.weight"][ids]
        else:
            x = w["model.embed_tokens.weight"][ids]
        for i in range(self.cfg["num_hidden_layers"]):
            if self.neox:
                L = f"gpt_neox.layers.{i}."
                a = self.attn(self.norm(x, L + "input_layernorm"), L, cache, start)
                x = self.mlp(self.norm(x, L + "post_attention_layernorm"), L) + a + x
            else:
                L = f"model.layers.{i}."
                x = x + self.attn(self.norm(x, L + "input_layernorm"), L, cache, start)
                x = x + self.mlp(self.norm(x, L + "post_attention_layernorm"), L)
        if self.neox:
            x = self.norm(x, "gpt_neox.final_layer_norm")
            return F.linear(x, w["embed_out.weight"])
        x = self.norm(x, "model.norm")
        return F.linear(x, w["lm_head.weight"])


def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    d, mode = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    m = Model(d)
    V = m.cfg["vocab_size"]
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        if mode == "score":
            seqs, T, per = int(os.environ.get("SCORE_SEQS", 32)), int(os.environ.get("SCORE_LEN", 512)), 8
            ids = torch.randint(0, V, (seqs, T), generator=g)
            m.forward(ids[:1, :16], {}, 0)  # warm up
            t0 = time.perf_counter()
            total = 0.0
            for b in range(0, seqs, per):
                logp = F.log_softmax(m.forward(ids[b:b + per], {}, 0), dim=-1)
                total += logp[:, :-1].gather(2, ids[b:b + per, 1:, None]).sum().item()
            dt = time.perf_counter() - t0
            print(json.dumps({"peer": "torch", "mode": mode, "tokens_per_s": seqs * T / dt, "seconds": dt,
                              "peak_rss_mb": peak_rss_mb(), "logprob_sum": total, "cpu_seconds": time.process_time()}))
        else:
            new = int(os.environ.get("DECODE_NEW", 256))
            prompt = torch.randint(0, V, (1, 16), generator=g)
            cache = {}
            t0 = time.perf_counter()
            logits = m.forward(prompt, cache, 0)
            pos = prompt.shape[1]
            out = []
            for _ in range(new):
                tok = logits[0, -1].argmax()
                out.append(int(tok))
                logits = m.forward(tok.view(1, 1), cache, pos)
                pos += 1
            dt = time.perf_counter() - t0
            print(json.dumps({"peer": "torch", "mode": mode, "tokens_per_s": new / dt, "seconds": dt,
                              "peak_rss_mb": peak_rss_mb(), "tokens": out[:8], "cpu_seconds": time.process_time()}))


if __name__ == "__main__":
    main()
