// Package search indexes text corpora and searches them with BM25 scores
// identical to Lucene 8's (or Lucene 4.10's), phrase and boolean queries
// and exact-match filters on metadata.
//
// # Overview
//
// Build reads JSONL (optionally gzip or zstd compressed), Parquet and
// plain-text files, analyses each document (see package analysis; the
// default is Lucene's EnglishAnalyzer chain) and writes an index directory.
// Open maps an index into memory; Index.Search runs a query (see
// ParseQuery for the language) and returns the top hits with their ids,
// scores, snippets and metadata.
//
// # Index layout
//
// An index is a directory holding commit.json and immutable segment files.
// commit.json lists the shards and the segments of each; it is replaced
// atomically (write, fsync, rename), so a crash or an interrupted run
// leaves the previous commit readable, and files no commit lists are
// removed by the next run. A segment holds, for the analysed text field,
// a front-coded term dictionary, postings in blocks of 128 documents
// (bit-packed doc deltas and frequencies, a skip table with each block's
// last document, largest frequency and smallest length), positions, the
// exact length of each document, a zstd-compressed store of the original
// records, the document ids and exact-match dictionaries of the id and
// meta fields. Segments carry a format version and a CRC-32.
//
// # Indexing
//
// Each of Options.Threads workers builds an in-memory segment of the
// batches of input it is handed and writes it out when it outgrows its
// share of Options.RAMBufferBytes; a worker's segments form its shard.
// Background merges keep the number of segments per shard small, and a
// final merge leaves one segment per shard. Every document keeps its input
// order (its ordinal), which breaks score ties as Lucene's doc ids do.
//
// # Scoring
//
// Three variants of BM25 (see Similarity), chosen per index with a
// per-search override, all computed in float32 with Lucene's rounding and
// from N, df and avgdl over all shards. Lucene8, the default, is the BM25
// of Lucene 8 and later, which Pyserini and Anserini run: idf =
// ln(1 + (N − df + 0.5)/(df + 0.5)), score = idf − idf/(1 + tf/(k1·(1 − b
// + b·dl/avgdl))) with dl rounded by SmallFloat.intToByte4 and N the
// documents with at least one term. Lucene4 is Lucene 4.10's
// BM25Similarity, idf·(k1+1)·tf/(tf + k1·(1 − b + b·dl/avgdl)) with dl
// from Lucene 4's one-byte norm; Exact is that formula with exact lengths.
// Disjunctions of terms are pruned with MaxScore (single terms with
// block-max scores) once the first 1000 matches are counted, unless
// SearchOptions.ExactTotal asks for every match to be counted.
//
// # Related packages
//
// search/ngram counts n-grams exactly with suffix arrays and measures
// contamination; search/pii redacts personal data for display; search/web
// serves a search page and a JSON API over indexes of both kinds.
package search
