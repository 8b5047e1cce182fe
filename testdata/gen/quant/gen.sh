#!/usr/bin/env bash
# Regenerates tensor/testdata/quant/*: llama.cpp's reference quantizers and
# dequantizers (ggml-quants.c) run on tensor/testdata/quant/input.f32.
# llama.cpp's source comes from the npm package node-llama-cpp@3.21.1 (its
# git bundle), is built in a temporary directory and never committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../../../tensor/testdata/quant
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
(cd "$tmp" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund node-llama-cpp@3.21.1 >/dev/null)
git clone -q "$tmp/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$tmp/llama.cpp"
src=$tmp/llama.cpp/ggml
# Plain -O2 for x86-64: no FMA, so no contraction, as the reference's C reads.
gcc -O2 -std=gnu11 -I"$src/include" -I"$src/src" -o "$tmp/driver" "$here/driver.c" "$src/src/ggml-quants.c" -lm
/usr/bin/python3 "$here/inputs.py" "$out/input.f32"
for t in q8_0 q4_0 q4_K q5_K q6_K q8_K; do
	"$tmp/driver" $t "$out/input.f32" "$out/$t.bin" "$out/$t.out"
done
ls -l "$out"
