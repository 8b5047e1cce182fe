"""Three AdamW steps of small GPT-NeoX, Llama (GQA) and GPT-2 models in PyTorch.

For each architecture, writes under nn/testdata/train/<arch>/:

  init/config.json, init/model.safetensors   the starting checkpoint (HF layout)
  data.jsonl        twelve sequences of token ids ("ids"), lengths 4-16
  run.json          the training settings, and per step: the loss (mean
                    next-token cross-entropy over every predicted token of the
                    step's batch), the gradient norm before clipping and the
                    learning rate used
  final.safetensors every weight after the last step (HF names)
  grads_<step>.safetensors  every gradient of each step, after clipping

Training follows Hugging Face's Trainer: sequences in file order, batches
right-padded (padding predicts nothing), gradient accumulation normalised by
the step's whole token count, clip_grad_norm_, torch.optim.AdamW with weight
decay on every parameter but biases and normalisation weights, and the
LambdaLR schedules of get_{constant,linear,cosine}_schedule_with_warmup.
The forward passes are testdata/gen/engine/reference.py's.

Run with Debian's PyTorch: /usr/bin/python3 testdata/gen/nn/train.py
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "engine"))
import reference  # noqa: E402
import st  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(ROOT, "nn", "testdata", "train")
VOCAB = 64

NEOX = dict(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"], hidden_size=32,
            num_attention_heads=4, num_hidden_layers=2, intermediate_size=128, vocab_size=VOCAB,
            max_position_embeddings=64, layer_norm_eps=1e-5, rotary_emb_base=10000,
            use_parallel_residual=True, rotary_pct=0.25, hidden_act="gelu", tie_word_embeddings=False,
            bos_token_id=0, eos_token_id=0)
LLAMA = dict(model_type="llama", architectures=["LlamaForCausalLM"], hidden_size=32,
             num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2, intermediate_size=64,
             vocab_size=VOCAB, max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=10000.0,
             hidden_act="silu", tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
GPT2 = dict(model_type="gpt2", architectures=["GPT2LMHeadModel"], n_embd=32, n_head=4, n_layer=2,
            n_positions=64, vocab_size=VOCAB, activation_function="gelu_new", layer_norm_epsilon=1e-5,
            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=63, eos_token_id=63)

# settings per architecture: each exercises a different schedule, clipping
# and accumulation
RUNS = {
    "neox": dict(config=NEOX, batch_size=2, grad_accum=2, lr=3e-3, schedule="linear", warmup=1,
                 min_lr_ratio=0.0, max_grad_norm=1.0, weight_decay=0.1, betas=(0.9, 0.95), eps=1e-8),
    "llama": dict(config=LLAMA, batch_size=4, grad_accum=1, lr=2e-3, schedule="cosine", warmup=0,
                  min_lr_ratio=0.1, max_grad_norm=0.0, weight_decay=0.01, betas=(0.9, 0.999), eps=1e-8),
    "gpt2": dict(config=GPT2, batch_size=3, grad_accum=1, lr=1e-3, schedule="constant", warmup=0,
                 min_lr_ratio=0.0, max_grad_norm=0.5, weight_decay=0.0, betas=(0.8, 0.99), eps=1e-6),
}
STEPS = 3


def init_weights(cfg, g):
    """Random weights with the checkpoint's names and shapes."""
    def rn(*shape, std=0.05):
        return torch.randn(*shape, generator=g) * std

    def norm_w(n):
        return 1 + rn(n, std=0.1)
    w = {}
    L = cfg.get("num_hidden_layers", cfg.get("n_layer"))
    if cfg["model_type"] == "gpt_neox":
        H, I = cfg["hidden_size"], cfg["intermediate_size"]
        w["gpt_neox.embed_in.weight"] = rn(VOCAB, H, std=0.5)
        for i in range(L):
            p = f"gpt_neox.layers.{i}."
            for n in ("input_layernorm", "post_attention_layernorm"):
                w[p + n + ".weight"], w[p + n + ".bias"] = norm_w(H), rn(H, std=0.02)
            w[p + "attention.query_key_value.weight"], w[p + "attention.query_key_value.bias"] = rn(3 * H, H, std=0.2), rn(3 * H, std=0.02)
            w[p + "attention.dense.weight"], w[p + "attention.dense.bias"] = rn(H, H, std=0.2), rn(H, std=0.02)
            w[p + "mlp.dense_h_to_4h.weight"], w[p + "mlp.dense_h_to_4h.bias"] = rn(I, H, std=0.2), rn(I, std=0.02)
            w[p + "mlp.dense_4h_to_h.weight"], w[p + "mlp.dense_4h_to_h.bias"] = rn(H, I, std=0.1), rn(H, std=0.02)
        w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"] = norm_w(H), rn(H, std=0.02)
        w["embed_out.weight"] = rn(VOCAB, H, std=0.2)
    elif cfg["model_type"] == "llama":
        H, I = cfg["hidden_size"], cfg["intermediate_size"]
        nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        d = H // nh
        w["model.embed_tokens.weight"] = rn(VOCAB, H, std=0.5)
        for i in range(L):
            p = f"model.layers.{i}."
            w[p + "input_layernorm.weight"] = norm_w(H)
            w[p + "self_attn.q_proj.weight"] = rn(nh * d, H, std=0.2)
            w[p + "self_attn.k_proj.weight"] = rn(nkv * d, H, std=0.2)
            w[p + "self_attn.v_proj.weight"] = rn(nkv * d, H, std=0.2)
            w[p + "self_attn.o_proj.weight"] = rn(H, nh * d, std=0.2)
            w[p + "post_attention_layernorm.weight"] = norm_w(H)
            w[p + "mlp.gate_proj.weight"] = rn(I, H, std=0.2)
            w[p + "mlp.up_proj.weight"] = rn(I, H, std=0.2)
            w[p + "mlp.down_proj.weight"] = rn(H, I, std=0.2)
        w["model.norm.weight"] = norm_w(H)
        w["lm_head.weight"] = rn(VOCAB, H, std=0.2)
    else:
        H = cfg["n_embd"]
        w["transformer.wte.weight"] = rn(VOCAB, H, std=0.5)
        w["transformer.wpe.weight"] = rn(cfg["n_positions"], H, std=0.1)
        for i in range(L):
            p = f"transformer.h.{i}."
            for n in ("ln_1", "ln_2"):
                w[p + n + ".weight"], w[p + n + ".bias"] = norm_w(H), rn(H, std=0.02)
            w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = rn(H, 3 * H, std=0.2), rn(3 * H, std=0.02)
            w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = rn(H, H, std=0.2), rn(H, std=0.02)
            w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = rn(H, 4 * H, std=0.2), rn(4 * H, std=0.02)
            w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = rn(4 * H, H, std=0.1), rn(H, std=0.02)
        w["transformer.ln_f.weight"], w["transformer.ln_f.bias"] = norm_w(H), rn(H, std=0.02)
    return w


def no_decay(name):
    """Hugging Face's get_decay_parameter_names leaves out biases and norms."""
    return name.endswith(".bias") or "norm" in name or ".ln_" in name


def lr_lambda(kind, warmup, total, min_ratio):
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        if kind == "linear":
            return max(0.0, (total - step) / max(1, total - warmup))
        if kind == "cosine":
            progress = (step - warmup) / max(1, total - warmup)
            c = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))
            return max(0.0, c * (1 - min_ratio) + min_ratio)
        return 1.0
    return f


def run(name, spec, g):
    cfg = spec["config"]
    w = init_weights(cfg, g)
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "init"), exist_ok=True)
    with open(os.path.join(d, "init", "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    st.save(os.path.join(d, "init", "model.safetensors"), w, {"format": "pt"})
    seqs = [torch.randint(0, VOCAB, (int(torch.randint(4, 17, (1,), generator=g)),), generator=g).tolist() for _ in range(12)]
    with open(os.path.join(d, "data.jsonl"), "w") as f:
        for s in seqs:
            f.write(json.dumps({"ids": s}) + "\n")

    params = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    decay = [p for k, p in params.items() if not no_decay(k)]
    nodecay = [p for k, p in params.items() if no_decay(k)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": spec["weight_decay"]},
                             {"params": nodecay, "weight_decay": 0.0}],
                            lr=spec["lr"], betas=spec["betas"], eps=spec["eps"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(spec["schedule"], spec["warmup"], STEPS, spec["min_lr_ratio"]))
    fwd = reference.FORWARD[cfg["model_type"]]
    bs, accum = spec["batch_size"], spec["grad_accum"]
    micro = 0
    steps = []
    for step in range(STEPS):
        opt.zero_grad()
        batches = []
        for _ in range(accum):
            per_epoch = math.ceil(len(seqs) / bs)
            i = micro % per_epoch
            batches.append(seqs[i * bs:(i + 1) * bs])
            micro += 1
        count = sum(len(s) - 1 for b in batches for s in b)
        total = 0.0
        for b in batches:
            loss_sum = 0
            for s in b:
                logits, _ = fwd(cfg, params, torch.tensor(s))
                loss_sum = loss_sum + torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(s[1:]), reduction="sum")
            (loss_sum / count).backward()
            total += loss_sum.item()
        plist = list(params.values())
        if spec["max_grad_norm"] > 0:
            norm = torch.nn.utils.clip_grad_norm_(plist, spec["max_grad_norm"]).item()
        else:
            norm = torch.norm(torch.stack([torch.norm(p.grad) for p in plist])).item()
        lr = opt.param_groups[0]["lr"]
        st.save(os.path.join(d, f"grads_{step + 1}.safetensors"), {k: v.grad.detach().clone() for k, v in params.items()}, {"format": "pt"})
        opt.step()
        sched.step()
        steps.append({"loss": total / count, "grad_norm": norm, "lr": lr})
    st.save(os.path.join(d, "final.safetensors"), {k: v.detach() for k, v in params.items()}, {"format": "pt"})
    settings = {k: v for k, v in spec.items() if k != "config"}
    settings["steps"] = STEPS
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump({"torch": torch.__version__, "settings": settings, "steps": steps}, f, indent=2)
    print(name, [round(s["loss"], 6) for s in steps])


def main():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2024)
    for name, spec in RUNS.items():
        run(name, spec, g)


if __name__ == "__main__":
    main()
