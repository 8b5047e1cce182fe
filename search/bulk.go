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
	subs   []scorer
	scores [bulkWindow]float32
	seen   [bulkWindow / 64]uint64
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
				j := d - base
				bd.scores[j] += sc.score()
				bd.seen[j>>6] |= 1 << (j & 63)
			}
		}
		for wi := range bd.seen {
			w := bd.seen[wi]
			bd.seen[wi] = 0
			for w != 0 {
				j := wi*64 + bits.TrailingZeros64(w)
				w &= w - 1
				score := bd.scores[j]
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
	w, norm := t.weight, t.norm
	for p.doc < end {
		// Score the rest of the current block that falls in the window.
		i := p.i
		for ; i < p.n; i++ {
			d := int32(p.docs[i])
			if d >= end {
				break
			}
			f := float32(p.freqs[i])
			j := d - base
			bd.scores[j] += float32(w*f) / float32(f+norm[d])
			bd.seen[j>>6] |= 1 << (j & 63)
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
