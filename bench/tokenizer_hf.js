// Peer side of bench/tokenizer_vs_hf.sh: encode throughput of Hugging Face
// tokenizers (Rust, through the npm binding @anush008/tokenizers).
//
// Usage: node tokenizer_hf.js TOKENIZER_JSON INPUT ROUNDS
// INPUT holds documents separated by form feeds. Prints one JSON line:
// {"load_ms":..., "single_mbps":..., "batch_mbps":..., "tokens":...}
// "single" encodes the documents one after another, waiting for each
// (one encode in flight, so one core works); "batch" hands all documents to
// encodeBatch, which the library spreads over its thread pool.
const fs = require("fs");
const { Tokenizer } = require("@anush008/tokenizers");

async function main() {
  const [tokPath, inputPath, roundsArg] = process.argv.slice(2);
  const rounds = Number(roundsArg || 3);
  const docs = fs.readFileSync(inputPath, "utf8").split("\f");
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d, "utf8"), 0);

  let t0 = process.hrtime.bigint();
  const tok = Tokenizer.fromFile(tokPath);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  let tokens = 0;
  for (const d of docs) tokens += (await tok.encode(d, null, { addSpecialTokens: false })).getLength(); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    t0 = process.hrtime.bigint();
    for (const d of docs) await tok.encode(d, null, { addSpecialTokens: false });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  let bestBatch = Infinity;
  for (let r = 0; r < rounds; r++) {
    t0 = process.hrtime.bigint();
    await tok.encodeBatch(docs, { addSpecialTokens: false });
    bestBatch = Math.min(bestBatch, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(JSON.stringify({ load_ms: loadMs, single_mbps: bytes / best / 1e6, batch_mbps: bytes / bestBatch / 1e6, tokens, bytes }));
}

main().catch((e) => { console.error(e); process.exit(1); });
