package search

import (
	"fmt"
	"sync"

	"github.com/fmkit/fmkit/search/analysis"
)

// node is a compiled query: corpus-wide weights, and a way to build a
// scorer over one segment.
type node interface {
	// scorer returns the node's scorer over s, or nil if nothing in s can
	// match.
	scorer(s *segment, norms []float32) scorer
	// addTerms adds the node's positive terms to dst, for highlighting.
	addTerms(dst map[string]bool)
}

// queryWeight is a query compiled against an index.
type queryWeight struct {
	ix   *Index
	root node
	nt   *normTable
}

// compile analyses q's text and computes BM25 weights from the statistics
// of the whole index (every shard). It returns nil when nothing can match.
func (ix *Index) compile(q Query, a analysis.Analyzer, p BM25, sim Similarity) (*queryWeight, error) {
	nt := ix.normTable(p, sim)
	c := &compiler{ix: ix, a: a, nt: nt, docs: ix.docs}
	if sim == Lucene8 {
		c.docs = ix.docsWithTerms()
	}
	root, err := c.node(q)
	if err != nil || root == nil {
		return nil, err
	}
	return &queryWeight{ix: ix, root: root, nt: nt}, nil
}

type normKey struct {
	k1, b float32
	sim   Similarity
}

func (ix *Index) normTable(p BM25, sim Similarity) *normTable {
	key := normKey{p.K1, p.B, sim}
	if t, ok := ix.normCache.Load(key); ok {
		return t.(*normTable)
	}
	// Lucene 8 averages over the documents that hold the field (at least
	// one term); Lucene 4 over all documents.
	docs := ix.docs
	if sim == Lucene8 {
		docs = ix.docsWithTerms()
	}
	avgdl := float32(1)
	if ix.sumTF > 0 && docs > 0 {
		avgdl = float32(float64(ix.sumTF) / float64(docs))
	}
	t, _ := ix.normCache.LoadOrStore(key, newNormTable(sim, p.K1, p.B, avgdl))
	return t.(*normTable)
}

// norms returns the per-document length factor of s under nt.
func (s *segment) norms(nt *normTable) []float32 {
	if v, ok := s.normArrays.Load(nt); ok {
		return v.([]float32)
	}
	out := make([]float32, s.ft.Docs)
	for d := range out {
		out[d] = nt.forLength(s.docLen(uint32(d)))
	}
	v, _ := s.normArrays.LoadOrStore(nt, out)
	return v.([]float32)
}

type compiler struct {
	ix   *Index
	a    analysis.Analyzer
	nt   *normTable
	docs uint64 // N of the idf
	ts   analysis.Tokens
}

func (c *compiler) docFreq(term string) uint64 {
	var df uint64
	for _, segs := range c.ix.shards {
		for _, s := range segs {
			if info, ok := s.lookup([]byte(term)); ok {
				df += uint64(info.df)
			}
		}
	}
	return df
}

func (c *compiler) node(q Query) (node, error) {
	switch q := q.(type) {
	case *TermQuery:
		c.a.Analyze(&c.ts, q.Text)
		switch c.ts.Len() {
		case 0:
			return nil, nil
		case 1:
			return c.term(string(c.ts.Term(0))), nil
		}
		// Several tokens from one word (such as "wi-fi"): any of them, as
		// Lucene's classic query parser does.
		b := &boolNode{wide: c.nt.wide}
		for i := 0; i < c.ts.Len(); i++ {
			b.should = append(b.should, c.term(string(c.ts.Term(i))))
		}
		return b, nil
	case *PhraseQuery:
		c.a.Analyze(&c.ts, q.Text)
		switch c.ts.Len() {
		case 0:
			return nil, nil
		case 1:
			return c.term(string(c.ts.Term(0))), nil
		}
		ph := &phraseNode{nt: c.nt}
		idfs := make([]float32, c.ts.Len())
		first := c.ts.Pos[0]
		for i := 0; i < c.ts.Len(); i++ {
			t := string(c.ts.Term(i))
			ph.terms = append(ph.terms, t)
			ph.offsets = append(ph.offsets, uint32(c.ts.Pos[i]-first))
			idfs[i] = idf(c.docFreq(t), c.docs)
		}
		ph.weight = c.nt.weight(c.nt.sumIDF(idfs))
		return ph, nil
	case *FieldQuery:
		field := q.Field
		if field != idField && len(field) <= len(metaPrefix) {
			return nil, fmt.Errorf("search: unknown field %q", field)
		}
		return &filterNode{field: field, value: q.Value}, nil
	case *BoolQuery:
		b := &boolNode{wide: c.nt.wide}
		for _, cl := range q.Clauses {
			n, err := c.node(cl.Query)
			if err != nil {
				return nil, err
			}
			if n == nil {
				continue // analysed to nothing, as Lucene drops such clauses
			}
			switch cl.Occur {
			case Must:
				b.must = append(b.must, n)
			case Should:
				b.should = append(b.should, n)
			case MustNot:
				b.not = append(b.not, n)
			}
		}
		if len(b.must) == 0 && len(b.should) == 0 {
			return nil, nil
		}
		return b, nil
	}
	return nil, fmt.Errorf("search: unknown query type %T", q)
}

func (c *compiler) term(t string) *termNode {
	return &termNode{term: t, weight: c.nt.weight(idf(c.docFreq(t), c.docs)), nt: c.nt}
}

type termNode struct {
	term   string
	weight float32
	nt     *normTable
}

func (n *termNode) addTerms(dst map[string]bool) { dst[n.term] = true }

func (n *termNode) scorer(s *segment, norms []float32) scorer {
	info, ok := s.lookup([]byte(n.term))
	if !ok {
		return nil
	}
	ts := &termScorer{weight: n.weight, norm: norms, nt: n.nt}
	ts.p.reset(s, info)
	return ts
}

type phraseNode struct {
	terms   []string
	offsets []uint32
	weight  float32
	nt      *normTable
}

func (n *phraseNode) addTerms(dst map[string]bool) {
	for _, t := range n.terms {
		dst[t] = true
	}
}

func (n *phraseNode) scorer(s *segment, norms []float32) scorer {
	ps := &phraseScorer{offsets: n.offsets, weight: n.weight, norm: norms, nt: n.nt, doc: -1}
	for _, t := range n.terms {
		info, ok := s.lookup([]byte(t))
		if !ok {
			return nil
		}
		p := &postings{}
		p.reset(s, info)
		ps.terms = append(ps.terms, p)
	}
	ps.bufs = make([][]uint32, len(n.terms))
	ps.idx = make([]int, len(n.terms))
	return ps
}

type filterNode struct{ field, value string }

func (n *filterNode) addTerms(map[string]bool) {}

func (n *filterNode) scorer(s *segment, _ []float32) scorer {
	docs := s.lookupValue(n.field, n.value)
	if len(docs) == 0 {
		return nil
	}
	return newDocListScorer(docs)
}

type boolNode struct {
	must, should, not []node
	wide              bool // sum clauses in float64 (Lucene 8)
}

func (n *boolNode) addTerms(dst map[string]bool) {
	for _, c := range n.must {
		c.addTerms(dst)
	}
	for _, c := range n.should {
		c.addTerms(dst)
	}
}

func (n *boolNode) scorer(s *segment, norms []float32) scorer {
	var must, should, not []scorer
	for _, c := range n.must {
		sc := c.scorer(s, norms)
		if sc == nil {
			return nil
		}
		must = append(must, sc)
	}
	for _, c := range n.should {
		if sc := c.scorer(s, norms); sc != nil {
			should = append(should, sc)
		}
	}
	for _, c := range n.not {
		if sc := c.scorer(s, norms); sc != nil {
			not = append(not, sc)
		}
	}
	var base scorer
	switch {
	case len(must) > 0:
		if len(must) == 1 {
			base = must[0]
		} else {
			base = newConjunction(must, n.wide)
		}
		if len(should) > 0 {
			base = &reqOpt{req: base, opt: anyOf(should, n.wide)}
		}
	case len(should) > 0:
		base = anyOf(should, n.wide)
	default:
		return nil
	}
	if len(not) > 0 {
		base = &reqExcl{req: base, excl: anyOf(not, n.wide)}
	}
	return base
}

func anyOf(subs []scorer, wide bool) scorer {
	if len(subs) == 1 {
		return subs[0]
	}
	return newDisjunction(subs, wide)
}

// collect scores the matches in s into tk and returns the number of
// matches and whether that number is exact. Unless exactTotal is set, a
// disjunction of terms prunes with MaxScore once countFirst matches have
// been counted.
func (w *queryWeight) collect(s *segment, tk *topK, exactTotal bool, countFirst int64) (int64, bool) {
	if terms, ok := w.flatTerms(); ok && !exactTotal {
		norms := s.norms(w.nt)
		var ts []*termScorer
		var df int64
		for _, t := range terms {
			if sc := t.scorer(s, norms); sc != nil {
				ts = append(ts, sc.(*termScorer))
				df += int64(sc.(*termScorer).p.info.df)
			}
		}
		switch len(ts) {
		case 0:
			return 0, true
		case 1:
			collectTerm(s, ts[0], tk)
			return df, true // a single term's matches are its postings
		}
		return newMaxScore(ts, w.nt).collect(s, tk, countFirst)
	}
	if subs, ok := w.shouldOnly(); ok {
		norms := s.norms(w.nt)
		bd := bulkPool.Get().(*bulkDisjunction)
		defer bulkPool.Put(bd)
		bd.subs, bd.nt = bd.subs[:0], w.nt
		for _, n := range subs {
			if sc := n.scorer(s, norms); sc != nil {
				bd.subs = append(bd.subs, sc)
			}
		}
		if len(bd.subs) == 0 {
			return 0, true
		}
		return bd.collect(s, tk), true
	}
	sc := w.root.scorer(s, s.norms(w.nt))
	if sc == nil {
		return 0, true
	}
	var n int64
	for d := sc.nextDoc(); d != noMoreDocs; d = sc.nextDoc() {
		score := sc.score()
		n++
		if !tk.full() || score >= tk.minScore() {
			tk.offer(scored{score: score, ord: s.ordinal(uint32(d)), seg: s, doc: d})
		}
	}
	return n, true
}

var bulkPool = sync.Pool{New: func() any { return new(bulkDisjunction) }}

// shouldOnly returns the clauses of a query that is a single term or
// phrase, or a disjunction with no required or excluded clause, which bulk
// scoring handles.
func (w *queryWeight) shouldOnly() ([]node, bool) {
	switch n := w.root.(type) {
	case *termNode, *phraseNode:
		return []node{n}, true
	case *boolNode:
		if len(n.must) > 0 || len(n.not) > 0 {
			return nil, false
		}
		return n.should, true
	}
	return nil, false
}

// flatTerms returns the terms of a query that is one term or a
// disjunction of terms only.
func (w *queryWeight) flatTerms() ([]*termNode, bool) {
	subs, ok := w.shouldOnly()
	if !ok {
		return nil, false
	}
	terms := make([]*termNode, 0, len(subs))
	for _, c := range subs {
		t, ok := c.(*termNode)
		if !ok {
			return nil, false
		}
		terms = append(terms, t)
	}
	return terms, true
}

func (w *queryWeight) highlightTerms() map[string]bool {
	m := map[string]bool{}
	w.root.addTerms(m)
	return m
}
