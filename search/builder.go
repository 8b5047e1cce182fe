package search

import (
	"slices"
	"strings"

	"github.com/fmkit/fmkit/search/analysis"
)

// Document is one record to index.
type Document struct {
	// ID identifies the document; it must be unique in the index.
	ID string
	// Contents is the text that is analysed and searched.
	Contents string
	// Meta holds exact-match fields (meta.KEY:VALUE in queries). Values are
	// strings; numbers and booleans are written as in JSON.
	Meta map[string]string
	// Record is what the document store returns: the original record.
	Record []byte
}

// termBuf collects one term's postings in memory: uvarint (doc delta,
// freq) pairs, where each freq is written once the next document starts,
// and uvarint position deltas per document.
type termBuf struct {
	docs    []byte
	pos     []byte
	lastDoc int32
	freq    uint32
	lastPos uint32
	df      uint32
}

// builder is an in-memory segment: the inverted index of the documents
// added since the last flush.
type builder struct {
	analyzer analysis.Analyzer
	tokens   analysis.Tokens

	termIDs map[string]int32
	terms   []termBuf

	ords        []uint64
	lens        []uint32
	sumTermFreq uint64
	idBytes     []byte
	idEnds      []uint32
	meta        map[string]map[string][]uint32
	store       *storeEncoder
	ramBytes    int
	scratch     []byte // for JSON unescaping
}

func newBuilder(a analysis.Analyzer) *builder {
	return &builder{
		analyzer: a,
		termIDs:  make(map[string]int32),
		meta:     make(map[string]map[string][]uint32),
		store:    newStoreEncoder(),
	}
}

func (b *builder) numDocs() int { return len(b.lens) }

// add indexes doc with ordinal ord (its position in the input).
func (b *builder) add(doc *Document, ord uint64) {
	d := int32(len(b.lens))
	b.analyzer.Analyze(&b.tokens, doc.Contents)
	ts := &b.tokens
	for i := 0; i < ts.Len(); i++ {
		term := ts.Term(i)
		id, ok := b.termIDs[string(term)]
		if !ok {
			id = int32(len(b.terms))
			b.termIDs[string(term)] = id
			b.terms = append(b.terms, termBuf{lastDoc: -1})
			b.ramBytes += len(term) + 96
		}
		t := &b.terms[id]
		pos := uint32(ts.Pos[i])
		before := cap(t.docs) + cap(t.pos)
		if t.lastDoc != d {
			if t.lastDoc >= 0 {
				t.docs = appendUvarint(t.docs, uint64(t.freq))
				t.docs = appendUvarint(t.docs, uint64(d-t.lastDoc))
			} else {
				t.docs = appendUvarint(t.docs, uint64(d))
			}
			t.lastDoc, t.freq, t.lastPos = d, 0, 0
			t.df++
		}
		t.freq++
		t.pos = appendUvarint(t.pos, uint64(pos-t.lastPos))
		t.lastPos = pos
		b.ramBytes += cap(t.docs) + cap(t.pos) - before
	}
	n := uint32(ts.Len())
	b.lens = append(b.lens, n)
	b.sumTermFreq += uint64(n)
	b.ords = append(b.ords, ord)
	b.idBytes = append(b.idBytes, doc.ID...)
	b.idEnds = append(b.idEnds, uint32(len(b.idBytes)))
	b.ramBytes += len(doc.ID) + 16 + 12
	for k, v := range doc.Meta {
		vals := b.meta[k]
		if vals == nil {
			vals = make(map[string][]uint32)
			b.meta[k] = vals
		}
		vals[v] = append(vals[v], uint32(d))
		b.ramBytes += len(v) + 24
	}
	before := cap(b.store.raw) + cap(b.store.lens)
	b.store.add(uint32(d), doc.Record)
	b.ramBytes += cap(b.store.raw) + cap(b.store.lens) - before
	if n := len(b.store.blocks); n > 0 {
		b.ramBytes += len(b.store.blocks[n-1].data)
	}
}

// flush writes the builder's documents as a segment file at path.
func (b *builder) flush(path string) error {
	sw, err := newSegmentWriter(path, b.lens)
	if err != nil {
		return err
	}
	order := make([]string, 0, len(b.termIDs))
	for t := range b.termIDs {
		order = append(order, t)
	}
	slices.Sort(order)
	var docs, freqs, positions []uint32
	for _, term := range order {
		t := &b.terms[b.termIDs[term]]
		docs, freqs, positions = t.decode(docs[:0], freqs[:0], positions[:0])
		if err := sw.addTerm([]byte(term), docs, freqs, positions); err != nil {
			sw.abort()
			return err
		}
	}
	b.store.flush()
	c := &segmentContents{
		docs:        uint32(len(b.lens)),
		sumTermFreq: b.sumTermFreq,
		ords:        b.ords,
		lens:        b.lens,
		store:       b.store.blocks,
		fields:      b.valueFields(),
		idBytes:     b.idBytes,
		idEnds:      b.idEnds,
	}
	return sw.finish(c)
}

// decode expands the term's buffers into doc, freq and position lists.
func (t *termBuf) decode(docs, freqs, positions []uint32) ([]uint32, []uint32, []uint32) {
	off := 0
	doc := uint32(0)
	for i := uint32(0); i < t.df; i++ {
		if i == 0 {
			doc = uint32(uvarint(t.docs, &off))
		} else {
			freqs = append(freqs, uint32(uvarint(t.docs, &off)))
			doc += uint32(uvarint(t.docs, &off))
		}
		docs = append(docs, doc)
	}
	freqs = append(freqs, t.freq)
	off = 0
	for _, f := range freqs {
		p := uint32(0)
		for j := uint32(0); j < f; j++ {
			p += uint32(uvarint(t.pos, &off))
			positions = append(positions, p)
		}
	}
	return docs, freqs, positions
}

// valueFields returns the id field and the meta fields, sorted.
func (b *builder) valueFields() []valueField {
	ids := make([]valueEntry, len(b.idEnds))
	start := uint32(0)
	for i, end := range b.idEnds {
		ids[i] = valueEntry{value: string(b.idBytes[start:end]), docs: []uint32{uint32(i)}}
		start = end
	}
	slices.SortFunc(ids, func(x, y valueEntry) int { return strings.Compare(x.value, y.value) })
	fields := []valueField{{name: idField, entries: ids}}
	for k, vals := range b.meta {
		f := valueField{name: metaPrefix + k}
		for v, docs := range vals {
			f.entries = append(f.entries, valueEntry{value: v, docs: docs})
		}
		slices.SortFunc(f.entries, func(x, y valueEntry) int { return strings.Compare(x.value, y.value) })
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(x, y valueField) int { return strings.Compare(x.name, y.name) })
	return fields
}

// Names of the exact-match fields in a segment.
const (
	idField    = "id"
	metaPrefix = "meta."
)
