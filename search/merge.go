package search

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// mergeSegments writes the documents of the segments at paths, in that
// order, into one new segment at out.
func mergeSegments(paths []string, out string) error {
	segs := make([]*segment, 0, len(paths))
	defer func() {
		for _, s := range segs {
			s.close()
		}
	}()
	for _, p := range paths {
		s, err := openSegment(p)
		if err != nil {
			return err
		}
		segs = append(segs, s)
	}
	bases := make([]uint32, len(segs))
	var c segmentContents
	for i, s := range segs {
		bases[i] = c.docs
		if uint64(c.docs)+uint64(s.ft.Docs) > 1<<31 {
			return fmt.Errorf("merge: more than 2^31 documents in one segment")
		}
		c.docs += s.ft.Docs
		c.sumTermFreq += s.ft.SumTermFreq
		for d := uint32(0); d < s.ft.Docs; d++ {
			c.lens = append(c.lens, s.docLen(d))
			c.ords = append(c.ords, s.ordinal(d))
			c.docIDs = append(c.docIDs, s.docID(d))
		}
		for b := 0; b < int(s.ft.StoreBlocks); b++ {
			first, data := s.storeBlockRaw(b)
			c.store = append(c.store, storeBlock{firstDoc: first + bases[i], data: data})
		}
	}
	c.fields = mergeValueFields(segs, bases)

	sw, err := newSegmentWriter(out, c.lens)
	if err != nil {
		return err
	}
	readers := make([]*dictReader, len(segs))
	live := make([]bool, len(segs))
	for i, s := range segs {
		readers[i] = &dictReader{dict: s.dict}
		live[i] = readers[i].next()
	}
	var docs, freqs, positions []uint32
	var term []byte
	var it postings
	for {
		term = term[:0]
		found := false
		for i, r := range readers {
			if live[i] && (!found || bytes.Compare(r.term, term) < 0) {
				term = append(term[:0], r.term...)
				found = true
			}
		}
		if !found {
			break
		}
		docs, freqs, positions = docs[:0], freqs[:0], positions[:0]
		for i, r := range readers {
			if !live[i] || !bytes.Equal(r.term, term) {
				continue
			}
			it.reset(segs[i], r.info)
			for d := it.nextDoc(); d != noMoreDocs; d = it.nextDoc() {
				docs = append(docs, uint32(d)+bases[i])
				freqs = append(freqs, it.freq())
				positions = it.positionsTo(positions)
			}
			live[i] = r.next()
		}
		if err := sw.addTerm(term, docs, freqs, positions); err != nil {
			sw.abort()
			return err
		}
	}
	return sw.finish(&c)
}

// mergeValueFields combines the exact-match fields of segs.
func mergeValueFields(segs []*segment, bases []uint32) []valueField {
	names := map[string]bool{}
	for _, s := range segs {
		for n := range s.fields {
			names[n] = true
		}
	}
	var fields []valueField
	for name := range names {
		byValue := map[string][]uint32{}
		for i, s := range segs {
			s.allValues(name, func(v string, docs []uint32) {
				for _, d := range docs {
					byValue[v] = append(byValue[v], d+bases[i])
				}
			})
		}
		f := valueField{name: name, entries: make([]valueEntry, 0, len(byValue))}
		for v, docs := range byValue {
			f.entries = append(f.entries, valueEntry{value: v, docs: docs})
		}
		sort.Slice(f.entries, func(a, b int) bool { return f.entries[a].value < f.entries[b].value })
		fields = append(fields, f)
	}
	sort.Slice(fields, func(a, b int) bool { return fields[a].name < fields[b].name })
	return fields
}

// segmentSize returns the size of a segment file, or 0.
func segmentSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// maybeMerge starts a background merge of a shard's smallest segments when
// it has MergeFactor or more and none is being merged.
func (b *build) maybeMerge(shard int) {
	b.segMu.Lock()
	defer b.segMu.Unlock()
	if b.merging[shard] || len(b.shards[shard]) < b.opts.MergeFactor {
		return
	}
	names := slices.Clone(b.shards[shard])
	sort.SliceStable(names, func(i, j int) bool {
		return segmentSize(filepath.Join(b.dir, names[i])) < segmentSize(filepath.Join(b.dir, names[j]))
	})
	pick := names[:b.opts.MergeFactor]
	b.merging[shard] = true
	b.merges.Add(1)
	go func() {
		defer b.merges.Done()
		err := b.mergeInto(shard, pick)
		b.segMu.Lock()
		b.merging[shard] = false
		if err != nil && b.mergeErr == nil {
			b.mergeErr = err
		}
		b.segMu.Unlock()
	}()
}

// mergeInto merges the named segments of a shard into a new one and
// replaces them in the shard's list, keeping the list's order.
func (b *build) mergeInto(shard int, names []string) error {
	b.segMu.Lock()
	ordered := make([]string, 0, len(names))
	pick := map[string]bool{}
	for _, n := range names {
		pick[n] = true
	}
	for _, n := range b.shards[shard] {
		if pick[n] {
			ordered = append(ordered, n)
		}
	}
	b.segMu.Unlock()
	out := b.newSegmentName()
	paths := make([]string, len(ordered))
	for i, n := range ordered {
		paths[i] = filepath.Join(b.dir, n)
	}
	if err := mergeSegments(paths, filepath.Join(b.dir, out)); err != nil {
		return fmt.Errorf("search: merge into %s: %w", out, err)
	}
	b.segMu.Lock()
	defer b.segMu.Unlock()
	var next []string
	placed := false
	for _, n := range b.shards[shard] {
		if pick[n] {
			if !placed {
				next = append(next, out)
				placed = true
			}
			continue
		}
		next = append(next, n)
	}
	b.shards[shard] = next
	if b.old == nil || !b.isOld(ordered) {
		for _, p := range paths {
			os.Remove(p)
		}
	}
	return nil
}

// isOld reports whether any of names belongs to the last commit, whose
// files must survive until the new commit replaces it.
func (b *build) isOld(names []string) bool {
	for _, s := range b.old.Shards {
		for _, n := range s {
			if slices.Contains(names, n) {
				return true
			}
		}
	}
	return false
}

// finalMerge merges each shard into one segment.
func (b *build) finalMerge(ctx context.Context) error {
	errs := make(chan error, len(b.shards))
	for i := range b.shards {
		go func(i int) {
			if len(b.shards[i]) <= 1 || ctx.Err() != nil {
				errs <- ctx.Err()
				return
			}
			errs <- b.mergeInto(i, slices.Clone(b.shards[i]))
		}(i)
	}
	var first error
	for range b.shards {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
