#!/usr/bin/env bash
# Times `fmkit erase scrub` on a Pythia-160M-shaped GPT-NeoX checkpoint with
# random float16 weights (12 layers, hidden 768, 12 heads, vocab 50304,
# parallel residual, rotary on 25% of each head) over TOKENS tokens of
# random documents of 2048 tokens with 17 per-token classes.
#
#   bash bench/erase_scrub.sh [TOKENS [FLAGS...]]   (default 65536 tokens)
#
# FLAGS go to fmkit erase scrub (for example --dtype f32). WORKDIR, if set,
# keeps the checkpoint and data there (and reuses them) instead of a
# temporary directory.
#
# Scrub carries the residual stream through the model one layer per pass,
# so it costs about one forward pass for fitting and applying every layer,
# plus the clean and random-control loss passes and the output layer on the
# scrubbed stream.
#
# Needs Debian's python3-torch and python3-numpy to write the checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
tokens=${1:-65536}
shift || true

if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
	apt-get install -y python3-torch python3-numpy >/dev/null
fi
if [ -n "${WORKDIR:-}" ]; then
	tmp=$WORKDIR
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi
[ -f "$tmp/docs-$tokens.jsonl" ] || /usr/bin/python3 - "$tmp" "$tokens" <<'PY'
import json, struct, sys
import numpy as np
out, tokens = sys.argv[1], int(sys.argv[2])
H, L, I, V, P = 768, 12, 3072, 50304, 2048
cfg = dict(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"], hidden_size=H,
           num_attention_heads=12, num_hidden_layers=L, intermediate_size=I, vocab_size=V,
           max_position_embeddings=P, layer_norm_eps=1e-5, rotary_emb_base=10000, rotary_pct=0.25,
           use_parallel_residual=True, hidden_act="gelu", tie_word_embeddings=False,
           bos_token_id=0, eos_token_id=0, torch_dtype="float16")
json.dump(cfg, open(out + "/config.json", "w"))
rng = np.random.default_rng(0)
w = {"gpt_neox.embed_in.weight": (V, H), "gpt_neox.final_layer_norm.weight": (H,),
     "gpt_neox.final_layer_norm.bias": (H,), "embed_out.weight": (V, H)}
for i in range(L):
    p = f"gpt_neox.layers.{i}."
    for n in ["input_layernorm", "post_attention_layernorm"]:
        w[p + n + ".weight"], w[p + n + ".bias"] = (H,), (H,)
    w[p + "attention.query_key_value.weight"], w[p + "attention.query_key_value.bias"] = (3 * H, H), (3 * H,)
    w[p + "attention.dense.weight"], w[p + "attention.dense.bias"] = (H, H), (H,)
    w[p + "mlp.dense_h_to_4h.weight"], w[p + "mlp.dense_h_to_4h.bias"] = (I, H), (I,)
    w[p + "mlp.dense_4h_to_h.weight"], w[p + "mlp.dense_4h_to_h.bias"] = (H, I), (H,)
header, blobs, off = {}, [], 0
for name, shape in w.items():
    if name.endswith("layernorm.weight") or name.endswith("layer_norm.weight"):
        a = np.ones(shape, np.float16)
    else:
        a = (0.02 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float16)
    b = a.tobytes()
    header[name] = dict(dtype="F16", shape=list(shape), data_offsets=[off, off + len(b)])
    blobs.append(b)
    off += len(b)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(out + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for b in blobs:
        f.write(b)
with open(out + f"/docs-{tokens}.jsonl", "w") as f:
    for _ in range((tokens + P - 1) // P):
        ids = rng.integers(0, V, P)
        f.write(json.dumps({"tokens": ids.tolist(), "pos": (ids % 17).tolist(), "num_bytes": 4 * P}) + "\n")
PY
go build -o "$tmp/fmkit" ./cmd/fmkit
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "scrub of $tokens tokens: %e s wall, %U s user, %S s system, peak RSS %M KB" \
	"$tmp/fmkit" erase scrub --model "$tmp" --data "$tmp/docs-$tokens.jsonl" --labels pos --max-tokens "$tokens" --out "$tmp/erasers" "$@"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
