package ngram

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
)

// TokenCount is a token and how often it follows a query.
type TokenCount struct {
	Token uint32 `json:"token"`
	Count uint64 `json:"count"`
}

// NextTokens is the distribution of the token after a query.
type NextTokens struct {
	// Count is the number of occurrences of the query.
	Count uint64 `json:"count"`
	// Tokens are the tokens that follow it, most frequent first (ties by
	// id), at most the number asked for.
	Tokens []TokenCount `json:"tokens"`
	// Distinct is the number of distinct next tokens, all counted.
	Distinct int `json:"distinct"`
	// DocEnds counts the occurrences at the end of a document, which no
	// token follows.
	DocEnds uint64 `json:"doc_ends"`
}

// Next returns the distribution of the token that follows q, with the k
// most frequent tokens (all of them when k <= 0). The suffixes that start
// with q are sorted by that token, so each distinct token is one binary
// search.
func (ix *Index) Next(q []uint32, k int) (_ *NextTokens, err error) {
	defer catchCorrupt(&err)
	if err := ix.validate(q); err != nil {
		return nil, err
	}
	sp := ix.find(q, ix.all())
	out := &NextTokens{Count: sp.count()}
	w := uint64(ix.meta.TokenBytes)
	off := uint64(len(q)) * w
	ext := append(q[:len(q):len(q)], 0)
	var all []TokenCount
	for lo := sp.lo; lo < sp.hi; {
		t := ix.txt.at(ix.suffix(lo) + off)
		if t == ix.txt.sep {
			// Document ends sort last; they are the rest.
			out.DocEnds = sp.hi - lo
			break
		}
		ext[len(q)] = t
		run := ix.find(ext, span{lo, sp.hi})
		if run.hi <= lo {
			// The suffix at lo starts with ext unless the suffix array
			// and the token file disagree; stop rather than loop.
			panic(corruption{fmt.Errorf("ngram: %s: %w: suffix %d is out of order", filepath.Join(ix.dir, saFile), ErrCorrupt, lo)})
		}
		all = append(all, TokenCount{Token: t, Count: run.count()})
		lo = run.hi
	}
	out.Distinct = len(all)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Count > all[j].Count })
	if k > 0 && len(all) > k {
		all = all[:k]
	}
	out.Tokens = all
	if out.Tokens == nil {
		out.Tokens = []TokenCount{}
	}
	return out, nil
}

// Longest is the longest suffix of a query that occurs in the corpus: the
// context an ∞-gram model conditions on.
type Longest struct {
	// Start is where the suffix begins in the query; Length is its
	// length in tokens (0 when not even the last token occurs).
	Start  int `json:"start"`
	Length int `json:"length"`
	// Count is its number of occurrences (the number of tokens for the
	// empty suffix).
	Count uint64 `json:"count"`
}

// Longest returns the longest suffix of q that occurs. A suffix occurs
// whenever a longer one does, so the start is found by binary search.
func (ix *Index) Longest(q []uint32) (_ Longest, err error) {
	defer catchCorrupt(&err)
	if err := ix.validate(q); err != nil {
		return Longest{}, err
	}
	// The smallest start whose suffix occurs.
	start := sort.Search(len(q), func(i int) bool { return ix.find(q[i:], ix.all()).count() > 0 })
	return Longest{Start: start, Length: len(q) - start, Count: ix.find(q[start:], ix.all()).count()}, nil
}

// Match is an occurrence of a query in a document.
type Match struct {
	Doc    int64  `json:"doc"`    // the document's number, in input order
	ID     string `json:"id"`     // the document's id
	Offset int64  `json:"offset"` // the token where the match starts, within the document
}

// Matches returns up to limit occurrences of q, in suffix-array order, and
// the number of occurrences in all.
func (ix *Index) Matches(q []uint32, limit int) (_ []Match, _ uint64, err error) {
	defer catchCorrupt(&err)
	if err := ix.validate(q); err != nil {
		return nil, 0, err
	}
	sp := ix.find(q, ix.all())
	var out []Match
	for i := sp.lo; i < sp.hi && len(out) < limit; i++ {
		out = append(out, ix.matchAt(ix.suffix(i)))
	}
	return out, sp.count(), nil
}

// matchAt locates byte offset p: its document and token offset.
func (ix *Index) matchAt(p uint64) Match {
	tokenPos := p / uint64(ix.meta.TokenBytes)
	n := int(ix.meta.Docs)
	d := sort.Search(n, func(i int) bool { return ix.docStart(int64(i)) > tokenPos }) - 1
	return Match{Doc: int64(d), ID: ix.DocID(int64(d)), Offset: int64(tokenPos - ix.docStart(int64(d)))}
}

func (ix *Index) docStart(d int64) uint64 { return binary.LittleEndian.Uint64(ix.docs[d*8:]) }

// Docs returns the number of documents.
func (ix *Index) Docs() int64 { return ix.meta.Docs }

// DocID returns the id of document d.
func (ix *Index) DocID(d int64) string {
	start := uint64(0)
	if d > 0 {
		start = binary.LittleEndian.Uint64(ix.idEnds[(d-1)*8:])
	}
	return string(ix.ids[start:binary.LittleEndian.Uint64(ix.idEnds[d*8:])])
}

// DocTokens returns tokens [from, to) of document d, clipped to the
// document.
func (ix *Index) DocTokens(d int64, from, to int64) ([]uint32, error) {
	if d < 0 || d >= ix.meta.Docs {
		return nil, fmt.Errorf("ngram: document %d out of range [0, %d)", d, ix.meta.Docs)
	}
	start := ix.docStart(d)
	end := uint64(len(ix.txt.data)/ix.meta.TokenBytes) - 1 // the last separator
	if d+1 < ix.meta.Docs {
		end = ix.docStart(d+1) - 1
	}
	n := int64(end - start)
	from, to = max(0, min(from, n)), max(0, min(to, n))
	out := make([]uint32, 0, max(0, to-from))
	w := uint64(ix.meta.TokenBytes)
	for i := from; i < to; i++ {
		out = append(out, ix.txt.at((start+uint64(i))*w))
	}
	return out, nil
}
