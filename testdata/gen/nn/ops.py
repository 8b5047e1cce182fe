"""Reference values for every operation of package nn, from PyTorch.

Writes nn/testdata/ops.json: for each case, the operation and its
arguments, the inputs, an upstream gradient w, the output, and the
gradient of sum(w * output) with respect to each input, all in float64.

Run with Debian's PyTorch: /usr/bin/python3 testdata/gen/nn/ops.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1)
torch.set_default_dtype(torch.float64)
cases = []


def rand(*shape, positive=False):
    t = torch.randn(tuple(shape))
    if positive:
        t = t.abs() + 0.5
    return t


def case(name, op, args, inputs, fn, grad=None):
    """Records fn(*inputs): output and input gradients for upstream w."""
    grad = grad if grad is not None else [True] * len(inputs)
    leaves = []
    for x, g in zip(inputs, grad):
        x = x.clone().detach().requires_grad_(g)
        leaves.append(x)
    out = fn(*leaves)
    w = torch.randn(out.shape)
    (out * w).sum().backward()
    cases.append({
        "name": name, "op": op, "args": args,
        "inputs": [{"shape": list(x.shape), "data": x.detach().flatten().tolist(), "grad": x.grad.flatten().tolist() if x.grad is not None else None} for x in leaves],
        "w": w.flatten().tolist(),
        "out": {"shape": list(out.shape), "data": out.detach().flatten().tolist()},
    })


ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
for a, b in [([3, 4], [4]), ([3, 4], [3, 1]), ([2, 1, 4], [3, 1]), ([1], [2, 3]), ([2, 3, 4], [2, 1, 4]), ([5], [])]:
    for name, f in ops.items():
        case(f"{name}{a}{b}", name, {}, [rand(*a), rand(*b, positive=(name == "div"))], f)

for transA in (False, True):
    for transB in (False, True):
        for shared in (False, True):
            m, n, k = 3, 4, 5
            a = rand(2, k, m) if transA else rand(2, m, k)
            bs = [n, k] if transB else [k, n]
            b = rand(*bs) if shared else rand(2, *bs)

            def mm(a, b, transA=transA, transB=transB):
                return torch.matmul(a.transpose(-1, -2) if transA else a, b.transpose(-1, -2) if transB else b)
            case(f"matmul tA={transA} tB={transB} shared={shared}", "matmul", {"transA": transA, "transB": transB}, [a, b], mm)
case("linear", "linear", {}, [rand(2, 3, 5), rand(4, 5), rand(4)], F.linear)
case("linear no bias", "linear", {}, [rand(6, 5), rand(4, 5)], F.linear)

for axes in ([], [0], [1], [2], [0, 2]):
    for keep in (False, True):
        x = rand(2, 3, 4)
        dims = axes if axes else [0, 1, 2]
        case(f"sum{axes} keep={keep}", "sum", {"axes": axes, "keep": keep}, [x], lambda x, d=dims, k=keep: x.sum(dim=d, keepdim=k))
        case(f"mean{axes} keep={keep}", "mean", {"axes": axes, "keep": keep}, [x], lambda x, d=dims, k=keep: x.mean(dim=d, keepdim=k))
    if len(axes) == 1:
        case(f"max{axes}", "max", {"axes": axes, "keep": False}, [rand(2, 3, 4)], lambda x, d=axes[0]: x.max(dim=d).values)
case("max all", "max", {"axes": [], "keep": False}, [rand(2, 3, 4)], lambda x: x.max())

case("transpose 0 2", "transpose", {"d0": 0, "d1": 2}, [rand(2, 3, 4)], lambda x: x.transpose(0, 2).contiguous())
case("permute 2 0 1", "permute", {"perm": [2, 0, 1]}, [rand(2, 3, 4)], lambda x: x.permute(2, 0, 1).contiguous())
case("slice 1 1:3", "slice", {"axis": 1, "start": 1, "end": 3}, [rand(2, 3, 4)], lambda x: x[:, 1:3])
case("concat 1", "concat", {"axis": 1}, [rand(2, 3, 4), rand(2, 1, 4)], lambda a, b: torch.cat([a, b, a], dim=1))
ids = [3, 0, 3, 1, 4, 3]
case("embedding", "embedding", {"ids": ids}, [rand(5, 3)], lambda w: F.embedding(torch.tensor(ids), w))
cond = [True, False, False, True, True, False]
case("where", "where", {"cond": cond}, [rand(2, 3), rand(2, 3)], lambda a, b: torch.where(torch.tensor(cond).reshape(2, 3), a, b))

unary = {
    "relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x), "silu": F.silu, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "exp": torch.exp, "logsigmoid": F.logsigmoid,
    "softmax": lambda x: F.softmax(x, dim=-1), "log_softmax": lambda x: F.log_softmax(x, dim=-1),
}
for name, f in unary.items():
    x = rand(4, 9) * 3
    case(name, name, {}, [x], f)
case("log", "log", {}, [rand(3, 4, positive=True)], torch.log)
case("swiglu", "swiglu", {}, [rand(3, 8)], lambda x: F.silu(x[:, :4]) * x[:, 4:])
case("layer_norm", "layer_norm", {"eps": 1e-5}, [rand(3, 2, 8), rand(8), rand(8)], lambda x, w, b: F.layer_norm(x, (8,), w, b, 1e-5))


def rms_norm(x, w, eps=1e-6):
    # Hugging Face's LlamaRMSNorm
    v = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(v + eps))


case("rms_norm", "rms_norm", {"eps": 1e-6}, [rand(3, 2, 8), rand(8)], rms_norm)


def rope_tables(dim, base, seq):
    # float32 frequencies and angles, sin/cos rounded to float32, as nn does
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    ang = torch.arange(seq, dtype=torch.float32)[:, None] * inv[None, :]
    return ang.double().cos().float().double(), ang.double().sin().float().double()


def rotate(x, cos, sin, dim):
    # x: [seq, heads, d]; rotate_half on the first dim elements
    half = dim // 2
    x1, x2, rest = x[..., :half], x[..., half:dim], x[..., dim:]
    c, s = cos[:, None, :], sin[:, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s, rest], dim=-1)


def attention(qkv, batch, seq, heads, kv, d, rope_dim, layout):
    rows = qkv.reshape(batch, seq, -1)
    if layout == "neox":
        x = rows.reshape(batch, seq, heads, 3, d)
        q, k, v = x[:, :, :, 0], x[:, :, :, 1], x[:, :, :, 2]
    else:  # llama: all q heads, then k, then v
        q = rows[..., :heads * d].reshape(batch, seq, heads, d)
        k = rows[..., heads * d:(heads + kv) * d].reshape(batch, seq, kv, d)
        v = rows[..., (heads + kv) * d:].reshape(batch, seq, kv, d)
    if rope_dim:
        cos, sin = rope_tables(rope_dim, 10000.0, seq)
        q = torch.stack([rotate(q[b], cos, sin, rope_dim) for b in range(batch)])
        k = torch.stack([rotate(k[b], cos, sin, rope_dim) for b in range(batch)])
    q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [b, h, s, d]
    rep = heads // kv
    k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
    s = q @ k.transpose(-1, -2) / math.sqrt(d)
    mask = torch.triu(torch.ones(seq, seq, dtype=torch.bool), diagonal=1)
    s = s.masked_fill(mask, float("-inf"))
    o = F.softmax(s, dim=-1) @ v  # [b, h, s, d]
    return o.transpose(1, 2).reshape(batch * seq, heads * d)


for name, (batch, seq, heads, kv, d, rope_dim, layout) in {
    "attention neox partial rope": (2, 5, 2, 2, 4, 2, "neox"),
    "attention llama gqa": (2, 70, 4, 2, 4, 4, "llama"),
}.items():
    width = 3 * heads * d if layout == "neox" else (heads + 2 * kv) * d
    args = {"batch": batch, "seq": seq, "heads": heads, "kv": kv, "d": d, "rope": rope_dim, "layout": layout}
    case(name, "attention", args, [rand(batch * seq, width)],
         lambda x, a=(batch, seq, heads, kv, d, rope_dim, layout): attention(x, *a))

targets = [2, -100, 0, 4, 4]
for eps in (0.0, 0.1):
    for red in ("mean", "sum"):
        case(f"cross_entropy eps={eps} {red}", "cross_entropy", {"targets": targets, "smoothing": eps, "sum": red == "sum"},
             [rand(5, 6)], lambda x, e=eps, r=red: F.cross_entropy(x, torch.tensor(targets), ignore_index=-100, label_smoothing=e, reduction=r))


def token_logprobs(x):
    t = torch.tensor(targets)
    lp = F.log_softmax(x, dim=-1).gather(1, t.clamp(min=0)[:, None])[:, 0]
    return torch.where(t == -100, torch.zeros_like(lp), lp)


case("token_logprobs", "token_logprobs", {"targets": targets}, [rand(5, 6)], token_logprobs)

# CrossEntropyOptions.Float64: float32 logits cast to float64 before the
# log-softmax (sn-grok's loss_fn). Logits near 30000 are exact in float32,
# but a float32 log-sum-exp is off by up to 1e-3 there (its spacing is
# 2e-3), so only a float64 one agrees.
for eps in (0.0, 0.1):
    big = (rand(5, 6) + 30000).float().double()
    case(f"cross_entropy float64 eps={eps}", "cross_entropy", {"targets": targets, "smoothing": eps, "float64": True},
         [big], lambda x, e=eps: F.cross_entropy(x, torch.tensor(targets), ignore_index=-100, label_smoothing=e))

out = os.path.join(os.path.dirname(__file__), "..", "..", "..", "nn", "testdata", "ops.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
