package search

import (
	"math"
	"slices"
)

// scorer iterates the matching documents of a segment in increasing
// order and scores them.
type scorer interface {
	docID() int32
	nextDoc() int32
	// advance moves to the first document >= target; it stays put when
	// already there.
	advance(target int32) int32
	score() float32
	cost() int64
}

// normTable maps a document length to k1·(1 − b + b·dl/avgdl), computed
// in float32 exactly as Lucene 4's BM25Similarity does.
type normTable struct {
	lucene bool
	k1, b  float32
	avgdl  float32
	cache  [256]float32 // by Lucene norm byte
	small  []float32    // exact mode: by length, for lengths < len(small)
}

func newNormTable(k1, b, avgdl float32, lucene bool) *normTable {
	t := &normTable{lucene: lucene, k1: k1, b: b, avgdl: avgdl}
	for i := range t.cache {
		t.cache[i] = t.factor(decodeNorm(byte(i)))
	}
	if !lucene {
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
	if t.lucene {
		return t.cache[encodeNorm(n)]
	}
	if int(n) < len(t.small) {
		return t.small[n]
	}
	return t.factor(float32(n))
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

// idf is Lucene's BM25 idf, computed in float64 and rounded to float32.
func idf(df, docs uint64) float32 {
	return float32(math.Log(1 + (float64(docs)-float64(df)+0.5)/(float64(df)+0.5)))
}

// termScorer scores one term's postings.
type termScorer struct {
	p      postings
	weight float32 // idf · (k1 + 1)
	norm   []float32
}

func (s *termScorer) docID() int32               { return s.p.doc }
func (s *termScorer) nextDoc() int32             { return s.p.nextDoc() }
func (s *termScorer) advance(target int32) int32 { return s.p.advance(target) }
func (s *termScorer) cost() int64                { return int64(s.p.info.df) }

func (s *termScorer) score() float32 {
	f := float32(s.p.freq())
	return float32(s.weight*f) / float32(f+s.norm[s.p.doc])
}

// maxScoreFor bounds the score of any document with at most maxFreq
// occurrences and at least minLen tokens.
func maxScoreFor(weight float32, nt *normTable, maxFreq, minLen uint32) float32 {
	f := float32(maxFreq)
	return float32(weight*f) / float32(f+nt.forLength(minLen))
}

// phraseScorer matches documents holding the terms at the given relative
// positions and scores the number of matches.
type phraseScorer struct {
	terms   []*postings
	offsets []uint32 // query position of each term minus the smallest
	weight  float32  // sum of the terms' idf, times k1 + 1
	norm    []float32
	doc     int32
	freq    float32
	bufs    [][]uint32
	idx     []int
}

func (s *phraseScorer) docID() int32 { return s.doc }
func (s *phraseScorer) cost() int64  { return int64(s.terms[0].info.df) }

func (s *phraseScorer) nextDoc() int32 {
	return s.advance(s.doc + 1)
}

func (s *phraseScorer) advance(target int32) int32 {
	if s.doc >= target {
		return s.doc
	}
	for {
		d := leapfrog(s.terms, target)
		if d == noMoreDocs {
			s.doc = noMoreDocs
			return d
		}
		if n := s.countMatches(); n > 0 {
			s.doc, s.freq = d, float32(n)
			return d
		}
		target = d + 1
	}
}

// leapfrog advances every iterator to the first document at or after
// target that all of them hold, and returns it (noMoreDocs when there is
// none). its[0] leads; the cheapest first makes the fewest jumps.
func leapfrog[T interface{ advance(int32) int32 }](its []T, target int32) int32 {
	for {
		d := its[0].advance(target)
		if d == noMoreDocs {
			return d
		}
		agree := true
		for _, it := range its[1:] {
			if e := it.advance(d); e != d {
				target, agree = e, false
				break
			}
		}
		if agree {
			return d
		}
		if target == noMoreDocs {
			return target
		}
	}
}

// countMatches counts the positions p where every term i occurs at
// p + offsets[i].
func (s *phraseScorer) countMatches() int {
	for i, t := range s.terms {
		s.bufs[i] = t.positionsTo(s.bufs[i][:0])
	}
	idx := s.idx
	clear(idx)
	n := 0
	for _, p0 := range s.bufs[0] {
		base := p0 - s.offsets[0]
		ok := true
		for i := 1; i < len(s.terms); i++ {
			want := base + s.offsets[i]
			buf := s.bufs[i]
			for idx[i] < len(buf) && buf[idx[i]] < want {
				idx[i]++
			}
			if idx[i] >= len(buf) || buf[idx[i]] != want {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}

func (s *phraseScorer) score() float32 {
	return float32(s.weight*s.freq) / float32(s.freq+s.norm[s.doc])
}

// conjunction matches documents that all subs match; the score is their
// sum in clause order.
type conjunction struct {
	subs []scorer // clause order
	lead []scorer // by cost
	doc  int32
}

func newConjunction(subs []scorer) *conjunction {
	lead := slices.Clone(subs)
	slices.SortStableFunc(lead, func(a, b scorer) int { return int(a.cost() - b.cost()) })
	return &conjunction{subs: subs, lead: lead, doc: -1}
}

func (c *conjunction) docID() int32   { return c.doc }
func (c *conjunction) cost() int64    { return c.lead[0].cost() }
func (c *conjunction) nextDoc() int32 { return c.advance(c.doc + 1) }

func (c *conjunction) advance(target int32) int32 {
	if c.doc >= target {
		return c.doc
	}
	c.doc = leapfrog(c.lead, target)
	return c.doc
}

func (c *conjunction) score() float32 {
	var sum float32
	for _, s := range c.subs {
		sum += s.score()
	}
	return sum
}

// disjunction matches documents that any sub matches; the score is the
// sum of the matching subs in clause order.
type disjunction struct {
	subs []scorer
	doc  int32
}

func newDisjunction(subs []scorer) *disjunction { return &disjunction{subs: subs, doc: -1} }

func (d *disjunction) docID() int32 { return d.doc }

func (d *disjunction) cost() int64 {
	var c int64
	for _, s := range d.subs {
		c += s.cost()
	}
	return c
}

func (d *disjunction) nextDoc() int32 { return d.advance(d.doc + 1) }

func (d *disjunction) advance(target int32) int32 {
	if d.doc >= target {
		return d.doc
	}
	best := int32(noMoreDocs)
	for _, s := range d.subs {
		best = min(best, s.advance(target))
	}
	d.doc = best
	return best
}

func (d *disjunction) score() float32 {
	var sum float32
	for _, s := range d.subs {
		if s.docID() == d.doc {
			sum += s.score()
		}
	}
	return sum
}

// reqExcl matches req's documents that excl does not match.
type reqExcl struct {
	req, excl scorer
}

func (r *reqExcl) docID() int32   { return r.req.docID() }
func (r *reqExcl) cost() int64    { return r.req.cost() }
func (r *reqExcl) score() float32 { return r.req.score() }
func (r *reqExcl) nextDoc() int32 { return r.skipExcluded(r.req.nextDoc()) }

func (r *reqExcl) advance(target int32) int32 {
	return r.skipExcluded(r.req.advance(target))
}

func (r *reqExcl) skipExcluded(d int32) int32 {
	for d != noMoreDocs {
		if r.excl.advance(d) != d {
			return d
		}
		d = r.req.nextDoc()
	}
	return d
}

// reqOpt matches req's documents and adds opt's score where opt matches.
type reqOpt struct {
	req, opt scorer
}

func (r *reqOpt) docID() int32               { return r.req.docID() }
func (r *reqOpt) cost() int64                { return r.req.cost() }
func (r *reqOpt) nextDoc() int32             { return r.req.nextDoc() }
func (r *reqOpt) advance(target int32) int32 { return r.req.advance(target) }

func (r *reqOpt) score() float32 {
	d := r.req.docID()
	s := r.req.score()
	if r.opt.advance(d) == d {
		s += r.opt.score()
	}
	return s
}

// docListScorer matches a sorted list of documents with score 0.
type docListScorer struct {
	docs []uint32
	i    int
	doc  int32
}

func newDocListScorer(docs []uint32) *docListScorer { return &docListScorer{docs: docs, doc: -1} }

func (s *docListScorer) docID() int32   { return s.doc }
func (s *docListScorer) cost() int64    { return int64(len(s.docs)) }
func (s *docListScorer) score() float32 { return 0 }
func (s *docListScorer) nextDoc() int32 { return s.advance(s.doc + 1) }

func (s *docListScorer) advance(target int32) int32 {
	if s.doc >= target {
		return s.doc
	}
	for s.i < len(s.docs) && int32(s.docs[s.i]) < target {
		s.i++
	}
	if s.i >= len(s.docs) {
		s.doc = noMoreDocs
	} else {
		s.doc = int32(s.docs[s.i])
	}
	return s.doc
}
