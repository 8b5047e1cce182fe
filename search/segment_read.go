package search

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/fmkit/fmkit/internal/mmap"
)

// ErrCorrupt marks errors caused by an index file that is damaged.
var ErrCorrupt = errors.New("search: index corrupted")

// ErrNewerFormat marks an index written by a newer version of fmkit.
var ErrNewerFormat = errors.New("search: index format is newer than this fmkit supports")

// segment is an open, memory-mapped segment file.
type segment struct {
	name  string
	data  []byte
	unmap func() error
	ft    segmentFooter

	postings, positions []byte
	dict, dictIndex     []byte
	lens, ords          []byte
	store, storeIndex   []byte
	fields              map[string]*valueDict
	idEnds, idBytes     []byte
	normArrays          sync.Map // *normTable -> []float32
}

// valueDict is an exact-match field of a segment (see encodeValueFields).
type valueDict struct {
	n           int
	dict, index []byte
}

func openSegment(path string) (*segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < 24 {
		return nil, fmt.Errorf("segment %s: %w: file too short", path, ErrCorrupt)
	}
	data, unmap, err := mmap.File(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("segment %s: map: %w", path, err)
	}
	s := &segment{name: path, data: data, unmap: unmap}
	if err := s.parse(); err != nil {
		unmap()
		return nil, fmt.Errorf("segment %s: %w", path, err)
	}
	return s, nil
}

func (s *segment) close() error { return s.unmap() }

func (s *segment) parse() error {
	d := s.data
	if string(d[:8]) != segMagic || string(d[len(d)-8:]) != segMagic {
		return fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(d[8:]); v > segVersion {
		return fmt.Errorf("%w: segment format version %d, this fmkit reads up to %d", ErrNewerFormat, v, segVersion)
	}
	footLen := int(binary.LittleEndian.Uint32(d[len(d)-16:]))
	footStart := len(d) - 16 - footLen
	if footStart < 12 {
		return fmt.Errorf("%w: bad footer length", ErrCorrupt)
	}
	foot := d[footStart : len(d)-16]
	for _, f := range s.ft.fields() {
		switch v := f.(type) {
		case *uint8:
			if len(foot) < 1 {
				return fmt.Errorf("%w: short footer", ErrCorrupt)
			}
			*v, foot = foot[0], foot[1:]
		case *uint32:
			if len(foot) < 4 {
				return fmt.Errorf("%w: short footer", ErrCorrupt)
			}
			*v, foot = binary.LittleEndian.Uint32(foot), foot[4:]
		case *uint64:
			if len(foot) < 8 {
				return fmt.Errorf("%w: short footer", ErrCorrupt)
			}
			*v, foot = binary.LittleEndian.Uint64(foot), foot[8:]
		}
	}
	ft := &s.ft
	offs := []uint64{12, ft.PostingsOff, ft.PositionsOff, ft.DictOff, ft.DictIndexOff, ft.DocTableOff, ft.StoreOff, ft.StoreIndex, ft.MetaOff, ft.MetaOff + ft.MetaLen, ft.IDsOff, ft.IDBytesOff, uint64(footStart)}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			return fmt.Errorf("%w: sections out of order", ErrCorrupt)
		}
	}
	s.postings = d[ft.PostingsOff:ft.PositionsOff]
	s.positions = d[ft.PositionsOff:ft.DictOff]
	s.dict = d[ft.DictOff:ft.DictIndexOff]
	s.dictIndex = d[ft.DictIndexOff:ft.DocTableOff]
	lenBytes := (int(ft.Docs)*int(ft.LenWidth)+7)/8 + 8
	ordBytes := (int(ft.Docs)*int(ft.OrdWidth)+7)/8 + 9
	if ft.DocTableOff+uint64(lenBytes+ordBytes) > ft.StoreOff || ft.LenWidth > 32 || ft.OrdWidth > 64 {
		return fmt.Errorf("%w: doc table", ErrCorrupt)
	}
	s.lens = d[ft.DocTableOff : ft.DocTableOff+uint64(lenBytes)]
	s.ords = d[ft.DocTableOff+uint64(lenBytes) : ft.DocTableOff+uint64(lenBytes+ordBytes)]
	s.store = d[ft.StoreOff:ft.StoreIndex]
	s.storeIndex = d[ft.StoreIndex:ft.MetaOff]
	if len(s.storeIndex) != int(ft.StoreBlocks)*12+8 || len(s.dictIndex)%4 != 0 {
		return fmt.Errorf("%w: index tables", ErrCorrupt)
	}
	idTable := (int(ft.Docs+1)*int(ft.IDsWidth)+7)/8 + 8
	if ft.IDsWidth > 32 || ft.IDsOff+uint64(idTable) != ft.IDBytesOff {
		return fmt.Errorf("%w: id table", ErrCorrupt)
	}
	s.idEnds = d[ft.IDsOff:ft.IDBytesOff]
	s.idBytes = d[ft.IDBytesOff:footStart]
	if ft.Docs > 0 && int(packedAt(s.idEnds, int(ft.IDsWidth), int(ft.Docs))) != len(s.idBytes) {
		return fmt.Errorf("%w: id bytes", ErrCorrupt)
	}
	return s.parseFields(d[ft.MetaOff : ft.MetaOff+ft.MetaLen])
}

// docID returns the id of document doc.
func (s *segment) docID(doc uint32) string {
	w := int(s.ft.IDsWidth)
	start := packedAt(s.idEnds, w, int(doc))
	end := packedAt(s.idEnds, w, int(doc)+1)
	return string(s.idBytes[start:end])
}

func (s *segment) parseFields(b []byte) error {
	off := 0
	n := uvarint(b, &off)
	s.fields = make(map[string]*valueDict, n)
	for i := uint64(0); i < n && off <= len(b); i++ {
		nameLen := int(uvarint(b, &off))
		if off+nameLen > len(b) {
			break
		}
		name := string(b[off : off+nameLen])
		off += nameLen
		entries := int(uvarint(b, &off))
		dictLen := int(uvarint(b, &off))
		indexLen := int(uvarint(b, &off))
		if off > len(b) || dictLen < 0 || indexLen < 0 || off+dictLen+indexLen > len(b) {
			return fmt.Errorf("%w: field %q", ErrCorrupt, name)
		}
		s.fields[name] = &valueDict{n: entries, dict: b[off : off+dictLen], index: b[off+dictLen : off+dictLen+indexLen]}
		off += dictLen + indexLen
	}
	if off != len(b) {
		return fmt.Errorf("%w: meta section", ErrCorrupt)
	}
	return nil
}

// verify checks the file's CRC-32.
func (s *segment) verify() error {
	d := s.data
	want := binary.LittleEndian.Uint32(d[len(d)-12:])
	if got := crc32.ChecksumIEEE(d[:len(d)-12]); got != want {
		return fmt.Errorf("segment %s: %w: checksum %08x, want %08x", s.name, ErrCorrupt, got, want)
	}
	return nil
}

func (s *segment) docLen(doc uint32) uint32 { return packedAt(s.lens, int(s.ft.LenWidth), int(doc)) }

func (s *segment) ordinal(doc uint32) uint64 {
	return s.ft.OrdBase + packedAt64(s.ords, int(s.ft.OrdWidth), int(doc))
}

// termInfo describes one term's postings in a segment.
type termInfo struct {
	df, maxFreq, minLen uint32
	postOff, posOff     uint64
	blocksLen           uint64 // multi-block terms: where the skip table starts
}

// dictReader walks the term dictionary's entries in order.
type dictReader struct {
	dict    []byte
	off     int
	term    []byte
	info    termInfo
	inBlock int
}

// next decodes the entry at r.off. It returns false at the end or on a
// malformed entry.
func (r *dictReader) next() bool {
	if r.off >= len(r.dict) {
		return false
	}
	if r.inBlock%termIndexEvery == 0 {
		r.term = r.term[:0]
		r.info.postOff, r.info.posOff = 0, 0
	}
	r.inBlock++
	prefix := int(uvarint(r.dict, &r.off))
	n := int(uvarint(r.dict, &r.off))
	if prefix > len(r.term) || r.off+n > len(r.dict) {
		r.off = len(r.dict) + 1
		return false
	}
	r.term = append(r.term[:prefix], r.dict[r.off:r.off+n]...)
	r.off += n
	r.info.df = uint32(uvarint(r.dict, &r.off))
	r.info.postOff += uvarint(r.dict, &r.off)
	r.info.posOff += uvarint(r.dict, &r.off)
	r.info.maxFreq = uint32(uvarint(r.dict, &r.off))
	r.info.minLen = uint32(uvarint(r.dict, &r.off))
	r.info.blocksLen = 0
	if r.info.df > blockSize {
		r.info.blocksLen = uvarint(r.dict, &r.off)
	}
	return r.off <= len(r.dict)
}

func (s *segment) numDictBlocks() int { return len(s.dictIndex) / 4 }

func (s *segment) dictBlockOff(i int) int {
	return int(binary.LittleEndian.Uint32(s.dictIndex[4*i:]))
}

// firstTermOf returns the first term of dictionary block i.
func (s *segment) firstTermOf(i int) []byte {
	off := s.dictBlockOff(i)
	_ = uvarint(s.dict, &off) // prefix, always 0
	n := int(uvarint(s.dict, &off))
	if off+n > len(s.dict) {
		return nil
	}
	return s.dict[off : off+n]
}

// lookup finds term in the dictionary.
func (s *segment) lookup(term []byte) (termInfo, bool) {
	nb := s.numDictBlocks()
	// Last block whose first term <= term.
	b := sort.Search(nb, func(i int) bool { return bytes.Compare(s.firstTermOf(i), term) > 0 }) - 1
	if b < 0 {
		return termInfo{}, false
	}
	r := dictReader{dict: s.dict, off: s.dictBlockOff(b)}
	for i := 0; i < termIndexEvery && r.next(); i++ {
		switch c := bytes.Compare(r.term, term); {
		case c == 0:
			return r.info, true
		case c > 0:
			return termInfo{}, false
		}
	}
	return termInfo{}, false
}

// lookupValue returns the documents whose field holds exactly value.
func (s *segment) lookupValue(field, value string) []uint32 {
	vd := s.fields[field]
	if vd == nil || len(vd.index) == 0 {
		return nil
	}
	nb := len(vd.index) / 4
	blockOff := func(i int) int { return int(binary.LittleEndian.Uint32(vd.index[4*i:])) }
	first := func(i int) string {
		off := blockOff(i)
		_ = uvarint(vd.dict, &off)
		n := int(uvarint(vd.dict, &off))
		if off+n > len(vd.dict) {
			return ""
		}
		return string(vd.dict[off : off+n])
	}
	b := sort.Search(nb, func(i int) bool { return first(i) > value }) - 1
	if b < 0 {
		return nil
	}
	off := blockOff(b)
	var cur []byte
	for i := 0; i < termIndexEvery && off < len(vd.dict); i++ {
		prefix := int(uvarint(vd.dict, &off))
		n := int(uvarint(vd.dict, &off))
		if prefix > len(cur) || off+n > len(vd.dict) {
			return nil
		}
		cur = append(cur[:prefix], vd.dict[off:off+n]...)
		off += n
		ndocs := int(uvarint(vd.dict, &off))
		c := bytes.Compare(cur, []byte(value))
		if c > 0 {
			return nil
		}
		var docs []uint32
		last := uint32(0)
		for j := 0; j < ndocs && off <= len(vd.dict); j++ {
			last += uint32(uvarint(vd.dict, &off))
			if c == 0 {
				docs = append(docs, last)
			}
		}
		if c == 0 {
			return docs
		}
	}
	return nil
}

// allValues calls fn for each value of field in order, with its documents.
func (s *segment) allValues(field string, fn func(value string, docs []uint32)) {
	vd := s.fields[field]
	if vd == nil {
		return
	}
	off := 0
	var cur []byte
	var docs []uint32
	for i := 0; i < vd.n && off < len(vd.dict); i++ {
		if i%termIndexEvery == 0 {
			cur = cur[:0]
		}
		prefix := int(uvarint(vd.dict, &off))
		n := int(uvarint(vd.dict, &off))
		if prefix > len(cur) || off+n > len(vd.dict) {
			return
		}
		cur = append(cur[:prefix], vd.dict[off:off+n]...)
		off += n
		ndocs := int(uvarint(vd.dict, &off))
		docs = docs[:0]
		last := uint32(0)
		for j := 0; j < ndocs; j++ {
			last += uint32(uvarint(vd.dict, &off))
			docs = append(docs, last)
		}
		fn(string(cur), docs)
	}
}

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		panic(err) // only fails on invalid options
	}
	return d
}}

// record returns the stored record of doc.
func (s *segment) record(doc uint32) ([]byte, error) {
	nb := int(s.ft.StoreBlocks)
	idx := s.storeIndex
	first := func(i int) uint32 { return binary.LittleEndian.Uint32(idx[12*i:]) }
	b := sort.Search(nb, func(i int) bool { return first(i) > doc }) - 1
	if b < 0 {
		return nil, fmt.Errorf("segment %s: %w: doc %d not in store", s.name, ErrCorrupt, doc)
	}
	start := binary.LittleEndian.Uint64(idx[12*b+4:])
	var end uint64
	if b+1 < nb {
		end = binary.LittleEndian.Uint64(idx[12*(b+1)+4:])
	} else {
		end = binary.LittleEndian.Uint64(idx[12*nb:])
	}
	if start > end || end > uint64(len(s.store)) {
		return nil, fmt.Errorf("segment %s: %w: store block %d", s.name, ErrCorrupt, b)
	}
	dec := zstdDecoders.Get().(*zstd.Decoder)
	plain, err := dec.DecodeAll(s.store[start:end], nil)
	zstdDecoders.Put(dec)
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w: store block %d: %v", s.name, ErrCorrupt, b, err)
	}
	off := 0
	n := int(uvarint(plain, &off))
	want := int(doc - first(b))
	if want >= n {
		return nil, fmt.Errorf("segment %s: %w: doc %d not in store block", s.name, ErrCorrupt, doc)
	}
	skip := 0
	var size int
	for i := 0; i < n; i++ {
		l := int(uvarint(plain, &off))
		if i < want {
			skip += l
		} else if i == want {
			size = l
		}
	}
	if off+skip+size > len(plain) {
		return nil, fmt.Errorf("segment %s: %w: store block %d", s.name, ErrCorrupt, b)
	}
	return plain[off+skip : off+skip+size], nil
}

// storeBlockRaw returns compressed store block i and its first doc, for
// merging without recompression.
func (s *segment) storeBlockRaw(i int) (uint32, []byte) {
	idx := s.storeIndex
	nb := int(s.ft.StoreBlocks)
	first := binary.LittleEndian.Uint32(idx[12*i:])
	start := binary.LittleEndian.Uint64(idx[12*i+4:])
	var end uint64
	if i+1 < nb {
		end = binary.LittleEndian.Uint64(idx[12*(i+1)+4:])
	} else {
		end = binary.LittleEndian.Uint64(idx[12*nb:])
	}
	return first, s.store[start:end]
}
