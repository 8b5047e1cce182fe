// Package ngram counts n-grams exactly in large tokenized corpora with a
// suffix array, as infini-gram does: how often any n-gram occurs, which
// tokens follow it, the longest suffix of a text that occurs (the
// context of an ∞-gram model), which documents contain it, and how much
// of an evaluation document a training corpus contains (contamination).
//
// # Index layout
//
// An index directory holds tokens.bin, the documents' token ids (2 bytes
// each when the vocabulary fits below 0xFFFF, else 4) with every document
// followed by a separator no token can equal (0xFFFF or 0xFFFFFFFF);
// sa.bin, the byte offsets into tokens.bin of every token, sorted by the
// suffix that starts there, each ceil(log2(size of tokens.bin)/8) bytes
// wide; docs.bin, ids.bin and ids.offsets, where documents start and
// their ids; a copy of the tokenizer.json when built from text; and
// ngram.json, the commit, written last. Suffixes are compared token by
// token up to their document's separator, which sorts above every token;
// two suffixes equal up to their documents' ends sort by position. So the
// suffixes that start with an n-gram are one contiguous range, found by
// two binary searches, and no n-gram spans two documents.
//
// # Building out of core
//
// Writer streams documents to tokens.bin. Commit cuts the documents into
// chunks that fit a memory budget (Options.MemoryBytes, 8 to 12 bytes a
// token), sorts each chunk's suffixes with SA-IS, giving each separator a
// symbol of its own so that the chunk's order is the index's, writes the
// sorted offsets to disk, and merges the chunks with a heap whose entries
// carry each suffix's first tokens, so most comparisons touch no token
// data. Memory is bounded by the budget whatever the corpus size; disk
// needs the index plus the sorted chunks.
//
// # Queries
//
// Count, Next, Longest and Matches take token ids; Index.Query turns a
// line of text (tokenized with the index's tokenizer, without special
// tokens, as documents were) or a JSON array of ids into them. A count is
// two binary searches over the memory-mapped suffix array, so its cost
// grows with the log of the corpus size.
package ngram
