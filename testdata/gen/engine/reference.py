"""Reference forward passes for GPT-NeoX, Llama and GPT-2 in plain PyTorch.

Written from the published definitions (Hugging Face transformers'
modeling_gpt_neox.py, modeling_llama.py, modeling_gpt2.py and
modeling_rope_utils.py): same tensor names, same config fields, same
arithmetic order where it matters (rotary tables in float32, RMSNorm in
float32, masking before softmax). transformers itself is not installable
here, so this file is the reference the Go engine is checked against.

forward(config, weights, ids) returns (logits [T, vocab], activations), where
activations maps the engine's hook site names to [T, hidden] tensors.
"""
import math

import torch
import torch.nn.functional as F


def act_fn(name):
    if name == "gelu":
        return F.gelu
    if name in ("gelu_new",):
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu_pytorch_tanh":
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "gelu_fast":
        return lambda x: 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name in ("silu", "swish"):
        return F.silu
    if name == "relu":
        return F.relu
    raise ValueError(name)


# ---------------------------------------------------------------- rotary

def default_inv_freq(base, dim):
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def rope_inv_freq(cfg, dim, base, max_pos, seq_len):
    """modeling_rope_utils: inverse frequencies for the configured rope type."""
    rs = cfg.get("rope_scaling")
    if not rs:
        return default_inv_freq(base, dim)
    kind = rs.get("rope_type", rs.get("type"))
    factor = rs.get("factor")
    if kind == "default":
        return default_inv_freq(base, dim)
    if kind == "linear":
        return default_inv_freq(base, dim) / factor
    if kind == "dynamic":
        # Dynamic NTK: the base grows once the sequence outgrows max_pos.
        seq_len = seq_len if seq_len > max_pos else max_pos
        base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return default_inv_freq(base, dim)
    if kind == "llama3":
        inv = default_inv_freq(base, dim)
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        return torch.where(medium, smoothed, inv_l)
    raise ValueError(kind)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def apply_rope(x, inv_freq, pos, rot):
    """x [heads, T, d]; rotate the first rot dims (GPT-NeoX/Llama layout)."""
    freqs = pos.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    xr, xp = x[..., :rot], x[..., rot:]
    xr = xr * cos + rotate_half(xr) * sin
    return torch.cat((xr, xp), dim=-1)


def attention(q, k, v, scale):
    """q [H, T, d], k/v [H, T, d] (already repeated for GQA); causal."""
    T = q.shape[1]
    s = torch.matmul(q, k.transpose(-1, -2)) * scale
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    s = torch.where(mask, s, torch.tensor(torch.finfo(s.dtype).min))
    p = torch.softmax(s, dim=-1)
    return torch.matmul(p, v)


def lin(x, w, b=None):
    return F.linear(x, w, b)


def get(w, *names):
    for n in names:
        if n in w:
            return w[n]
    return None


# ---------------------------------------------------------------- gpt_neox

def neox_forward(cfg, w, ids):
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    d = H // nh
    rot = int(d * cfg.get("rotary_pct", 1.0))
    eps = cfg.get("layer_norm_eps", 1e-5)
    base = cfg.get("rotary_emb_base", 10000)
    act = act_fn(cfg.get("hidden_act", "gelu"))
    T = len(ids)
    pos = torch.arange(T)
    inv = rope_inv_freq(cfg, rot, base, cfg["max_position_embeddings"], T)
    p = "gpt_neox."
    x = w[p + "embed_in.weight"][ids]
    acts = {}
    for i in range(cfg["num_hidden_layers"]):
        L = f"{p}layers.{i}."
        a_in = F.layer_norm(x, (H,), w[L + "input_layernorm.weight"], w[L + "input_layernorm.bias"], eps)
        acts[f"layers.{i}.attn_in"] = a_in
        qkv = lin(a_in, w[L + "attention.query_key_value.weight"], w.get(L + "attention.query_key_value.bias"))
        qkv = qkv.view(T, nh, 3 * d).permute(1, 0, 2)
        q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        q, k = apply_rope(q, inv, pos, rot), apply_rope(k, inv, pos, rot)
        o = attention(q, k, v, d ** -0.5).permute(1, 0, 2).reshape(T, H)
        attn = lin(o, w[L + "attention.dense.weight"], w.get(L + "attention.dense.bias"))
        if cfg.get("use_parallel_residual", True):
            m_in = F.layer_norm(x, (H,), w[L + "post_attention_layernorm.weight"], w[L + "post_attention_layernorm.bias"], eps)
            acts[f"layers.{i}.mlp_in"] = m_in
            mlp = lin(act(lin(m_in, w[L + "mlp.dense_h_to_4h.weight"], w[L + "mlp.dense_h_to_4h.bias"])),
                      w[L + "mlp.dense_4h_to_h.weight"], w[L + "mlp.dense_4h_to_h.bias"])
            x = mlp + attn + x
        else:
            h = attn + x
            m_in = F.layer_norm(h, (H,), w[L + "post_attention_layernorm.weight"], w[L + "post_attention_layernorm.bias"], eps)
            acts[f"layers.{i}.mlp_in"] = m_in
            mlp = lin(act(lin(m_in, w[L + "mlp.dense_h_to_4h.weight"], w[L + "mlp.dense_h_to_4h.bias"])),
                      w[L + "mlp.dense_4h_to_h.weight"], w[L + "mlp.dense_4h_to_h.bias"])
            x = mlp + h
        acts[f"layers.{i}.resid_out"] = x
    x = F.layer_norm(x, (H,), w[p + "final_layer_norm.weight"], w[p + "final_layer_norm.bias"], eps)
    acts["final_norm_out"] = x
    head = w[p + "embed_in.weight"] if cfg.get("tie_word_embeddings", False) else w["embed_out.weight"]
    return lin(x, head), acts


# ---------------------------------------------------------------- llama

def rms_norm(x, weight, eps):
    x32 = x.float()
    var = x32.pow(2).mean(-1, keepdim=True)
    return weight * (x32 * torch.rsqrt(var + eps)).to(x.dtype)


def llama_forward(cfg, w, ids):
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    d = cfg.get("head_dim") or H // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    base = cfg.get("rope_theta", 10000.0)
    act = act_fn(cfg.get("hidden_act", "silu"))
    T = len(ids)
    pos = torch.arange(T)
    rot = int(d * cfg.get("partial_rotary_factor", 1.0))
    inv = rope_inv_freq(cfg, rot, base, cfg["max_position_embeddings"], T)
    p = "model."
    x = w[p + "embed_tokens.weight"][ids]
    acts = {}
    for i in range(cfg["num_hidden_layers"]):
        L = f"{p}layers.{i}."
        a_in = rms_norm(x, w[L + "input_layernorm.weight"], eps)
        acts[f"layers.{i}.attn_in"] = a_in
        q = lin(a_in, w[L + "self_attn.q_proj.weight"], w.get(L + "self_attn.q_proj.bias")).view(T, nh, d).transpose(0, 1)
        k = lin(a_in, w[L + "self_attn.k_proj.weight"], w.get(L + "self_attn.k_proj.bias")).view(T, nkv, d).transpose(0, 1)
        v = lin(a_in, w[L + "self_attn.v_proj.weight"], w.get(L + "self_attn.v_proj.bias")).view(T, nkv, d).transpose(0, 1)
        q, k = apply_rope(q, inv, pos, rot), apply_rope(k, inv, pos, rot)
        rep = nh // nkv
        k = k.repeat_interleave(rep, dim=0)
        v = v.repeat_interleave(rep, dim=0)
        o = attention(q, k, v, d ** -0.5).transpose(0, 1).reshape(T, nh * d)
        x = x + lin(o, w[L + "self_attn.o_proj.weight"], w.get(L + "self_attn.o_proj.bias"))
        m_in = rms_norm(x, w[L + "post_attention_layernorm.weight"], eps)
        acts[f"layers.{i}.mlp_in"] = m_in
        g = lin(m_in, w[L + "mlp.gate_proj.weight"], w.get(L + "mlp.gate_proj.bias"))
        u = lin(m_in, w[L + "mlp.up_proj.weight"], w.get(L + "mlp.up_proj.bias"))
        x = x + lin(act(g) * u, w[L + "mlp.down_proj.weight"], w.get(L + "mlp.down_proj.bias"))
        acts[f"layers.{i}.resid_out"] = x
    x = rms_norm(x, w[p + "norm.weight"], eps)
    acts["final_norm_out"] = x
    head = w[p + "embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return lin(x, head), acts


# ---------------------------------------------------------------- gpt2

def gpt2_forward(cfg, w, ids):
    H = cfg["n_embd"]
    nh = cfg["n_head"]
    d = H // nh
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = act_fn(cfg.get("activation_function", "gelu_new"))
    T = len(ids)
    # Hub GPT-2 checkpoints store the bare GPT2Model names (no "transformer.").
    p = "transformer." if "transformer.wte.weight" in w else ""
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][torch.arange(T)]
    acts = {}
    for i in range(cfg["n_layer"]):
        L = f"{p}h.{i}."
        a_in = F.layer_norm(x, (H,), w[L + "ln_1.weight"], w[L + "ln_1.bias"], eps)
        acts[f"layers.{i}.attn_in"] = a_in
        qkv = a_in @ w[L + "attn.c_attn.weight"] + w[L + "attn.c_attn.bias"]  # Conv1D: x W + b, W [in, out]
        q, k, v = qkv.split(H, dim=-1)
        q, k, v = (t.view(T, nh, d).transpose(0, 1) for t in (q, k, v))
        s = torch.matmul(q, k.transpose(-1, -2))
        if cfg.get("scale_attn_weights", True):
            s = s / torch.full([], v.size(-1) ** 0.5, dtype=s.dtype)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            s = s / float(i + 1)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        s = torch.where(mask, s, torch.tensor(torch.finfo(s.dtype).min))
        o = torch.matmul(torch.softmax(s, dim=-1), v).transpose(0, 1).reshape(T, H)
        x = x + (o @ w[L + "attn.c_proj.weight"] + w[L + "attn.c_proj.bias"])
        m_in = F.layer_norm(x, (H,), w[L + "ln_2.weight"], w[L + "ln_2.bias"], eps)
        acts[f"layers.{i}.mlp_in"] = m_in
        h = act(m_in @ w[L + "mlp.c_fc.weight"] + w[L + "mlp.c_fc.bias"])
        x = x + (h @ w[L + "mlp.c_proj.weight"] + w[L + "mlp.c_proj.bias"])
        acts[f"layers.{i}.resid_out"] = x
    x = F.layer_norm(x, (H,), w[p + "ln_f.weight"], w[p + "ln_f.bias"], eps)
    acts["final_norm_out"] = x
    return x @ w[p + "wte.weight"].T, acts


FORWARD = {"gpt_neox": neox_forward, "llama": llama_forward, "gpt2": gpt2_forward}


def forward(cfg, weights, ids):
    """Forward in float32 (16-bit weights are widened first, as the engine does)."""
    w = {k: v.float() for k, v in weights.items()}
    with torch.no_grad():
        return FORWARD[cfg["model_type"]](cfg, w, torch.tensor(ids, dtype=torch.long))
