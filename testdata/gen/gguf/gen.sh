#!/usr/bin/env bash
# Regenerates gguf/testdata/small.gguf and small.json with llama.cpp's
# gguf-py (from the source bundled in the npm package node-llama-cpp@3.21.1,
# unpacked in a temporary directory and never committed), run under
# /usr/bin/python3 with Debian's python3-numpy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../../..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund node-llama-cpp@3.21.1 >/dev/null)
git clone -q "$tmp/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$tmp/llama.cpp"
mkdir -p "$root/gguf/testdata"
PYTHONPATH=$tmp/llama.cpp/gguf-py /usr/bin/python3 "$here/gen.py" "$root/gguf/testdata" "$root/tensor/testdata/quant/q4_K.bin"
ls -l "$root/gguf/testdata"
