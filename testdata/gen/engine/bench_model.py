#!/usr/bin/python3
"""Writes the random checkpoints bench/engine_vs_torch.sh runs (not committed).

usage: bench_model.py OUTDIR

OUTDIR/pythia160m   GPT-NeoX shaped like Pythia-160M (12 layers, hidden 768,
                    12 heads, vocab 50304, rotary_pct 0.25, parallel residual), f32
OUTDIR/llama110m    Llama with GQA (10 layers, hidden 768, 12 heads, 4 kv
                    heads, intermediate 2048, vocab 32000, untied), ~112M, f32
Each also gets a "-bf16" copy with the same weights rounded to bfloat16.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import make_fixtures as mf  # noqa: E402
import st  # noqa: E402

NEOX = dict(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"], hidden_size=768,
            num_attention_heads=12, num_hidden_layers=12, intermediate_size=3072, vocab_size=50304,
            max_position_embeddings=2048, layer_norm_eps=1e-5, rotary_emb_base=10000, rotary_pct=0.25,
            use_parallel_residual=True, hidden_act="gelu", tie_word_embeddings=False,
            bos_token_id=0, eos_token_id=0)
LLAMA = dict(model_type="llama", architectures=["LlamaForCausalLM"], hidden_size=768,
             num_attention_heads=12, num_key_value_heads=4, num_hidden_layers=10, intermediate_size=2048,
             vocab_size=32000, max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0,
             hidden_act="silu", tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)


def write(out, name, cfg, w):
    for suffix, dtype in (("", torch.float32), ("-bf16", torch.bfloat16)):
        d = os.path.join(out, name + suffix)
        os.makedirs(d, exist_ok=True)
        c = dict(cfg, torch_dtype="float32" if dtype == torch.float32 else "bfloat16")
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f, indent=2)
        st.save(os.path.join(d, "model.safetensors"), {k: v.to(dtype) for k, v in w.items()}, {"format": "pt"})


def main():
    out = sys.argv[1]
    g = torch.Generator().manual_seed(7)
    # Small weights keep activations in a realistic range over 12 layers.
    w = {k: v * 0.3 if v.dim() == 2 else v for k, v in mf.neox_weights(NEOX, g).items()}
    write(out, "pythia160m", NEOX, w)
    w = {k: v * 0.3 if v.dim() == 2 else v for k, v in mf.llama_weights(LLAMA, g).items()}
    write(out, "llama110m", LLAMA, w)


if __name__ == "__main__":
    main()
