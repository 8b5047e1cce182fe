// Package tokenizer loads Hugging Face tokenizers (tokenizer.json, with
// tokenizer_config.json beside it) and encodes text into exactly the token
// IDs that the Rust tokenizers library produces.
//
// # Overview
//
// Load reads a tokenizer.json file or a model directory. The returned
// Tokenizer runs the same pipeline as the reference:
//
//  1. added tokens (special or not) are cut out of the raw input, then out
//     of the normalized text, with their single_word, lstrip, rstrip and
//     normalized rules;
//  2. the normalizer rewrites the rest (NFC, NFD, NFKC, NFKD, Lowercase,
//     Strip, Replace, Prepend, Sequence);
//  3. the pre-tokenizer cuts it into words (ByteLevel, Split with any
//     regular expression, Metaspace, Whitespace, WhitespaceSplit, Digits,
//     Punctuation, BertPreTokenizer, CharDelimiterSplit, Sequence);
//  4. the BPE model encodes each word (ranked merges, byte_fallback,
//     unk_token with fuse_unk, ignore_merges, continuing_subword_prefix,
//     end_of_word_suffix);
//  5. with addSpecial, the post-processor adds its tokens
//     (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel,
//     Sequence).
//
// Decode runs the decoder chain (ByteLevel, Metaspace, ByteFallback, Fuse,
// Strip, Replace, BPEDecoder, Sequence). A file that uses a component not
// listed here fails to load with an error that names the component type
// and the file; there is no silent fallback.
//
// # Regular expressions
//
// The Split patterns of GPT-2, Llama 3 (cl100k style) and Qwen are matched
// by hand-written scanners, which are tested to split exactly as a
// backtracking engine does; any other pattern runs on
// github.com/dlclark/regexp2, which has the lookahead these patterns need.
//
// # Offsets
//
// EncodeWithOffsets reports, for each token, the byte range of the input it
// comes from, following the reference's alignment rules: a token that holds
// part of a character (a byte-level or byte-fallback piece) covers the
// whole character, text inserted by a normalizer maps to the character it
// was attached to, and special tokens added by the post-processor have
// Offset{0, 0}.
//
// # Concurrency and caching
//
// A Tokenizer is safe for concurrent use. Each one keeps a bounded cache of
// the words it has encoded, so a repeated word costs one lookup.
// EncodeBatch spreads texts over GOMAXPROCS goroutines.
//
// # Differences from the reference
//
// Only invalid UTF-8 has no counterpart in the reference, whose strings are
// always valid: an invalid byte is encoded as a character of its own that is
// neither a letter, a number nor a space. Offsets are in bytes where the
// npm and Python bindings report characters; converting them gives the
// reference's character offsets. BPE dropout (random merges) is refused.
package tokenizer
