#!/usr/bin/env python3
"""Make synthetic tokenizer.json files that exercise the components the five
real tokenizers do not use (Metaspace, Whitespace, Digits, Punctuation,
Unicode normalizers, Lowercase, Strip, regex Replace, BertProcessing,
RobertaProcessing, the Split behaviours, added-token lstrip/rstrip/
single_word/normalized, unk fusing, continuing-subword prefixes and the
Strip/Replace/BPE decoders). The Rust tokenizers library then provides the
reference IDs for them exactly as for the real files.

Usage: make_synthetic.py GPT2_DIR LLAMA2_DIR OUT_DIR
"""
import copy
import json
import os
import sys


def write(out_dir, name, tok, base=None, base_tok=None):
    """Write OUT_DIR/NAME/tokenizer.json (the full file, for the reference
    run) and, for files derived from a real tokenizer, OUT_DIR/NAME.overlay.json:
    everything but the shared vocabulary and merges, which the Go test
    composes with the committed base file."""
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    if base is None:
        return
    overlay = {k: v for k, v in tok.items() if k != "model"}
    overrides = {k: v for k, v in tok["model"].items()
                 if k not in ("vocab", "merges") and base_tok["model"].get(k) != v}
    assert tok["model"]["vocab"] is base_tok["model"]["vocab"] or tok["model"]["vocab"] == base_tok["model"]["vocab"]
    with open(os.path.join(out_dir, name + ".overlay.json"), "w", encoding="utf-8") as f:
        json.dump({"base": base, "model_overrides": overrides, "tokenizer": overlay}, f, ensure_ascii=False, indent=1)


def added(id_, content, special=False, lstrip=False, rstrip=False, single_word=False, normalized=False):
    return {"id": id_, "content": content, "single_word": single_word, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": normalized, "special": special}


def main():
    gpt2_dir, llama2_dir, out_dir = sys.argv[1:4]
    gpt2 = json.load(open(os.path.join(gpt2_dir, "tokenizer.json"), encoding="utf-8"))
    llama2 = json.load(open(os.path.join(llama2_dir, "tokenizer.json"), encoding="utf-8"))

    # A: SentencePiece-style Metaspace with prepend_scheme "first", added
    # tokens with lstrip/rstrip/single_word/normalized, BOS+EOS template.
    a = copy.deepcopy(llama2)
    a["normalizer"] = None
    a["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}
    a["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}
    a["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                           "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
    a["added_tokens"] += [added(32000, "[MASK]", special=True, lstrip=True),
                          added(32001, "<sep>", special=True, rstrip=True),
                          added(32002, "word", single_word=True, normalized=True),
                          added(32003, "▁hello", normalized=True),
                          added(32004, "<|endoftext|>", special=False, lstrip=True, rstrip=True)]
    write(out_dir, "synth-metaspace", a, "llama2", llama2)

    # B: Unicode and case normalizers, Strip, regex Replace, Metaspace with
    # split and prepend_scheme "always", BOS template, Sequence decoder.
    b = copy.deepcopy(llama2)
    b["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "NFKD"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": True, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": "[0-9]{3,}"}, "content": "#"},
        {"type": "NFC"}]}
    b["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    b["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 2, "stop": 0}]}
    write(out_dir, "synth-normalizers", b, "llama2", llama2)

    # C: word-level splitting without byte-level: WhitespaceSplit,
    # Punctuation, individual Digits, NFD; unknown characters fuse into the
    # unk token; BERT-style [CLS] ... [SEP] post-processing.
    c = copy.deepcopy(gpt2)
    c["normalizer"] = {"type": "NFD"}
    c["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Contiguous"},
        {"type": "Digits", "individual_digits": True}]}
    c["model"]["unk_token"] = "<|endoftext|>"
    c["model"]["fuse_unk"] = True
    c["post_processor"] = {"type": "BertProcessing", "sep": ["<|endoftext|>", 50256], "cls": ["!", 0]}
    c["decoder"] = {"type": "BPEDecoder", "suffix": "</w>"}
    write(out_dir, "synth-wordlevel", c, "gpt2", gpt2)

    # D: Split behaviours and invert in front of ByteLevel with a prefix
    # space, RobertaProcessing with offset trimming, ByteLevel decoder.
    d = copy.deepcopy(gpt2)
    d["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"String": "-"}, "behavior": "MergedWithNext", "invert": False},
        {"type": "Split", "pattern": {"String": "."}, "behavior": "MergedWithPrevious", "invert": False},
        {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Contiguous", "invert": True},
        {"type": "Split", "pattern": {"Regex": "[0-9]"}, "behavior": "Removed", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]}
    d["post_processor"] = {"type": "RobertaProcessing", "sep": ["<|endoftext|>", 50256], "cls": ["<|endoftext|>", 50256],
                           "trim_offsets": True, "add_prefix_space": True}
    write(out_dir, "synth-split", d, "gpt2", gpt2)

    # F: the post-processor of the official Llama 3 file: a Sequence of
    # ByteLevel (offset trimming) and TemplateProcessing (BOS).
    f = copy.deepcopy(gpt2)
    f["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [50256], "tokens": ["<|endoftext|>"]}}}]}
    f["decoder"] = {"type": "Sequence", "decoders": [{"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]}
    write(out_dir, "synth-sequence", f, "gpt2", gpt2)

    # E: Whitespace pre-tokenizer and a tiny BPE with a continuing-subword
    # prefix, an end-of-word suffix and no unk token (unknown characters
    # vanish), Digits contiguous, CharDelimiterSplit.
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = {}
    for ch in letters + "0123456789.,!?'":
        vocab[ch] = len(vocab)
        vocab["##" + ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
        vocab["##" + ch + "</w>"] = len(vocab)
    merges = []
    for x, y in [("t", "##h"), ("th", "##e</w>"), ("a", "##n"), ("an", "##d</w>"), ("i", "##n"), ("in", "##g</w>"),
                 ("##i", "##n"), ("##in", "##g</w>"), ("o", "##f</w>"), ("##e", "##r</w>"), ("##e", "##d</w>"),
                 ("1", "##0"), ("s", "##t"), ("st", "##r")]:
        merged = x + y[2:]
        if merged not in vocab:
            vocab[merged] = len(vocab)
        merges.append([x, y])
    e = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
         "normalizer": {"type": "Lowercase"},
         "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
             {"type": "CharDelimiterSplit", "delimiter": "|"}, {"type": "Whitespace"}, {"type": "Digits", "individual_digits": False}]},
         "post_processor": None,
         "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"Regex": "##"}, "content": ""}, {"type": "Fuse"}]},
         "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "##",
                   "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                   "vocab": vocab, "merges": merges}}
    write(out_dir, "synth-subword", e)


if __name__ == "__main__":
    main()
