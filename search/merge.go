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
			c.idBytes = append(c.idBytes, s.docID(d)...)
			c.idEnds = append(c.idEnds, uint32(len(c.idBytes)))
		}
		for b := 0; b < int(s.ft.StoreBlocks); b++ {
			first, data := s.storeBlockRaw(b)
			c.store = append(c.store, storeBlock{firstDoc: first + bases[i], data: data})
		}
	}
	c.fieldBytes = mergeValueFields(segs, bases)

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
	var positions []uint32
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
		sw.startTerm(term)
		for i, r := range readers {
			if !live[i] || !bytes.Equal(r.term, term) {
				continue
			}
			it.reset(segs[i], r.info)
			for d := it.nextDoc(); d != noMoreDocs; d = it.nextDoc() {
				positions = it.positionsTo(positions[:0])
				if err := sw.addDoc(uint32(d)+bases[i], it.freq(), positions); err != nil {
					sw.abort()
					return err
				}
			}
			live[i] = r.next()
		}
		if err := sw.finishTerm(); err != nil {
			sw.abort()
			return err
		}
	}
	return sw.finish(&c)
}

// mergeValueFields combines the exact-match fields of segs, streaming each
// field's sorted values through a k-way merge.
func mergeValueFields(segs []*segment, bases []uint32) []byte {
	names := map[string]bool{}
	for _, s := range segs {
		for n := range s.fields {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	out := appendUvarint(nil, uint64(len(sorted)))
	var docs []uint32
	for _, name := range sorted {
		its := make([]*valueIter, 0, len(segs))
		for i, s := range segs {
			if vd := s.fields[name]; vd != nil {
				it := &valueIter{vd: vd, base: bases[i]}
				if it.next() {
					its = append(its, it)
				}
			}
		}
		var vw valueFieldWriter
		var cur []byte
		for len(its) > 0 {
			cur = append(cur[:0], its[0].cur...)
			for _, it := range its[1:] {
				if bytes.Compare(it.cur, cur) < 0 {
					cur = append(cur[:0], it.cur...)
				}
			}
			docs = docs[:0]
			live := its[:0]
			for _, it := range its {
				ok := true
				if bytes.Equal(it.cur, cur) {
					docs = append(docs, it.docs...)
					ok = it.next()
				}
				if ok {
					live = append(live, it)
				}
			}
			its = live
			vw.add(cur, docs)
		}
		out = vw.appendTo(out, name)
	}
	return out
}

// valueIter walks one segment's values of a field in order, with their
// documents shifted by base.
type valueIter struct {
	vd   *valueDict
	base uint32
	off  int
	i    int
	cur  []byte
	docs []uint32
}

func (it *valueIter) next() bool {
	vd := it.vd
	if it.i >= vd.n || it.off >= len(vd.dict) {
		return false
	}
	if it.i%termIndexEvery == 0 {
		it.cur = it.cur[:0]
	}
	it.i++
	prefix := int(uvarint(vd.dict, &it.off))
	n := int(uvarint(vd.dict, &it.off))
	if prefix > len(it.cur) || it.off+n > len(vd.dict) {
		return false
	}
	it.cur = append(it.cur[:prefix], vd.dict[it.off:it.off+n]...)
	it.off += n
	ndocs := int(uvarint(vd.dict, &it.off))
	it.docs = it.docs[:0]
	last := uint32(0)
	for j := 0; j < ndocs; j++ {
		last += uint32(uvarint(vd.dict, &it.off))
		it.docs = append(it.docs, last+it.base)
	}
	return true
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
