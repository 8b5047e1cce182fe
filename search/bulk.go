package search

import "math/bits"

// bulkWindow is the number of documents a bulk disjunction scores at a
// time.
const bulkWindow = 4096

// bulkDisjunction scores a disjunction of term scorers window by window,
// as Lucene's BooleanScorer does: each term in clause order adds its
// scores into an array for the window, then the window's matches are
// collected in doc order. Sums are in clause order, so scores equal the
// document-at-a-time disjunction's; every match is counted.
type bulkDisjunction struct {
	subs []scorer
	nt   *normTable
	// scores holds float32 sums (rounded after every addition) or, for
	// Lucene 8, float64 sums rounded once.
	scores [bulkWindow]float64
	seen   [bulkWindow / 64]uint64
}

// add adds a clause's score x to window slot j.
func (bd *bulkDisjunction) add(j int32, x float32) {
	if bd.nt.wide {
		bd.scores[j] += float64(x)
	} else {
		bd.scores[j] = float64(float32(bd.scores[j]) + x)
	}
	bd.seen[j>>6] |= 1 << (j & 63)
}

// collect scores every match of the terms in s into tk and returns the
// number of matches.
func (bd *bulkDisjunction) collect(s *segment, tk *topK) int64 {
	var total int64
	for _, t := range bd.subs {
		t.nextDoc()
	}
	for {
		base := int32(noMoreDocs)
		for _, t := range bd.subs {
			base = min(base, t.docID())
		}
		if base == noMoreDocs {
			return total
		}
		end := base + bulkWindow
		for _, sc := range bd.subs {
			if t, ok := sc.(*termScorer); ok {
				bd.scoreWindow(t, base, end)
				continue
			}
			for d := sc.docID(); d < end; d = sc.nextDoc() {
				bd.add(d-base, sc.score())
			}
		}
		for wi := range bd.seen {
			w := bd.seen[wi]
			bd.seen[wi] = 0
			for w != 0 {
				j := wi*64 + bits.TrailingZeros64(w)
				w &= w - 1
				score := float32(bd.scores[j])
				bd.scores[j] = 0
				total++
				if !tk.full() || score >= tk.minScore() {
					doc := base + int32(j)
					tk.offer(scored{score: score, ord: s.ordinal(uint32(doc)), seg: s, doc: doc})
				}
			}
		}
	}
}

// scoreWindow adds t's scores for the documents in [base, end).
func (bd *bulkDisjunction) scoreWindow(t *termScorer, base, end int32) {
	p := &t.p
	w, norm, nt := t.weight, t.norm, t.nt
	for p.doc < end {
		// Score the rest of the current block that falls in the window.
		i := p.i
		for ; i < p.n; i++ {
			d := int32(p.docs[i])
			if d >= end {
				break
			}
			bd.add(d-base, nt.score(w, float32(p.freqs[i]), norm[d]))
		}
		if i < p.n {
			p.i = i
			p.doc = int32(p.docs[i])
			return
		}
		p.i = p.n - 1
		p.nextDoc()
	}
}
