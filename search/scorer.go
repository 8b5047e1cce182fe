package search

import (
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

// termScorer scores one term's postings.
type termScorer struct {
	p      postings
	weight float32 // idf, times k1 + 1 in the classic formula
	norm   []float32
	nt     *normTable
}

func (s *termScorer) docID() int32               { return s.p.doc }
func (s *termScorer) nextDoc() int32             { return s.p.nextDoc() }
func (s *termScorer) advance(target int32) int32 { return s.p.advance(target) }
func (s *termScorer) cost() int64                { return int64(s.p.info.df) }

func (s *termScorer) score() float32 {
	return s.nt.score(s.weight, float32(s.p.freq()), s.norm[s.p.doc])
}

// maxScoreFor bounds the score of any document with at most maxFreq
// occurrences and at least minLen tokens.
func maxScoreFor(weight float32, nt *normTable, maxFreq, minLen uint32) float32 {
	return nt.score(weight, float32(maxFreq), nt.forLength(minLen))
}

// phraseScorer matches documents holding the terms at the given relative
// positions and scores the number of matches.
type phraseScorer struct {
	terms   []*postings
	offsets []uint32 // query position of each term minus the smallest
	weight  float32  // sum of the terms' idf, times k1 + 1 in the classic formula
	norm    []float32
	nt      *normTable
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
	return s.nt.score(s.weight, s.freq, s.norm[s.doc])
}

// conjunction matches documents that all subs match; the score is their
// sum in clause order.
type conjunction struct {
	subs []scorer // clause order
	lead []scorer // by cost
	doc  int32
	wide bool // sum in float64 (Lucene 8)
}

func newConjunction(subs []scorer, wide bool) *conjunction {
	lead := slices.Clone(subs)
	slices.SortStableFunc(lead, func(a, b scorer) int { return int(a.cost() - b.cost()) })
	return &conjunction{subs: subs, lead: lead, doc: -1, wide: wide}
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
	if c.wide {
		var sum float64
		for _, s := range c.subs {
			sum += float64(s.score())
		}
		return float32(sum)
	}
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
	wide bool // sum in float64 (Lucene 8)
}

func newDisjunction(subs []scorer, wide bool) *disjunction {
	return &disjunction{subs: subs, doc: -1, wide: wide}
}

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
	if d.wide {
		var sum float64
		for _, s := range d.subs {
			if s.docID() == d.doc {
				sum += float64(s.score())
			}
		}
		return float32(sum)
	}
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

// reqOpt matches req's documents and adds opt's score where opt matches,
// in float32 (as Lucene 4 and 8 both do).
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
