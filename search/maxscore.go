package search

import "slices"

// boundSlack covers float32 rounding between a sum of per-term upper
// bounds and a sum of actual scores.
const boundSlack = 1 + 1e-5

// maxScore is a MaxScore (Turtle and Flood) disjunction of terms: once
// the top k is full, the terms whose upper bounds together cannot reach
// the k'th score become non-essential; documents only they match are
// never visited, and a candidate stops being scored as soon as its
// remaining bound cannot reach the k'th score. Scores are summed in clause
// order, so they equal the exhaustive scorers' to the last bit.
type maxScore struct {
	terms   []*termScorer // clause order
	bounds  []float32     // upper bound of each clause's score
	order   []int         // clauses by increasing bound
	prefix  []float64     // prefix[i]: sum of bounds of order[0..i]
	contrib []float32
	has     []bool
	wide    bool // sum in float64 (Lucene 8)
}

func newMaxScore(terms []*termScorer, nt *normTable) *maxScore {
	m := &maxScore{terms: terms, bounds: make([]float32, len(terms)), contrib: make([]float32, len(terms)),
		has: make([]bool, len(terms)), wide: nt.wide}
	for i, t := range terms {
		m.bounds[i] = maxScoreFor(t.weight, nt, t.p.info.maxFreq, t.p.info.minLen)
		m.order = append(m.order, i)
	}
	slices.SortStableFunc(m.order, func(a, b int) int {
		switch {
		case m.bounds[a] < m.bounds[b]:
			return -1
		case m.bounds[a] > m.bounds[b]:
			return 1
		}
		return 0
	})
	sum := 0.0
	for _, i := range m.order {
		sum += float64(m.bounds[i])
		m.prefix = append(m.prefix, sum)
	}
	return m
}

// collect scores s's matches into tk. Pruning starts once countFirst
// matches have been counted; total is exact if pruning skipped nothing.
func (m *maxScore) collect(s *segment, tk *topK, countFirst int64) (total int64, exact bool) {
	n := len(m.terms)
	for _, t := range m.terms {
		t.p.nextDoc()
	}
	exact = true
	nonEss := 0 // order[:nonEss] are non-essential
	for {
		if tk.full() && total >= countFirst {
			theta := float64(tk.minScore())
			for nonEss < n && m.prefix[nonEss]*boundSlack < theta {
				nonEss++
			}
		}
		d := int32(noMoreDocs)
		for _, ci := range m.order[nonEss:] {
			d = min(d, m.terms[ci].p.doc)
		}
		if d == noMoreDocs {
			break
		}
		if nonEss > 0 {
			exact = false
		}
		var sum float64
		for _, ci := range m.order[nonEss:] {
			t := m.terms[ci]
			if t.p.doc == d {
				c := t.score()
				m.contrib[ci], m.has[ci] = c, true
				sum += float64(c)
				t.p.nextDoc()
			}
		}
		total++
		pruned := false
		for k := nonEss - 1; k >= 0; k-- {
			if tk.full() && (sum+m.prefix[k])*boundSlack < float64(tk.minScore()) {
				pruned = true
				break
			}
			ci := m.order[k]
			t := m.terms[ci]
			if t.p.doc < d {
				t.p.advance(d)
			}
			if t.p.doc == d {
				c := t.score()
				m.contrib[ci], m.has[ci] = c, true
				sum += float64(c)
			}
		}
		score := m.sum()
		if !pruned && (!tk.full() || score >= tk.minScore()) {
			tk.offer(scored{score: score, ord: s.ordinal(uint32(d)), seg: s, doc: d})
		}
	}
	// Documents the non-essential terms had left were never visited.
	if nonEss > 0 {
		for _, ci := range m.order[:nonEss] {
			if m.terms[ci].p.doc != noMoreDocs {
				exact = false
			}
		}
	}
	return total, exact
}

// sum adds the contributions of the clauses that matched, in clause
// order, and clears them.
func (m *maxScore) sum() float32 {
	if m.wide {
		var s float64
		for ci := range m.terms {
			if m.has[ci] {
				s += float64(m.contrib[ci])
				m.has[ci] = false
			}
		}
		return float32(s)
	}
	var s float32
	for ci := range m.terms {
		if m.has[ci] {
			s += m.contrib[ci]
			m.has[ci] = false
		}
	}
	return s
}

// collectTerm scores a single term's postings into tk, skipping whole
// blocks whose largest possible score cannot reach the k'th (block-max
// pruning). Every posting is a match, so the total is the term's df.
func collectTerm(s *segment, t *termScorer, tk *topK) {
	p := &t.p
	w, norm, nt := t.weight, t.norm, t.nt
	for b := 0; b < p.nblocks; b++ {
		if tk.full() {
			maxFreq, minLen := p.blockMax(b)
			if float64(maxScoreFor(w, nt, maxFreq, minLen))*boundSlack < float64(tk.minScore()) {
				continue
			}
		}
		p.loadBlock(b)
		for i := 0; i < p.n; i++ {
			d := int32(p.docs[i])
			score := nt.score(w, float32(p.freqs[i]), norm[d])
			if !tk.full() || score >= tk.minScore() {
				tk.offer(scored{score: score, ord: s.ordinal(uint32(d)), seg: s, doc: d})
			}
		}
	}
}
