#!/usr/bin/env bash
# fmkit vs llama.cpp on the same GGUF files, same run, same threads
# (default 2): prefill of 512 random token ids and greedy decoding of 256
# tokens after a 16-token prompt, for a random Llama checkpoint (~112M
# parameters, hidden 768; testdata/gen/engine/bench_model.py) in f32, f16,
# bf16 (fmkit convert --to gguf) and q8_0, q4_0, q4_k (fmkit quantize).
# llama.cpp is node-llama-cpp@3.21.1's prebuilt CPU library, installed from
# npm here and driven from C through llama.h (bench/llamacpp/driver.c; the
# package's git bundle provides the header), as llama-bench drives it.
# Runs are interleaved; the table shows the median and best tokens/s of
# REPEAT runs, the ratio of medians, the ratio of the median process CPU
# seconds (a second view on a shared machine; llama.cpp's spinning threads
# count), whether both engines' first 16 greedy tokens agree, and once per
# format the relative difference of the perplexities both compute for
# PPL random ids (on a random model it is near the vocabulary size, so it
# checks the numerics, not the model), and the largest difference of the
# two engines' logits after the 16-token prompt, relative to the largest
# logit (greedy tokens of a random model can part at a near tie; this says
# by how much the engines differ). Then, because a perplexity near the
# vocabulary size hides most numerical differences, both engines compute
# the perplexity of a fixed text on a trained model: builtin:recursion-tiny
# (0.8M parameters, trained by fmkit on the successor function) on the
# first TEXT_PPL ids of succ lines from fmkit recursion gen (seed 7), as
# f32, q8_0 and q4_0 GGUF files. Q4_K is left out of that table: its
# 256-weight rows do not fit this model (hidden 128, MLP 352), whose
# tensors fmkit quantize would leave in f32.
#
# usage: bench/engine_vs_llamacpp.sh [WORKDIR]
# env:   THREADS (2), REPEAT (5), FORMATS ("f32 f16 bf16 q8_0 q4_0 q4_k";
#        q5_k and q6_k run too, and bf16a: the bf16 file with fmkit's
#        --bf16-activations, activations rounded to bf16 as llama.cpp does),
#        PREFILL (512), DECODE (256), PROMPT (16), PPL (512), TEXT_PPL (256; 0: none),
#        KERNELS   fmkit's kernel family (avx512, avx2+fma, ...; default: the CPU's best)
#        VARIANT   llama.cpp's CPU library (zen4, haswell, skylakex, ...;
#                  default: the best this CPU runs, as llama.cpp picks it)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/fmkit-llamacpp-bench}
threads=${THREADS:-2}
repeat=${REPEAT:-5}
formats=${FORMATS:-f32 f16 bf16 q8_0 q4_0 q4_k}
prefill=${PREFILL:-512}
decode=${DECODE:-256}
prompt=${PROMPT:-16}
ppl=${PPL:-512}
text_ppl=${TEXT_PPL:-256}
mkdir -p "$work"

# llama.cpp from npm: the prebuilt libraries and the source bundle's headers.
npmdir=$work/npm
if [ ! -d "$npmdir/node_modules/node-llama-cpp" ]; then
	mkdir -p "$npmdir"
	(cd "$npmdir" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund node-llama-cpp@3.21.1 >/dev/null)
fi
bins=$npmdir/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
if [ ! -f "$work/llama.cpp/include/llama.h" ]; then
	rm -rf "$work/llama.cpp"
	git clone -q "$npmdir/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$work/llama.cpp" 2>/dev/null
fi
gcc -O2 -o "$work/driver" bench/llamacpp/driver.c -I"$work/llama.cpp/include" -I"$work/llama.cpp/ggml/include" \
	"$bins/libllama.v0.4.0.so" "$bins/libggml.v0.4.0.so" "$bins/libggml-base.so" -Wl,-rpath,"$bins" -lm
# The CPU variants load from a directory: all of them (llama.cpp picks the
# best), or the one VARIANT names.
libdir=$bins
if [ -n "${VARIANT:-}" ]; then
	libdir=$work/variant-$VARIANT
	mkdir -p "$libdir"
	ln -sf "$bins/libggml-cpu-$VARIANT.so" "$libdir/"
fi

# The checkpoint and its GGUF files.
if [ ! -f "$work/llama110m/model.safetensors" ]; then
	if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
		apt-get install -y python3-torch python3-numpy >/dev/null
	fi
	/usr/bin/python3 testdata/gen/engine/bench_model.py "$work"
fi
go build -o "$work/fmkit" ./cmd/fmkit
go build -o "$work/ggufbench" ./bench/ggufbench
# gguf_of names a format's GGUF file, act_of fmkit's extra flags for it.
gguf_of() { if [ "$1" = bf16a ]; then echo "$work/gguf-bf16/model.gguf"; else echo "$work/gguf-$1/model.gguf"; fi; }
act_of() { if [ "$1" = bf16a ]; then echo -bf16-activations; fi; }
for f in $formats; do
	[ "$f" = bf16a ] && f=bf16
	case $f in
	q*) [ -f "$work/gguf-$f/model.gguf" ] || "$work/fmkit" quantize --model "$work/llama110m" --type "$f" --out "$work/gguf-$f" >/dev/null 2>&1 ;;
	*) [ -f "$work/gguf-$f/model.gguf" ] || "$work/fmkit" convert --model "$work/llama110m" --dtype "$f" --out "$work/gguf-$f/model.gguf" >/dev/null 2>&1 ;;
	esac
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "commit $(git rev-parse --short HEAD), $threads threads, $cpu, load average $(cut -d' ' -f1-3 /proc/loadavg)"
export GOMAXPROCS=$threads
results=$work/results.jsonl
: >"$results"
kernels=${KERNELS:+-kernels $KERNELS}
for r in $(seq "$repeat"); do
	for f in $formats; do
		file=$(gguf_of "$f")
		for mode in prefill decode; do
			n=$prefill
			[ "$mode" = decode ] && n=$decode
			"$work/ggufbench" -model "$file" -mode $mode -n "$n" -prompt "$prompt" -seed "$r" $kernels $(act_of "$f") | sed "s/^{/{\"format\":\"$f\",/" | tee -a "$results"
			"$work/driver" "$file" $mode "$threads" "$n" "$prompt" "$r" "$libdir" | sed "s/^{/{\"format\":\"$f\",/" | tee -a "$results"
		done
	done
done
for f in $formats; do
	file=$(gguf_of "$f")
	"$work/ggufbench" -model "$file" -mode ppl -n "$ppl" -seed 1 $kernels $(act_of "$f") | sed "s/^{/{\"format\":\"$f\",/" | tee -a "$results"
	"$work/driver" "$file" ppl "$threads" "$ppl" "$prompt" 1 "$libdir" | sed "s/^{/{\"format\":\"$f\",/" | tee -a "$results"
done
for f in $formats; do
	file=$(gguf_of "$f")
	"$work/ggufbench" -model "$file" -mode logits -prompt "$prompt" -seed 1 -out "$work/logits-$f-fmkit.f32" $kernels $(act_of "$f") >/dev/null
	"$work/driver" "$file" logits "$threads" 0 "$prompt" 1 "$libdir" "$work/logits-$f-llama.cpp.f32" >/dev/null
done
if [ "$text_ppl" -gt 0 ]; then
	tdir=$work/recursion-tiny
	mkdir -p "$tdir"
	"$work/fmkit" recursion gen --task succ --n 200 --seed 7 --split ppl --lm ids 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys; ids = [i for l in sys.stdin for i in json.loads(l)["ids"]]; print(" ".join(map(str, ids[:int(sys.argv[1])])))' "$text_ppl" >"$tdir/text.ids"
	for f in f32 q8_0 q4_0; do
		file=$tdir/$f/model.gguf
		if [ ! -f "$file" ]; then
			case $f in
			q*) "$work/fmkit" quantize --model builtin:recursion-tiny --type "$f" --out "$tdir/$f" >/dev/null 2>&1 ;;
			*) "$work/fmkit" convert --model builtin:recursion-tiny --dtype "$f" --out "$file" >/dev/null 2>&1 ;;
			esac
		fi
		"$work/ggufbench" -model "$file" -mode ppl -ids "$tdir/text.ids" $kernels | sed "s/^{/{\"format\":\"$f\",\"model\":\"recursion-tiny\",/" | tee -a "$results"
		"$work/driver" "$file" ppl "$threads" 0 0 1 "$libdir" "$tdir/text.ids" | sed "s/^{/{\"format\":\"$f\",\"model\":\"recursion-tiny\",/" | tee -a "$results"
	done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$results" "$work" <<'PY'
import array, json, os, statistics, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
speed = collections.defaultdict(list)
cpu = collections.defaultdict(list)
greedy = collections.defaultdict(dict)
ppl = collections.defaultdict(dict)
text_ppl = collections.defaultdict(dict)
for r in rows:
    if "model" in r:
        text_ppl[r["format"]][r["peer"]] = (r["ppl"], r["tokens"])
        continue
    if r["mode"] == "ppl":
        ppl[r["format"]][r["peer"]] = r["ppl"]
        continue
    speed[(r["format"], r["mode"], r["peer"])].append(r["tokens_per_s"])
    cpu[(r["format"], r["mode"], r["peer"])].append(r["cpu_seconds"])
    if r["mode"] == "decode":
        greedy[r["format"]].setdefault(r["peer"], r["greedy"])
def logit_diff(f):
    pair = []
    for peer in ("fmkit", "llama.cpp"):
        path = os.path.join(sys.argv[2], f"logits-{f}-{peer}.f32")
        if not os.path.exists(path):
            return ""
        a = array.array("f")
        a.frombytes(open(path, "rb").read())
        pair.append(a)
    a, b = pair
    if len(a) != len(b) or not b:
        return "?"
    return f"{max(abs(x - y) for x, y in zip(a, b)) / max(abs(y) for y in b):.2e}"
fams = {r.get("kernels") for r in rows if r["peer"] == "fmkit"}
print()
print(f"tokens/s, median (best) of {max((len(v) for v in speed.values()), default=0)} interleaved runs; fmkit kernels: {', '.join(sorted(fams))}")
print(f"{'weights':<8} {'task':<8} {'fmkit':>16} {'llama.cpp':>16} {'fmkit/llama.cpp':>16} {'llama/fmkit cpu-s':>18} {'same greedy 16':>15} {'ppl diff':>9} {'logit diff':>10}")
order = ["f32", "f16", "bf16", "bf16a", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k"]
for f in sorted({k[0] for k in speed}, key=lambda x: order.index(x) if x in order else 99):
    for mode in ("prefill", "decode"):
        a, b = speed.get((f, mode, "fmkit")), speed.get((f, mode, "llama.cpp"))
        if not a or not b:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        same, pd, ld = "", "", ""
        if mode == "decode":
            g = greedy[f]
            same = "yes" if g.get("fmkit") == g.get("llama.cpp") else "no"
            p = ppl.get(f, {})
            if "fmkit" in p and "llama.cpp" in p:
                pd = f"{100 * (p['fmkit'] / p['llama.cpp'] - 1):+.2f}%"
            ld = logit_diff(f)
        ca, cb = statistics.median(cpu[(f, mode, "fmkit")]), statistics.median(cpu[(f, mode, "llama.cpp")])
        print(f"{f:<8} {mode:<8} {ma:>8.1f} ({max(a):>6.1f}) {mb:>8.1f} ({max(b):>6.1f}) {ma/mb:>16.2f} {cb/ca:>18.2f} {same:>15} {pd:>9} {ld:>10}")
for f, g in greedy.items():
    if g.get("fmkit") != g.get("llama.cpp"):
        print(f"{f}: fmkit greedy {g.get('fmkit')}\n{'':>{len(f)+2}}llama.cpp    {g.get('llama.cpp')}")
if text_ppl:
    print()
    print("perplexity of a fixed text, builtin:recursion-tiny (trained)")
    print(f"{'weights':<8} {'tokens':>6} {'fmkit':>10} {'llama.cpp':>10} {'diff':>8}")
    for f, p in text_ppl.items():
        if "fmkit" in p and "llama.cpp" in p:
            (a, n), (b, _) = p["fmkit"], p["llama.cpp"]
            print(f"{f:<8} {n:>6} {a:>10.4f} {b:>10.4f} {100 * (a / b - 1):>+7.2f}%")
PY
