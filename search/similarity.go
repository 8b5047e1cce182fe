package search

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Similarity names a variant of BM25 scoring. Scores are computed from the
// exact document lengths the index stores, so the similarity can be chosen
// per search; the index records a default.
type Similarity string

// The similarities.
const (
	// Lucene8 is the BM25 of Lucene 8 and later (and so of Pyserini and
	// Anserini): score = idf·(1 − 1/(1 + tf/(k1·(1 − b + b·dl/avgdl)))),
	// which drops the (k1+1) factor of the classic formula, with dl
	// rounded down by SmallFloat.intToByte4 (exact up to 40, then four
	// significant bits), N and avgdl over the documents that hold at least
	// one term, and sums of clauses in float64.
	Lucene8 Similarity = "lucene8"
	// Lucene4 is Lucene 4.10's BM25: idf·(k1+1)·tf/(tf + k1·(1 − b +
	// b·dl/avgdl)) with dl decoded from Lucene 4's one-byte norm
	// (1/sqrt(dl) as SmallFloat.floatToByte315), N and avgdl over all
	// documents, sums in float32.
	Lucene4 Similarity = "lucene4"
	// Exact is Lucene 4's formula with exact document lengths.
	Exact Similarity = "exact"
)

// Similarities lists the valid similarities, the default first.
var similarities = []Similarity{Lucene8, Lucene4, Exact}

// ParseSimilarity returns the similarity named s.
func ParseSimilarity(s string) (Similarity, error) {
	for _, sim := range similarities {
		if s == string(sim) {
			return sim, nil
		}
	}
	return "", fmt.Errorf("search: unknown similarity %q: want %s", s, SimilaritiesText())
}

// SimilaritiesText lists the similarities for help texts and errors.
func SimilaritiesText() string {
	names := make([]string, len(similarities))
	for i, s := range similarities {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// normTable maps a document length to the length factor of the scoring
// formula, computed in float32 exactly as Lucene does: k1·(1 − b +
// b·dl/avgdl) for Lucene 4 and exact lengths, its reciprocal for Lucene 8.
type normTable struct {
	sim    Similarity
	k1, b  float32
	avgdl  float32
	cache  [256]float32 // by norm byte (Lucene 4's or Lucene 8's encoding)
	small  []float32    // exact lengths: by length, for lengths < len(small)
	wide   bool         // sums of clauses in float64 (Lucene 8)
	invert bool         // the factor is the reciprocal (Lucene 8)
}

func newNormTable(sim Similarity, k1, b, avgdl float32) *normTable {
	t := &normTable{sim: sim, k1: k1, b: b, avgdl: avgdl, wide: sim == Lucene8, invert: sim == Lucene8}
	for i := range t.cache {
		switch sim {
		case Lucene8:
			t.cache[i] = 1 / t.factor(float32(byte4ToInt(byte(i))))
		default:
			t.cache[i] = t.factor(decodeNorm(byte(i)))
		}
	}
	if sim == Exact {
		t.small = make([]float32, 4096)
		for i := range t.small {
			t.small[i] = t.factor(float32(i))
		}
	}
	return t
}

// factor computes k1 * ((1 - b) + b * dl / avgdl) with float32 rounding
// after every operation, as Java evaluates it.
func (t *normTable) factor(dl float32) float32 {
	x := float32(t.b * dl)
	x = float32(x / t.avgdl)
	x = float32(float32(1-t.b) + x)
	return float32(t.k1 * x)
}

func (t *normTable) forLength(n uint32) float32 {
	switch t.sim {
	case Lucene4:
		return t.cache[encodeNorm(n)]
	case Lucene8:
		return t.cache[intToByte4(n)]
	}
	if int(n) < len(t.small) {
		return t.small[n]
	}
	return t.factor(float32(n))
}

// score is one clause's BM25 score from its weight w, its frequency f in
// the document and the document's length factor n, rounded as Lucene
// rounds. Lucene 8 rewrites idf·tf/(tf + norm) as w − w/(1 + tf·(1/norm))
// to keep the score monotonic in float32 arithmetic.
func (t *normTable) score(w, f, n float32) float32 {
	if t.invert {
		return w - w/float32(1+float32(f*n))
	}
	return float32(w*f) / float32(f+n)
}

// weight is the factor a clause's idf is scaled by: k1+1 in the classic
// formula, 1 in Lucene 8's.
func (t *normTable) weight(idf float32) float32 {
	if t.invert {
		return idf
	}
	return float32(idf * float32(t.k1+1))
}

// sumIDF adds the idfs of a phrase's terms: in float32 as Lucene 4 does,
// in float64 rounded once as Lucene 8 does.
func (t *normTable) sumIDF(idfs []float32) float32 {
	if t.wide {
		var s float64
		for _, x := range idfs {
			s += float64(x)
		}
		return float32(s)
	}
	var s float32
	for _, x := range idfs {
		s += x
	}
	return s
}

// encodeNorm is Lucene 4's BM25 norm: SmallFloat.floatToByte315 of
// 1/sqrt(length).
func encodeNorm(length uint32) byte {
	f := float32(1) / float32(math.Sqrt(float64(length)))
	bits := int32(math.Float32bits(f))
	small := bits >> (24 - 3)
	const zero = (63 - 15) << 3
	if small <= zero {
		if bits <= 0 {
			return 0
		}
		return 1
	}
	if small >= zero+0x100 {
		return 255
	}
	return byte(small - zero)
}

// decodeNorm is Lucene 4's BM25 NORM_TABLE: the document length a norm
// byte stands for, 1/f² with f = SmallFloat.byte315ToFloat(b).
func decodeNorm(b byte) float32 {
	var f float32
	if b != 0 {
		bits := uint32(b) << (24 - 3)
		bits += (63 - 15) << 24
		f = math.Float32frombits(bits)
	}
	return float32(1) / float32(f*f)
}

// int4FreeValues is the number of byte values Lucene 8's intToByte4 spends
// on exact small lengths: 255 minus the code of the largest int.
const int4FreeValues = 255 - 231

// intToByte4 is Lucene 8's SmallFloat.intToByte4: lengths below 24 as
// themselves, larger ones as a float with a 4-bit mantissa (rounded down)
// offset by 24.
func intToByte4(n uint32) byte {
	n = min(n, math.MaxInt32) // Lucene's lengths are Java ints
	if n < int4FreeValues {
		return byte(n)
	}
	return byte(int4FreeValues + longToInt4(uint64(n-int4FreeValues)))
}

// byte4ToInt is Lucene 8's SmallFloat.byte4ToInt, the inverse of
// intToByte4 (the smallest length of each code).
func byte4ToInt(b byte) uint32 {
	if b < int4FreeValues {
		return uint32(b)
	}
	return int4FreeValues + uint32(int4ToLong(uint32(b)-int4FreeValues))
}

// longToInt4 keeps the four most significant bits of i: three stored, the
// leading one implicit, with the shift in the upper bits (0 for values
// below 8, which are stored as they are).
func longToInt4(i uint64) uint32 {
	n := bits.Len64(i)
	if n < 4 {
		return uint32(i)
	}
	shift := n - 4
	enc := uint32(i>>shift) & 0x07
	return enc | uint32(shift+1)<<3
}

func int4ToLong(i uint32) uint64 {
	b := uint64(i & 0x07)
	shift := int(i>>3) - 1
	if shift < 0 {
		return b
	}
	return (b | 0x08) << shift
}

// idf is Lucene's BM25 idf, computed in float64 and rounded to float32.
func idf(df, docs uint64) float32 {
	return float32(math.Log(1 + (float64(docs)-float64(df)+0.5)/(float64(df)+0.5)))
}
