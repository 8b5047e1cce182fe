// Reference token ids for the recursion tokenizer from Hugging Face
// tokenizers (the Rust library, through the npm binding
// @anush008/tokenizers, which embeds tokenizers 0.22.2).
//
// Usage: node tokenizer_ref.js CORPUS_JSON TOKENIZER_JSON OUT_JSONL
//
// One JSON line per corpus string, in corpus order:
//   {"ids": [...],   encode(text, add_special_tokens=false)
//    "sids": [...],  encode(text, add_special_tokens=true)
//    "dec": "..."}   decode(ids, skip_special_tokens=false)
const fs = require("fs");
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
    lines.push(JSON.stringify({ ids, sids: special.getIds(), dec: await tok.decode(ids, false) }));
  }
  fs.writeFileSync(outPath, lines.join("\n") + "\n");
  console.error(`${tokPath}: ${corpus.length} strings -> ${outPath}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
