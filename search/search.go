package search

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/fmkit/fmkit/search/analysis"
)

// SearchOptions configure a search. A nil *SearchOptions means the
// defaults.
type SearchOptions struct {
	// K is the number of hits to return. The default value is 10.
	K int
	// Offset skips the first Offset hits, for pagination.
	Offset int
	// BM25 overrides the index's k1 and b.
	BM25 *BM25
	// Similarity overrides the index's similarity (see Similarity).
	Similarity Similarity
	// Snippets asks for a highlighted snippet of each hit.
	Snippets bool
	// SnippetParts also returns each snippet in pieces (Hit.Parts).
	SnippetParts bool
	// NoMeta leaves the hits' meta out, so that results need not read the
	// document store.
	NoMeta bool
	// ExactTotal counts every match. By default a disjunction of terms
	// counts its first TotalThreshold matches exactly and then skips
	// documents that cannot reach the top k (MaxScore pruning), making
	// Total a lower bound.
	ExactTotal bool
	// TotalThreshold is the number of matches counted exactly before
	// pruning starts. The default value is 1000.
	TotalThreshold int64
	// MaxClauses bounds the terms, phrases and field matches of a query,
	// checked before it runs, as Lucene's maxClauseCount does: a query of
	// 100,000 terms ran for a minute. The default value is 1024
	// (DefaultMaxClauses).
	MaxClauses int
}

// validate reports every option that cannot describe a search.
func (o *SearchOptions) validate() error {
	var errs []string
	if o.K < 0 {
		errs = append(errs, fmt.Sprintf("K (%d) must be >= 0", o.K))
	}
	if o.Offset < 0 {
		errs = append(errs, fmt.Sprintf("offset %d must be >= 0", o.Offset))
	}
	if o.MaxClauses < 0 {
		errs = append(errs, fmt.Sprintf("MaxClauses (%d) must be >= 0", o.MaxClauses))
	}
	if p := o.BM25; p != nil {
		if !(p.K1 >= 0) || math.IsInf(float64(p.K1), 0) {
			errs = append(errs, fmt.Sprintf("BM25 k1 (%g) must be a finite number >= 0", p.K1))
		}
		if !(p.B >= 0 && p.B <= 1) {
			errs = append(errs, fmt.Sprintf("BM25 b (%g) must be in [0, 1]", p.B))
		}
	}
	if len(errs) > 0 {
		return errors.New("search: " + strings.Join(errs, "; "))
	}
	return nil
}

// countClauses counts the terms, phrases and field matches of q.
func countClauses(q Query) int {
	if b, ok := q.(*BoolQuery); ok {
		n := 0
		for _, c := range b.Clauses {
			n += countClauses(c.Query)
		}
		return n
	}
	return 1
}

// BM25 holds the parameters of BM25 scoring.
type BM25 struct{ K1, B float32 }

// Hit is one search result.
type Hit struct {
	ID      string  `json:"id"`
	Score   float32 `json:"score"`
	Snippet string  `json:"snippet,omitempty"`
	// Parts is the snippet in pieces, with SearchOptions.SnippetParts.
	Parts []SnippetPart   `json:"parts,omitempty"`
	Meta  json.RawMessage `json:"meta,omitempty"`
}

// Results is the answer to a search.
type Results struct {
	Hits []Hit `json:"hits"`
	// Total is the number of matching documents, or a lower bound of it
	// when TotalExact is false.
	Total      int64         `json:"total"`
	TotalExact bool          `json:"total_exact"`
	Took       time.Duration `json:"-"`
}

// Search runs query q (see ParseQuery) over the index.
func (ix *Index) Search(ctx context.Context, q string, opts *SearchOptions) (*Results, error) {
	start := time.Now()
	maxClauses := 0
	if opts != nil {
		maxClauses = opts.MaxClauses
	}
	pq, err := ParseQueryLimited(q, maxClauses)
	if err != nil {
		return nil, err
	}
	res, err := ix.SearchQuery(ctx, pq, opts)
	if err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// SearchQuery runs a parsed query.
func (ix *Index) SearchQuery(ctx context.Context, q Query, opts *SearchOptions) (res *Results, err error) {
	defer recoverCorrupt(&err)
	start := time.Now()
	o := SearchOptions{K: 10}
	if opts != nil {
		o = *opts
		if err := o.validate(); err != nil {
			return nil, err
		}
		if o.K == 0 {
			o.K = 10
		}
	}
	if o.TotalThreshold <= 0 {
		o.TotalThreshold = 1000
	}
	if o.MaxClauses == 0 {
		o.MaxClauses = DefaultMaxClauses
	}
	if n := countClauses(q); n > o.MaxClauses {
		return nil, fmt.Errorf("%w: %d clauses, more than MaxClauses (%d)", ErrQueryLimit, n, o.MaxClauses)
	}
	params := BM25{K1: ix.commit.K1, B: ix.commit.B}
	if o.BM25 != nil {
		params = *o.BM25
	}
	sim := ix.similarity()
	if o.Similarity != "" {
		if sim, err = ParseSimilarity(string(o.Similarity)); err != nil {
			return nil, err
		}
	}
	w, err := ix.compile(q, ix.analyzer, params, sim)
	if err != nil {
		return nil, err
	}
	res = &Results{Hits: []Hit{}, TotalExact: true}
	if w == nil {
		res.Took = time.Since(start)
		return res, nil
	}
	want := o.Offset + o.K
	tops := make([]*topK, len(ix.shards))
	totals := make([]int64, len(ix.shards))
	exacts := make([]bool, len(ix.shards))
	errs := make([]error, len(ix.shards))
	var wg sync.WaitGroup
	for i, segs := range ix.shards {
		wg.Add(1)
		go func(i int, segs []*segment) {
			defer wg.Done()
			defer recoverCorrupt(&errs[i])
			tk := &topK{k: want}
			exacts[i] = true
			for _, s := range segs {
				if ctx.Err() != nil {
					return
				}
				n, exact := w.collect(s, tk, o.ExactTotal, o.TotalThreshold)
				totals[i] += n
				exacts[i] = exacts[i] && exact
			}
			tops[i] = tk
		}(i, segs)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	all := &topK{k: want}
	for i, tk := range tops {
		res.Total += totals[i]
		res.TotalExact = res.TotalExact && exacts[i]
		for _, h := range tk.h {
			all.offer(h)
		}
	}
	hits := all.sorted()
	if o.Offset < len(hits) {
		hits = hits[o.Offset:]
	} else {
		hits = nil
	}
	terms := w.highlightTerms()
	for _, h := range hits {
		hit, err := ix.hit(h, terms, o.Snippets, o.SnippetParts, !o.NoMeta)
		if err != nil {
			return nil, err
		}
		res.Hits = append(res.Hits, hit)
	}
	res.Took = time.Since(start)
	return res, nil
}

// scored is a candidate hit.
type scored struct {
	score float32
	ord   uint64
	seg   *segment
	doc   int32
}

// better orders hits by score, then by input order, as Lucene breaks ties
// by doc id.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.ord < b.ord
}

// topK keeps the k best hits in a min-heap (worst on top).
type topK struct {
	k int
	h []scored
}

func (t *topK) Len() int           { return len(t.h) }
func (t *topK) Less(i, j int) bool { return better(t.h[j], t.h[i]) }
func (t *topK) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topK) Push(x any)         { t.h = append(t.h, x.(scored)) }
func (t *topK) Pop() any           { x := t.h[len(t.h)-1]; t.h = t.h[:len(t.h)-1]; return x }

// full reports whether the heap holds k hits.
func (t *topK) full() bool { return len(t.h) >= t.k }

// minScore returns the worst kept score.
func (t *topK) minScore() float32 { return t.h[0].score }

func (t *topK) offer(s scored) {
	if len(t.h) < t.k {
		heap.Push(t, s)
		return
	}
	if better(s, t.h[0]) {
		t.h[0] = s
		heap.Fix(t, 0)
	}
}

func (t *topK) sorted() []scored {
	out := make([]scored, len(t.h))
	copy(out, t.h)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && better(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// recoverCorrupt turns a panic from reading a damaged segment (an index
// out of range while decoding) into an ErrCorrupt error.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v (run fmkit search stats --verify)", ErrCorrupt, r)
	}
}

// hit loads the stored record of a result.
func (ix *Index) hit(s scored, terms map[string]bool, snippet, parts, meta bool) (h Hit, err error) {
	defer recoverCorrupt(&err)
	h = Hit{ID: s.seg.docID(uint32(s.doc)), Score: s.score}
	if !snippet && !meta {
		return h, nil
	}
	rec, err := s.seg.record(uint32(s.doc))
	if err != nil {
		return Hit{}, err
	}
	f := ix.fields()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rec, &fields); err != nil {
		return Hit{}, fmt.Errorf("search: stored record of doc %d: %w: %v", s.doc, ErrCorrupt, err)
	}
	if m, ok := fields[f.Meta]; ok && meta && string(m) != "null" {
		h.Meta = m
	}
	if snippet {
		var text string
		json.Unmarshal(fields[f.Contents], &text)
		p := snippetParts(ix.analyzer, text, terms)
		h.Snippet = renderSnippet(p)
		if parts {
			h.Parts = p
		}
	}
	return h, nil
}

// Fields returns the JSON field names the index's records use.
func (ix *Index) Fields() Fields { return ix.fields() }

func (ix *Index) fields() Fields {
	f := ix.commit.Fields
	f.ensureDefaults()
	return f
}

// snippetTokens is the length of a snippet in tokens.
const snippetTokens = 32

// SnippetPart is a piece of a snippet: query terms are pieces of their
// own with Match set, so that a caller can mark them without parsing
// markup.
type SnippetPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// renderSnippet joins parts, marking matches <b>like this</b>.
func renderSnippet(parts []SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("<b>" + p.Text + "</b>")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// snippetParts cuts the snippetTokens tokens of text with the most query
// terms into pieces, with whitespace runs collapsed to single spaces.
func snippetParts(a analysis.Analyzer, text string, terms map[string]bool) []SnippetPart {
	var ts analysis.Tokens
	a.Analyze(&ts, text)
	if ts.Len() == 0 {
		return collapseParts([]SnippetPart{{Text: cut(text, 200)}})
	}
	match := make([]bool, ts.Len())
	for i := range match {
		match[i] = terms[string(ts.Term(i))]
	}
	best, bestN, n := 0, -1, 0
	for i := 0; i < ts.Len(); i++ {
		if match[i] {
			n++
		}
		if i >= snippetTokens && match[i-snippetTokens] {
			n--
		}
		if n > bestN {
			bestN = n
			best = max(0, i-snippetTokens+1)
		}
	}
	end := min(ts.Len(), best+snippetTokens)
	return collapseParts(highlightParts(text, &ts, match, best, end))
}

// highlightParts cuts text[from token's start : to token's end] (the
// whole of text at the edges) into pieces at the matching tokens.
func highlightParts(text string, ts *analysis.Tokens, match []bool, from, to int) []SnippetPart {
	var parts []SnippetPart
	if from > 0 {
		parts = append(parts, SnippetPart{Text: "… "})
	}
	pos := int(ts.Start[from])
	if from == 0 {
		pos = 0
	}
	stop := int(ts.End[to-1])
	if to == ts.Len() {
		stop = len(text)
	}
	for i := from; i < to; i++ {
		if !match[i] {
			continue
		}
		parts = append(parts, SnippetPart{Text: text[pos:ts.Start[i]]}, SnippetPart{Text: text[ts.Start[i]:ts.End[i]], Match: true})
		pos = int(ts.End[i])
	}
	parts = append(parts, SnippetPart{Text: text[pos:stop]})
	if to < ts.Len() {
		parts = append(parts, SnippetPart{Text: " …"})
	}
	return parts
}

// collapseParts turns whitespace runs into single spaces across the
// pieces, trims the ends and drops empty pieces.
func collapseParts(parts []SnippetPart) []SnippetPart {
	var out []SnippetPart
	space := true // at the start, leading space is dropped
	for _, p := range parts {
		var b strings.Builder
		for _, r := range p.Text {
			if unicode.IsSpace(r) {
				if !space {
					b.WriteByte(' ')
				}
				space = true
				continue
			}
			b.WriteRune(r)
			space = false
		}
		if b.Len() > 0 {
			out = append(out, SnippetPart{Text: b.String(), Match: p.Match})
		}
	}
	if n := len(out); n > 0 {
		out[n-1].Text = strings.TrimRight(out[n-1].Text, " ")
		if out[n-1].Text == "" {
			out = out[:n-1]
		}
	}
	return out
}

// Highlight cuts text into pieces, marking the words that match the
// positive terms of query q (as the index analyses them), for showing a
// whole document with its matches.
func (ix *Index) Highlight(text, q string) ([]SnippetPart, error) {
	pq, err := ParseQuery(q)
	if err != nil {
		return nil, err
	}
	w, err := ix.compile(pq, ix.analyzer, BM25{K1: ix.commit.K1, B: ix.commit.B}, ix.similarity())
	if err != nil {
		return nil, err
	}
	if w == nil {
		return []SnippetPart{{Text: text}}, nil
	}
	terms := w.highlightTerms()
	var ts analysis.Tokens
	ix.analyzer.Analyze(&ts, text)
	if ts.Len() == 0 {
		return []SnippetPart{{Text: text}}, nil
	}
	match := make([]bool, ts.Len())
	for i := range match {
		match[i] = terms[string(ts.Term(i))]
	}
	var out []SnippetPart
	for _, p := range highlightParts(text, &ts, match, 0, ts.Len()) {
		if p.Text != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
