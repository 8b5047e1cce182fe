#!/usr/bin/env bash
# The small-model run of the README's Pink Elephant section: a toy base
# model, the pipeline's critique, revision and export stages, DPF with
# fmkit train dpo, and the four-arm comparison. Offline; about 20 minutes
# on two busy cores, most of it training the base model. Run from the
# repository root:
#   bash docs/examples/pinkelephant/run.sh
# FMKIT (default: go run ./cmd/fmkit) and OUT (default runs/pinkelephant)
# may be set.
set -euo pipefail
EX=docs/examples/pinkelephant
OUT=${OUT:-runs/pinkelephant}
FMKIT=${FMKIT:-"go run ./cmd/fmkit"}
mkdir -p "$OUT/pe"

# Toy data: a corpus for the base model, and scripted dialogues standing in
# for the dialogue writer.
python3 $EX/make_corpus.py $EX/pairs.jsonl corpus > "$OUT/corpus.jsonl"
python3 $EX/make_corpus.py $EX/pairs.jsonl dialogues > "$OUT/pe/dialogues.jsonl"

# The base model: a character-level chat Llama (about 0.8M parameters).
$FMKIT train lm --config $EX/chat-char/config.json --tokenizer $EX/chat-char/tokenizer.json \
    --data "$OUT/corpus.jsonl" --seq-len 128 --batch-size 16 --steps 1000 --lr 3e-3 \
    --warmup-steps 20 --schedule cosine --seed 1 --out "$OUT/base" --log "$OUT/base-log.jsonl"

# Critiques, revisions and the export, by the base model; a quarter of the
# entity pairs held out as the test set.
$FMKIT pinkelephant generate --model "$OUT/base" --out "$OUT/pe" --from critiques \
    --max-tokens 80 --until $'\n' --seed 1 --test-fraction 0.25

# Direct Principle Feedback: DPO on (revision, original).
$FMKIT train dpo --init "$OUT/base" --data "$OUT/pe/dpf.jsonl" --beta 0.1 --lr 5e-4 \
    --batch-size 8 --epochs 3 --warmup-steps 5 --seed 1 --out "$OUT/dpf" --log "$OUT/dpf-log.jsonl"

# The four arms on the held-out dialogues: one table and one plot.
$FMKIT pinkelephant compare --model "$OUT/base" --dpf "$OUT/dpf" --test "$OUT/pe/test.jsonl" \
    --out "$OUT/compare" --cfg-sweep 1.5,2,3,5 --max-tokens 80 --until $'\n' \
    --plot docs/pinkelephant-compare.png
