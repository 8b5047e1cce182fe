#!/usr/bin/python3
"""Writes the engine's test checkpoints and their reference outputs.

For every variant below: a random-initialised checkpoint in Hugging Face
layout (config.json + model.safetensors, or shards with
model.safetensors.index.json) under model/testdata/<name>/, and reference
outputs from reference.py:

  ref.json          token sequences, greedy continuations, loglikelihood and
                    rolling-loglikelihood answers, hook site names
  logits_<i>.npy    float32 [T, vocab] logits of sequence i (full forward)
  acts_0.npy        float32 [sites, T, hidden] activations of sequence 0

Run from the repository root:  /usr/bin/python3 testdata/gen/engine/make_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import reference  # noqa: E402
import st  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "model", "testdata")

VOCAB = 96


def neox_weights(cfg, g, prefix="gpt_neox."):
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    bias = cfg.get("attention_bias", True)
    w = {prefix + "embed_in.weight": randn(g, V, H)}
    for i in range(cfg["num_hidden_layers"]):
        L = f"{prefix}layers.{i}."
        w[L + "input_layernorm.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "input_layernorm.bias"] = 0.1 * randn(g, H)
        w[L + "post_attention_layernorm.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "post_attention_layernorm.bias"] = 0.1 * randn(g, H)
        w[L + "attention.query_key_value.weight"] = randn(g, 3 * H, H) / H ** 0.5
        if bias:
            w[L + "attention.query_key_value.bias"] = 0.1 * randn(g, 3 * H)
        w[L + "attention.dense.weight"] = randn(g, H, H) / H ** 0.5
        if bias:
            w[L + "attention.dense.bias"] = 0.1 * randn(g, H)
        w[L + "mlp.dense_h_to_4h.weight"] = randn(g, I, H) / H ** 0.5
        w[L + "mlp.dense_h_to_4h.bias"] = 0.1 * randn(g, I)
        w[L + "mlp.dense_4h_to_h.weight"] = randn(g, H, I) / I ** 0.5
        w[L + "mlp.dense_4h_to_h.bias"] = 0.1 * randn(g, H)
        # Pythia checkpoints carry these buffers; the engine must ignore them.
        w[L + "attention.rotary_emb.inv_freq"] = torch.ones(2)
    w[prefix + "final_layer_norm.weight"] = 1 + 0.2 * randn(g, H)
    w[prefix + "final_layer_norm.bias"] = 0.1 * randn(g, H)
    if not cfg.get("tie_word_embeddings", False):
        w["embed_out.weight"] = randn(g, V, H) / H ** 0.5
    return w


def llama_weights(cfg, g, prefix="model."):
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    d = cfg.get("head_dim") or H // nh
    ab, mb = cfg.get("attention_bias", False), cfg.get("mlp_bias", False)
    w = {prefix + "embed_tokens.weight": randn(g, V, H)}
    for i in range(cfg["num_hidden_layers"]):
        L = f"{prefix}layers.{i}."
        w[L + "input_layernorm.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "self_attn.q_proj.weight"] = randn(g, nh * d, H) / H ** 0.5
        w[L + "self_attn.k_proj.weight"] = randn(g, nkv * d, H) / H ** 0.5
        w[L + "self_attn.v_proj.weight"] = randn(g, nkv * d, H) / H ** 0.5
        w[L + "self_attn.o_proj.weight"] = randn(g, H, nh * d) / (nh * d) ** 0.5
        if ab:
            w[L + "self_attn.q_proj.bias"] = 0.1 * randn(g, nh * d)
            w[L + "self_attn.k_proj.bias"] = 0.1 * randn(g, nkv * d)
            w[L + "self_attn.v_proj.bias"] = 0.1 * randn(g, nkv * d)
            w[L + "self_attn.o_proj.bias"] = 0.1 * randn(g, H)
        w[L + "post_attention_layernorm.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "mlp.gate_proj.weight"] = randn(g, I, H) / H ** 0.5
        w[L + "mlp.up_proj.weight"] = randn(g, I, H) / H ** 0.5
        w[L + "mlp.down_proj.weight"] = randn(g, H, I) / I ** 0.5
        if mb:
            w[L + "mlp.gate_proj.bias"] = 0.1 * randn(g, I)
            w[L + "mlp.up_proj.bias"] = 0.1 * randn(g, I)
            w[L + "mlp.down_proj.bias"] = 0.1 * randn(g, H)
    w[prefix + "norm.weight"] = 1 + 0.2 * randn(g, H)
    if not cfg.get("tie_word_embeddings", False):
        w["lm_head.weight"] = randn(g, V, H) / H ** 0.5
    return w


def gpt2_weights(cfg, g, prefix=""):
    H, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    I = cfg.get("n_inner") or 4 * H
    w = {prefix + "wte.weight": randn(g, V, H), prefix + "wpe.weight": 0.5 * randn(g, P, H)}
    for i in range(cfg["n_layer"]):
        L = f"{prefix}h.{i}."
        w[L + "ln_1.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "ln_1.bias"] = 0.1 * randn(g, H)
        w[L + "attn.c_attn.weight"] = randn(g, H, 3 * H) / H ** 0.5  # Conv1D: [in, out]
        w[L + "attn.c_attn.bias"] = 0.1 * randn(g, 3 * H)
        w[L + "attn.c_proj.weight"] = randn(g, H, H) / H ** 0.5
        w[L + "attn.c_proj.bias"] = 0.1 * randn(g, H)
        w[L + "ln_2.weight"] = 1 + 0.2 * randn(g, H)
        w[L + "ln_2.bias"] = 0.1 * randn(g, H)
        w[L + "mlp.c_fc.weight"] = randn(g, H, I) / H ** 0.5
        w[L + "mlp.c_fc.bias"] = 0.1 * randn(g, I)
        w[L + "mlp.c_proj.weight"] = randn(g, I, H) / I ** 0.5
        w[L + "mlp.c_proj.bias"] = 0.1 * randn(g, H)
        # The causal-mask buffer that Hub GPT-2 files carry; ignored by the engine.
        w[L + "attn.bias"] = torch.tril(torch.ones(1, 1, 4, 4))
    w[prefix + "ln_f.weight"] = 1 + 0.2 * randn(g, H)
    w[prefix + "ln_f.bias"] = 0.1 * randn(g, H)
    return w


def randn(g, *shape):
    return torch.randn(*shape, generator=g)


NEOX = dict(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"], hidden_size=32,
            num_attention_heads=4, num_hidden_layers=2, intermediate_size=128, vocab_size=VOCAB,
            max_position_embeddings=64, layer_norm_eps=1e-5, rotary_emb_base=10000,
            bos_token_id=0, eos_token_id=0)
LLAMA = dict(model_type="llama", architectures=["LlamaForCausalLM"], hidden_size=32,
             num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2, intermediate_size=64,
             vocab_size=VOCAB, max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=10000.0,
             hidden_act="silu", tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
GPT2 = dict(model_type="gpt2", architectures=["GPT2LMHeadModel"], n_embd=32, n_head=4, n_layer=2,
            n_positions=64, vocab_size=VOCAB, activation_function="gelu_new", layer_norm_epsilon=1e-5,
            bos_token_id=95, eos_token_id=95)

VARIANTS = [
    # name, config, weight builder, storage dtype, sequence lengths, options
    ("neox_parallel", dict(NEOX, use_parallel_residual=True, rotary_pct=0.25, hidden_act="gelu",
                           tie_word_embeddings=False), neox_weights, torch.float32, [7, 12], {}),
    ("neox_sequential_tied", dict(NEOX, use_parallel_residual=False, rotary_pct=1.0, hidden_act="gelu_new",
                                  tie_word_embeddings=True, attention_bias=False, layer_norm_eps=1e-3,
                                  rope_scaling={"type": "linear", "factor": 2.0}), neox_weights, torch.float32, [9, 5], {}),
    ("neox_dynamic_f16", dict(NEOX, use_parallel_residual=True, rotary_pct=0.5, hidden_act="gelu",
                              max_position_embeddings=16, rope_scaling={"type": "dynamic", "factor": 2.0}),
     neox_weights, torch.float16, [24, 10], {}),
    ("llama_gqa", dict(LLAMA), llama_weights, torch.float32, [8, 13], {"shards": 2}),
    ("llama3_mqa_bias", dict(LLAMA, num_key_value_heads=1, head_dim=16, attention_bias=True, mlp_bias=True,
                             tie_word_embeddings=True, max_position_embeddings=128,
                             rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
     llama_weights, torch.float32, [40, 6], {}),
    ("llama_bf16_linear", dict(LLAMA, rope_scaling={"rope_type": "linear", "factor": 4.0}, torch_dtype="bfloat16"),
     llama_weights, torch.bfloat16, [10, 7], {}),
    ("gpt2", dict(GPT2), gpt2_weights, torch.float32, [11, 4], {}),
    ("gpt2_scaled", dict(GPT2, activation_function="gelu", scale_attn_by_inverse_layer_idx=True),
     lambda c, g: gpt2_weights(c, g, prefix="transformer."), torch.float32, [6, 9], {}),
]


def rolling_windows(tokens, prefix, max_len):
    """lm-evaluation-harness get_rolling_token_windows(context_len=1) followed by
    make_disjoint_window: (input, predicted) pairs, every token predicted once."""
    out = []
    if not tokens:
        return out
    first = min(max_len, len(tokens))
    inp, pred = [prefix] + tokens[:first - 1], tokens[:first]
    out.append((inp[:len(inp) - len(pred) + 1], pred))
    done = first
    while done < len(tokens):
        n = min(len(tokens) - done, max_len)  # pred_len = max_len - context_len + 1
        end = done + n
        inp, pred = tokens[end - max_len - 1:end - 1], tokens[end - n:end]
        out.append((inp[:len(inp) - len(pred) + 1], pred))
        done += n
    return out


def loglik(cfg, w, ctx, cont):
    """Summed log-prob of cont after ctx and whether it is the greedy continuation."""
    whole = ctx + cont
    logits, _ = reference.forward(cfg, w, whole[:-1])
    lp = torch.log_softmax(logits.double(), dim=-1)[len(ctx) - 1:]
    target = torch.tensor(cont)
    total = lp.gather(1, target[:, None]).sum().item()
    greedy = bool((lp.argmax(-1) == target).all())
    return total, greedy


def make(name, cfg, build, dtype, lengths, opts, seed):
    g = torch.Generator().manual_seed(seed)
    w = build(cfg, g)
    w = {k: v.to(dtype) if v.is_floating_point() else v for k, v in w.items()}
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    shards = opts.get("shards", 1)
    if shards == 1:
        st.save(os.path.join(d, "model.safetensors"), w, {"format": "pt"})
    else:
        names = list(w)
        per = (len(names) + shards - 1) // shards
        weight_map = {}
        for s in range(shards):
            fn = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: w[n] for n in names[s * per:(s + 1) * per]}
            st.save(os.path.join(d, fn), part, {"format": "pt"})
            weight_map.update({n: fn for n in part})
        total = sum(v.numel() * v.element_size() for v in w.values())
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    V = cfg["vocab_size"]
    seqs = [torch.randint(0, V, (n,), generator=g).tolist() for n in lengths]
    ref = {"sequences": seqs}
    for i, s in enumerate(seqs):
        logits, acts = reference.forward(cfg, w, s)
        np.save(os.path.join(d, f"logits_{i}.npy"), logits.numpy().astype(np.float32))
        if i == 0:
            sites = list(acts)
            ref["sites"] = sites
            np.save(os.path.join(d, "acts_0.npy"), torch.stack([acts[k] for k in sites]).numpy().astype(np.float32))

    # Greedy continuation by full recomputation at every step.
    prompt = seqs[1][:4]
    toks = list(prompt)
    for _ in range(8):
        logits, _ = reference.forward(cfg, w, toks)
        toks.append(int(logits[-1].argmax()))
    ref["greedy"] = {"prompt": prompt, "tokens": toks[len(prompt):]}

    # Loglikelihood: one greedy continuation (is_greedy true) and two others.
    ctx = seqs[0][:5]
    conts = [None, seqs[1][:3], [seqs[1][-1]]]
    gl = []
    # A continuation that is greedy by construction: decode 3 tokens after ctx.
    gtoks = list(ctx)
    for _ in range(3):
        logits, _ = reference.forward(cfg, w, gtoks)
        gtoks.append(int(logits[-1].argmax()))
    conts[0] = gtoks[len(ctx):]
    for c in conts:
        lp, greedy = loglik(cfg, w, ctx, c)
        gl.append({"context": ctx, "continuation": c, "logprob": lp, "greedy": greedy})
    ref["loglikelihood"] = gl

    # Rolling loglikelihood of a long token list with small windows.
    tokens = torch.randint(0, V, (23,), generator=g).tolist()
    prefix, max_len = cfg.get("eos_token_id", 0), 8
    total = 0.0
    for ctx_w, pred in rolling_windows(tokens, prefix, max_len):
        total += loglik(cfg, w, ctx_w, pred)[0]
    ref["rolling"] = {"tokens": tokens, "prefix": prefix, "max_length": max_len, "logprob": total}

    with open(os.path.join(d, "ref.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(name, "ok")


def python_safetensors():
    d = os.path.join(ROOT, "safetensors", "testdata")
    os.makedirs(d, exist_ok=True)
    st.save(os.path.join(d, "python.safetensors"), {
        "x": torch.arange(6, dtype=torch.float32).view(2, 3),
        "y": torch.tensor([1.0, -2.0, 0.5], dtype=torch.bfloat16),
        "z": torch.tensor([-7, 9], dtype=torch.int64),
    }, {"format": "pt"})


if __name__ == "__main__":
    torch.manual_seed(0)
    python_safetensors()
    for i, (name, cfg, build, dtype, lengths, opts) in enumerate(VARIANTS):
        make(name, cfg, build, dtype, lengths, opts, seed=1000 + i)
