// Reference token ids from Hugging Face tokenizers (the Rust library, through
// the npm binding @anush008/tokenizers, which embeds tokenizers 0.22.2).
//
// Usage: node reference.js CORPUS_JSON TOKENIZER_JSON OUT_JSONL_GZ
//
// One JSON line per corpus string, in corpus order:
//   {"ids": [...], "offs": [s0,e0,s1,e1,...],        encode(text, add_special_tokens=false)
//    "sids": [...], "soffs": [...],                  encode(text, add_special_tokens=true)
//    "dec": "...",                                   decode(ids, skip_special_tokens=false)
//    "sdec": "..."}                                  decode(sids, skip_special_tokens=true)
// Offsets are what the binding returns: character (Unicode scalar) offsets
// into the input, as Tokenizer.encode_char_offsets computes them.
const fs = require("fs");
const zlib = require("zlib");
const { Tokenizer } = require("@anush008/tokenizers");

async function main() {
  const [corpusPath, tokPath, outPath] = process.argv.slice(2);
  const corpus = JSON.parse(fs.readFileSync(corpusPath, "utf8"));
  const tok = Tokenizer.fromFile(tokPath);
  const lines = [];
  for (const text of corpus) {
    const plain = await tok.encode(text, null, { addSpecialTokens: false });
    const special = await tok.encode(text, null, { addSpecialTokens: true });
    const ids = plain.getIds();
    const sids = special.getIds();
    lines.push(JSON.stringify({
      ids,
      offs: plain.getOffsets().flat(),
      sids,
      soffs: special.getOffsets().flat(),
      dec: await tok.decode(ids, false),
      sdec: await tok.decode(sids, true),
    }));
  }
  fs.writeFileSync(outPath, zlib.gzipSync(lines.join("\n") + "\n", { level: 9 }));
  console.error(`${tokPath}: ${corpus.length} strings -> ${outPath}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
