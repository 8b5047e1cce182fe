package ngram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/fmkit/fmkit/internal/mmap"
	"github.com/fmkit/fmkit/tokenizer"
)

// Index is an open n-gram index: memory-mapped files searched by binary
// search. An Index is safe for concurrent use.
type Index struct {
	dir    string
	meta   meta
	txt    text
	sa     []byte
	docs   []byte // uint64 per document
	ids    []byte
	idEnds []byte // uint64 per document
	tok    *tokenizer.Tokenizer
	unmaps []func() error
}

// Open opens the index in dir. The tokenizer copied into the index, if
// any, is loaded for text queries.
func Open(dir string) (*Index, error) {
	m, err := readMeta(dir)
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, meta: *m}
	maps := []struct {
		name string
		dst  *[]byte
		size int64
	}{
		{tokensFile, &ix.txt.data, -1},
		{saFile, &ix.sa, m.Tokens * int64(m.PointerBytes)},
		{docsFile, &ix.docs, m.Docs * 8},
		{idOffsetsFile, &ix.idEnds, m.Docs * 8},
		{idsFile, &ix.ids, -1},
	}
	for _, f := range maps {
		data, err := ix.mapFile(f.name, f.size)
		if err != nil {
			ix.Close()
			return nil, err
		}
		*f.dst = data
	}
	ix.txt.width, ix.txt.sep = m.TokenBytes, m.separator()
	if err := ix.check(); err != nil {
		ix.Close()
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, tokenizerFile)); err == nil {
		t, err := tokenizer.Parse(filepath.Join(dir, tokenizerFile), data)
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("ngram: %w", err)
		}
		ix.tok = t
	} else if !errors.Is(err, os.ErrNotExist) {
		ix.Close()
		return nil, fmt.Errorf("ngram: %w", err)
	}
	return ix, nil
}

// mapFile maps a file of the index, checking its size when want >= 0.
func (ix *Index) mapFile(name string, want int64) ([]byte, error) {
	path := filepath.Join(ix.dir, name)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ngram: %w: %w", ErrCorrupt, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ngram: %w", err)
	}
	if want >= 0 && st.Size() != want {
		return nil, fmt.Errorf("ngram: %s: %w: %d bytes, the commit says %d", path, ErrCorrupt, st.Size(), want)
	}
	if st.Size() == 0 {
		return nil, nil
	}
	data, unmap, err := mmap.File(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("ngram: map %s: %w", path, err)
	}
	ix.unmaps = append(ix.unmaps, unmap)
	return data, nil
}

// check compares the token file with the commit.
func (ix *Index) check() error {
	m := &ix.meta
	want := (m.Tokens + m.Docs) * int64(m.TokenBytes)
	if int64(len(ix.txt.data)) != want {
		return fmt.Errorf("ngram: %s: %w: %d bytes, the commit says %d tokens and %d documents of %d bytes", filepath.Join(ix.dir, tokensFile), ErrCorrupt, len(ix.txt.data), m.Tokens, m.Docs, m.TokenBytes)
	}
	if m.PointerBytes != pointerBytesFor(want) {
		return fmt.Errorf("ngram: %s: %w: pointer_bytes %d for %d bytes of tokens", filepath.Join(ix.dir, metaFile), ErrCorrupt, m.PointerBytes, want)
	}
	if m.Docs > 0 && binary.LittleEndian.Uint64(ix.idEnds[(m.Docs-1)*8:]) != uint64(len(ix.ids)) {
		return fmt.Errorf("ngram: %s: %w: ids do not add up", filepath.Join(ix.dir, idOffsetsFile), ErrCorrupt)
	}
	// Queries stop at a separator, so the last one keeps every read of a
	// valid suffix inside the file.
	if want > 0 && ix.txt.at(uint64(want)-uint64(m.TokenBytes)) != ix.txt.sep {
		return fmt.Errorf("ngram: %s: %w: the last token is not a document separator", filepath.Join(ix.dir, tokensFile), ErrCorrupt)
	}
	return ix.checkDocs(uint64(want) / uint64(m.TokenBytes))
}

// checkDocs checks that documents start in order inside the token file
// and that ids follow one another, so that locating a match cannot read
// outside the files. It reads 16 bytes a document, a small part of an
// index.
func (ix *Index) checkDocs(slots uint64) error {
	prevStart, prevEnd := uint64(0), uint64(0)
	for d := range ix.meta.Docs {
		start, end := ix.docStart(d), binary.LittleEndian.Uint64(ix.idEnds[d*8:])
		if d == 0 && start != 0 || d > 0 && start <= prevStart || start >= slots {
			return fmt.Errorf("ngram: %s: %w: document %d starts at token %d", filepath.Join(ix.dir, docsFile), ErrCorrupt, d, start)
		}
		if end < prevEnd {
			return fmt.Errorf("ngram: %s: %w: the id of document %d ends at byte %d, before the previous one", filepath.Join(ix.dir, idOffsetsFile), ErrCorrupt, d, end)
		}
		prevStart, prevEnd = start, end
	}
	return nil
}

// corruption is a damaged file met during a query; the query's exported
// method recovers it (catchCorrupt) and returns its error, as binary
// searches have no other way out.
type corruption struct{ err error }

// catchCorrupt turns a corruption panic into *err; other panics go on.
func catchCorrupt(err *error) {
	if r := recover(); r != nil {
		c, ok := r.(corruption)
		if !ok {
			panic(r)
		}
		*err = c.err
	}
}

// Close unmaps the index's files.
func (ix *Index) Close() error {
	var first error
	for _, u := range ix.unmaps {
		if err := u(); err != nil && first == nil {
			first = err
		}
	}
	ix.unmaps = nil
	return first
}

// Stats describes an index.
type Stats struct {
	Dir          string `json:"dir"`
	Docs         int64  `json:"docs"`
	Tokens       int64  `json:"tokens"`
	VocabSize    int    `json:"vocab_size"`
	TokenBytes   int    `json:"token_bytes"`
	PointerBytes int    `json:"pointer_bytes"`
	Tokenizer    string `json:"tokenizer,omitempty"`
	Field        string `json:"field,omitempty"`
	Bytes        int64  `json:"bytes"`
}

// Stats returns the index's statistics.
func (ix *Index) Stats() Stats {
	m := &ix.meta
	return Stats{Dir: ix.dir, Docs: m.Docs, Tokens: m.Tokens, VocabSize: m.VocabSize, TokenBytes: m.TokenBytes,
		PointerBytes: m.PointerBytes, Tokenizer: m.Tokenizer, Field: m.Field,
		Bytes: int64(len(ix.txt.data) + len(ix.sa) + len(ix.docs) + len(ix.ids) + len(ix.idEnds))}
}

// Tokenizer returns the index's tokenizer, or nil for an index built from
// ids alone.
func (ix *Index) Tokenizer() *tokenizer.Tokenizer { return ix.tok }

// ErrNoTokenizer is returned for a text query on an index without a
// tokenizer.
var ErrNoTokenizer = errors.New("ngram: the index has no tokenizer; query with token ids")

// Tokenize turns text into the index's token ids (no special tokens, as
// documents were tokenized).
func (ix *Index) Tokenize(text string) ([]uint32, error) {
	if ix.tok == nil {
		return nil, ErrNoTokenizer
	}
	ids := ix.tok.Encode(text, false)
	out := make([]uint32, len(ids))
	for i, id := range ids {
		out[i] = uint32(id)
	}
	return out, nil
}

// Decode turns ids back into text ("" without a tokenizer).
func (ix *Index) Decode(ids []uint32) string {
	if ix.tok == nil {
		return ""
	}
	v := make([]int, len(ids))
	for i, id := range ids {
		v[i] = int(id)
	}
	return ix.tok.Decode(v, false)
}

// validate checks that q holds only ids of the vocabulary.
func (ix *Index) validate(q []uint32) error {
	for i, t := range q {
		if uint64(t) >= uint64(ix.meta.VocabSize) {
			return fmt.Errorf("%w: query token %d is %d, vocabulary size %d", ErrTokenRange, i, t, ix.meta.VocabSize)
		}
	}
	return nil
}

// suffix returns the byte offset of the i'th suffix in sorted order. An
// offset outside the token file, or between tokens, is a damaged suffix
// array: it panics with a corruption for the query's method to return.
func (ix *Index) suffix(i uint64) uint64 {
	p := pointerAt(ix.sa, i, ix.meta.PointerBytes)
	if p >= uint64(len(ix.txt.data)) || p&uint64(ix.meta.TokenBytes-1) != 0 {
		ix.badSuffix(i, p)
	}
	return p
}

// badSuffix panics with the corruption of suffix i (a function of its
// own, so that suffix stays small enough to inline).
func (ix *Index) badSuffix(i, p uint64) {
	panic(corruption{fmt.Errorf("ngram: %s: %w: suffix %d points at byte %d of %d", filepath.Join(ix.dir, saFile), ErrCorrupt, i, p, len(ix.txt.data))})
}

// span is the range [lo, hi) of suffixes that start with a query.
type span struct{ lo, hi uint64 }

func (s span) count() uint64 { return s.hi - s.lo }

// find returns the suffixes that start with q, searching within in.
func (ix *Index) find(q []uint32, in span) span {
	lo := in.lo + uint64(sort.Search(int(in.hi-in.lo), func(i int) bool {
		return ix.txt.compareQuery(ix.suffix(in.lo+uint64(i)), q) >= 0
	}))
	hi := lo + uint64(sort.Search(int(in.hi-lo), func(i int) bool {
		return ix.txt.compareQuery(ix.suffix(lo+uint64(i)), q) > 0
	}))
	return span{lo, hi}
}

func (ix *Index) all() span { return span{0, uint64(ix.meta.Tokens)} }

// Count returns the number of occurrences of the n-gram q (every
// occurrence lies within one document). The empty n-gram occurs once per
// token.
func (ix *Index) Count(q []uint32) (n uint64, err error) {
	defer catchCorrupt(&err)
	if err := ix.validate(q); err != nil {
		return 0, err
	}
	return ix.find(q, ix.all()).count(), nil
}
