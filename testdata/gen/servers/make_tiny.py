#!/usr/bin/python3
"""Writes serve/testdata/tiny: a model directory for the serve tests.

The weights and config.json are the engine's tiny random GPT-2
(model/testdata/gpt2: 2 layers, 32 hidden, 64 positions, a vocabulary of
96 with token 95 as BOS and EOS), copied as they are. The tokenizer is
written here to fit that vocabulary: printable ASCII (space to "~", ids 0
to 94) as single-character BPE tokens without merges, "<|endoftext|>" as
special token 95, and the Fuse decoder, with a small chat template in
tokenizer_config.json.

Run from the repository root: /usr/bin/python3 testdata/gen/servers/make_tiny.py
"""
import json
import os
import shutil

root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
out = os.path.join(root, "serve", "testdata", "tiny")
os.makedirs(out, exist_ok=True)
for f in ["config.json", "model.safetensors"]:
    shutil.copy(os.path.join(root, "model", "testdata", "gpt2", f), os.path.join(out, f))

vocab = {chr(c): c - 32 for c in range(32, 127)}
vocab["<|endoftext|>"] = 95
tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [{"id": 95, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True}],
    "normalizer": None,
    "pre_tokenizer": None,
    "post_processor": None,
    "decoder": {"type": "Fuse"},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
              "vocab": vocab, "merges": []},
}
with open(os.path.join(out, "tokenizer.json"), "w") as f:
    json.dump(tokenizer, f, indent=1)
config = {
    "bos_token": "<|endoftext|>",
    "eos_token": "<|endoftext|>",
    "model_max_length": 64,
    "tokenizer_class": "PreTrainedTokenizerFast",
    "chat_template": "{% for m in messages %}{% if m['role'] == 'system' %}[{{ m['content'] }}]\n{% else %}{{ m['role'][0] | upper }}:{{ m['content'] }}\n{% endif %}{% endfor %}{% if add_generation_prompt %}A:{% endif %}",
}
with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
    json.dump(config, f, indent=1)
