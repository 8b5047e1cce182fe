#!/bin/sh
# Writes risk/testdata/results/tiny-arc.json: a real results JSON from
# fmkit eval, for the tests of results evidence in package risk and the
# README's example assessment. The model is the tiny random GPT-2 checkpoint
# under serve/testdata/tiny and the task five ARC-format questions from
# eval/testdata/docs, so the accuracy means nothing; what matters is that
# the file is exactly what fmkit eval writes.
set -eu
cd "$(dirname "$0")/../../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fmkit" ./cmd/fmkit
"$tmp/fmkit" eval --model serve/testdata/tiny --tasks risk_arc_local \
    --include-path testdata/gen/risk/tasks --output "$tmp/out"
mkdir -p risk/testdata/results
cp "$tmp"/out/*/results_*.json risk/testdata/results/tiny-arc.json
sha256sum risk/testdata/results/tiny-arc.json
