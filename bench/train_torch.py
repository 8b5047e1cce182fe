"""PyTorch eager peer of bench/trainbench: the same training steps.

llama: a 6-layer Llama-style decoder (hidden 256, 4 heads, intermediate 688,
RMSNorm, rotary embeddings, SwiGLU, untied head) written as Hugging Face's
LlamaForCausalLM computes it in eager mode (separate q/k/v and gate/up
projections; PyTorch 1.13 has no fused attention), on 16 random sequences of
256 tokens, mean next-token cross-entropy, clip_grad_norm_(1.0) and AdamW.
mlp: the S5 grokking MLP full batch, as sn-grok's SnMLP.

usage: /usr/bin/python3 bench/train_torch.py llama|mlp THREADS STEPS [VOCAB]
Prints one JSON line: each step's wall time, CPU seconds, peak RSS.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as tnn
import torch.nn.functional as F


class RMSNorm(tnn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = tnn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        v = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(v + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Layer(tnn.Module):
    def __init__(self, H, nh, I):
        super().__init__()
        self.nh, self.d = nh, H // nh
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(H), RMSNorm(H)
        self.q_proj = tnn.Linear(H, H, bias=False)
        self.k_proj = tnn.Linear(H, H, bias=False)
        self.v_proj = tnn.Linear(H, H, bias=False)
        self.o_proj = tnn.Linear(H, H, bias=False)
        self.gate_proj = tnn.Linear(H, I, bias=False)
        self.up_proj = tnn.Linear(H, I, bias=False)
        self.down_proj = tnn.Linear(I, H, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, H = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, T, self.nh, self.d).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.nh, self.d).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.nh, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.d) + mask
        p = F.softmax(s, dim=-1, dtype=torch.float32)
        o = torch.matmul(p, v).transpose(1, 2).reshape(B, T, H)
        x = x + self.o_proj(o)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(tnn.Module):
    def __init__(self, V, H=256, nh=4, I=688, L=6, T=256):
        super().__init__()
        self.embed_tokens = tnn.Embedding(V, H)
        self.layers = tnn.ModuleList([Layer(H, nh, I) for _ in range(L)])
        self.norm = RMSNorm(H)
        self.lm_head = tnn.Linear(H, V, bias=False)
        d = H // nh
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        freqs = torch.arange(T).float()[:, None] * inv[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = emb.cos()[None, None], emb.sin()[None, None]
        self.mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)[None, None]
        for m in self.modules():
            if isinstance(m, (tnn.Linear, tnn.Embedding)):
                m.weight.data.normal_(0, 0.02)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.lm_head(self.norm(x))


def llama_step(V):
    B, T = 16, 256
    model = Llama(V)
    decay = [p for n, p in model.named_parameters() if "norm" not in n]
    nodecay = [p for n, p in model.named_parameters() if "norm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}], lr=1e-3)

    def step():
        ids = torch.randint(0, V, (B, T))
        opt.zero_grad()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return step


def mlp_step():
    n, e, h = 120, 256, 128
    left, right = tnn.Embedding(n, e), tnn.Embedding(n, e)
    lin = tnn.Linear(2 * e, h, bias=False)
    unembed = tnn.Linear(h, n, bias=True)
    params = list(left.parameters()) + list(right.parameters()) + list(lin.parameters()) + list(unembed.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.98), weight_decay=1.0)
    g = torch.Generator().manual_seed(3)
    keep = torch.rand(n * n, generator=g) < 0.4
    pairs = torch.arange(n * n)[keep]
    a, b = pairs // n, pairs % n
    y = (a * 7 + b) % n

    def step():
        opt.zero_grad()
        x = torch.cat([left(a), right(b)], dim=-1)
        logits = unembed(F.relu(lin(x)))
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
    return step


def main():
    kind, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    step = llama_step(int(sys.argv[4]) if len(sys.argv) > 4 else 8192) if kind == "llama" else mlp_step()
    step()  # warm-up
    ms = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1000)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"peer": "torch", "model": kind, "step_ms": ms, "cpu_seconds": ru.ru_utime + ru.ru_stime,
                      "peak_rss_mb": ru.ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
