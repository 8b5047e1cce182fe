package search

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// Segment file layout (all integers little-endian):
//
//	header   "FMKSEG\x00\x00" magic, uint32 format version
//	sections postings, positions, term dictionary, doc table, doc store,
//	         id dictionary, meta dictionaries, written in that order
//	footer   the segmentFooter fields, then uint32 footer length,
//	         uint32 CRC-32 of everything before it, and the magic again
//
// A term's postings are blocks: full blocks of 128 documents as bit-packed
// doc deltas and frequencies minus one; the last, partial block as uvarint
// pairs. A term of more than one block is followed by its skip table: per
// block the last doc, the block's byte offset in the postings, its byte
// offset in the positions, the block's largest frequency and its smallest
// document length (five uint32). Positions are uvarint deltas within each
// document.
const (
	segMagic        = "FMKSEG\x00\x00"
	segVersion      = 1
	storeBlockBytes = 16 << 10
	termIndexEvery  = 32
	skipEntryBytes  = 20
)

// segmentFooter locates the sections of a segment file.
type segmentFooter struct {
	Docs         uint32
	SumTermFreq  uint64
	NumTerms     uint32
	PostingsOff  uint64
	PositionsOff uint64
	DictOff      uint64
	DictIndexOff uint64
	DocTableOff  uint64
	LenWidth     uint8
	OrdWidth     uint8
	OrdBase      uint64
	StoreOff     uint64
	StoreIndex   uint64
	StoreBlocks  uint32
	MetaOff      uint64
	MetaLen      uint64
	IDsOff       uint64 // doc id of each document: packed offsets, then bytes
	IDsWidth     uint8
	IDBytesOff   uint64
}

func (f *segmentFooter) fields() []any {
	return []any{&f.Docs, &f.SumTermFreq, &f.NumTerms, &f.PostingsOff, &f.PositionsOff,
		&f.DictOff, &f.DictIndexOff, &f.DocTableOff, &f.LenWidth, &f.OrdWidth, &f.OrdBase,
		&f.StoreOff, &f.StoreIndex, &f.StoreBlocks, &f.MetaOff, &f.MetaLen, &f.IDsOff, &f.IDsWidth, &f.IDBytesOff}
}

// segmentWriter writes one segment file. Terms must be added in sorted
// order; documents are numbered from 0 in the order of docs.
type segmentWriter struct {
	path string
	f    *os.File
	w    *bufio.Writer
	crc  uint32
	off  uint64

	postings  []byte // for the current term
	positions []byte
	dict      []byte
	dictIndex []byte
	numTerms  uint32
	prevTerm  []byte
	postBase  uint64 // bytes of postings written so far
	posBase   uint64
	prevPost  uint64 // offsets of the previous term in the index block
	prevPos   uint64
	postTmp   *os.File
	posTmp    *os.File
	postBuf   *bufio.Writer
	posBuf    *bufio.Writer

	lens []uint32 // document lengths, for per-block minimum lengths

	// The term being written.
	term                  []byte
	tmp, tmp2             [blockSize]uint32 // docs and freqs of the open block
	n                     int
	df                    uint32
	prevDoc               uint32
	termPost, termPos     uint64 // bytes of the term written so far
	blockPosStart         uint64
	skip                  []byte
	maxFreqAll, minLenAll uint32
}

func newSegmentWriter(path string, lens []uint32) (*segmentWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	sw := &segmentWriter{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20), lens: lens}
	dir := filepath.Dir(path)
	if sw.postTmp, err = os.CreateTemp(dir, ".postings-*"); err != nil {
		f.Close()
		return nil, err
	}
	if sw.posTmp, err = os.CreateTemp(dir, ".positions-*"); err != nil {
		f.Close()
		sw.postTmp.Close()
		os.Remove(sw.postTmp.Name())
		return nil, err
	}
	sw.postBuf = bufio.NewWriterSize(sw.postTmp, 1<<20)
	sw.posBuf = bufio.NewWriterSize(sw.posTmp, 1<<20)
	return sw, nil
}

func (sw *segmentWriter) write(b []byte) error {
	sw.crc = crc32.Update(sw.crc, crc32.IEEETable, b)
	sw.off += uint64(len(b))
	_, err := sw.w.Write(b)
	return err
}

// addTerm encodes one term's postings: docs ascending, freqs[i] >= 1, and
// positions holding freqs[i] ascending positions per document in turn.
func (sw *segmentWriter) addTerm(term []byte, docs, freqs, positions []uint32) error {
	sw.startTerm(term)
	pi := 0
	for i, d := range docs {
		f := freqs[i]
		if err := sw.addDoc(d, f, positions[pi:pi+int(f)]); err != nil {
			return err
		}
		pi += int(f)
	}
	return sw.finishTerm()
}

// startTerm begins a term; addDoc then adds its documents in order and
// finishTerm writes its dictionary entry. Postings stream to the
// temporary files block by block, so a term of any size takes constant
// memory (plus its skip table, 20 bytes per 128 documents).
func (sw *segmentWriter) startTerm(term []byte) {
	sw.term = append(sw.term[:0], term...)
	sw.n, sw.df, sw.prevDoc = 0, 0, 0
	sw.termPost, sw.termPos = 0, 0
	sw.skip = sw.skip[:0]
	sw.maxFreqAll, sw.minLenAll = 0, ^uint32(0)
	sw.blockPosStart = 0
}

// addDoc adds one document of the current term with its positions.
func (sw *segmentWriter) addDoc(doc, freq uint32, positions []uint32) error {
	if sw.n == 0 {
		sw.blockPosStart = sw.termPos
	}
	sw.tmp[sw.n], sw.tmp2[sw.n] = doc, freq
	sw.n++
	sw.df++
	sw.positions = sw.positions[:0]
	last := uint32(0)
	for _, p := range positions {
		sw.positions = appendUvarint(sw.positions, uint64(p-last))
		last = p
	}
	if _, err := sw.posBuf.Write(sw.positions); err != nil {
		return err
	}
	sw.termPos += uint64(len(sw.positions))
	if sw.n == blockSize {
		return sw.flushBlock(true)
	}
	return nil
}

// flushBlock encodes the buffered documents: bit-packed when the block is
// full, uvarint pairs for the last, partial block.
func (sw *segmentWriter) flushBlock(full bool) error {
	blockPostOff := sw.termPost
	maxFreq, minLen := uint32(0), ^uint32(0)
	for i := 0; i < sw.n; i++ {
		maxFreq = max(maxFreq, sw.tmp2[i])
		minLen = min(minLen, sw.lens[sw.tmp[i]])
	}
	lastDoc := sw.tmp[sw.n-1]
	sw.postings = sw.postings[:0]
	if full {
		var deltas, fm1 [blockSize]uint32
		prev := sw.prevDoc
		for i := 0; i < blockSize; i++ {
			deltas[i] = sw.tmp[i] - prev
			fm1[i] = sw.tmp2[i] - 1
			prev = sw.tmp[i]
		}
		sw.postings = appendPacked(sw.postings, deltas[:])
		sw.postings = appendPacked(sw.postings, fm1[:])
	} else {
		prev := sw.prevDoc
		for i := 0; i < sw.n; i++ {
			sw.postings = appendUvarint(sw.postings, uint64(sw.tmp[i]-prev))
			sw.postings = appendUvarint(sw.postings, uint64(sw.tmp2[i]))
			prev = sw.tmp[i]
		}
	}
	if _, err := sw.postBuf.Write(sw.postings); err != nil {
		return err
	}
	sw.termPost += uint64(len(sw.postings))
	if sw.termPost > 1<<32-1 || sw.termPos > 1<<32-1 {
		return fmt.Errorf("term %q: postings over 4 GiB", sw.term)
	}
	var e [skipEntryBytes]byte
	binary.LittleEndian.PutUint32(e[0:], lastDoc)
	binary.LittleEndian.PutUint32(e[4:], uint32(blockPostOff))
	binary.LittleEndian.PutUint32(e[8:], uint32(sw.blockPosStart))
	binary.LittleEndian.PutUint32(e[12:], maxFreq)
	binary.LittleEndian.PutUint32(e[16:], minLen)
	sw.skip = append(sw.skip, e[:]...)
	sw.maxFreqAll = max(sw.maxFreqAll, maxFreq)
	sw.minLenAll = min(sw.minLenAll, minLen)
	sw.prevDoc = lastDoc
	sw.n = 0
	return nil
}

// finishTerm writes the last block, the skip table (after the blocks, for
// terms of more than one block) and the dictionary entry: prefix length
// shared with the previous term, suffix, df, postings and positions
// offsets (deltas within an index block), max frequency, min length, and
// for multi-block terms the length of the blocks, where the skip table
// starts.
func (sw *segmentWriter) finishTerm() error {
	if sw.n > 0 {
		if err := sw.flushBlock(false); err != nil {
			return err
		}
	}
	nblocks := len(sw.skip) / skipEntryBytes
	blocksLen := sw.termPost
	if nblocks > 1 {
		if _, err := sw.postBuf.Write(sw.skip); err != nil {
			return err
		}
		sw.termPost += uint64(len(sw.skip))
	}
	if sw.numTerms%termIndexEvery == 0 {
		sw.dictIndex = binary.LittleEndian.AppendUint32(sw.dictIndex, uint32(len(sw.dict)))
		sw.prevTerm = sw.prevTerm[:0]
		sw.prevPost, sw.prevPos = 0, 0
	}
	term := sw.term
	prefix := 0
	for prefix < len(term) && prefix < len(sw.prevTerm) && term[prefix] == sw.prevTerm[prefix] {
		prefix++
	}
	sw.dict = appendUvarint(sw.dict, uint64(prefix))
	sw.dict = appendUvarint(sw.dict, uint64(len(term)-prefix))
	sw.dict = append(sw.dict, term[prefix:]...)
	sw.dict = appendUvarint(sw.dict, uint64(sw.df))
	sw.dict = appendUvarint(sw.dict, sw.postBase-sw.prevPost)
	sw.dict = appendUvarint(sw.dict, sw.posBase-sw.prevPos)
	sw.dict = appendUvarint(sw.dict, uint64(sw.maxFreqAll))
	sw.dict = appendUvarint(sw.dict, uint64(sw.minLenAll))
	if nblocks > 1 {
		sw.dict = appendUvarint(sw.dict, blocksLen)
	}
	sw.prevPost, sw.prevPos = sw.postBase, sw.posBase
	sw.prevTerm = append(sw.prevTerm[:0], term...)
	sw.numTerms++
	sw.postBase += sw.termPost
	sw.posBase += sw.termPos
	return nil
}

// storeBlock is one compressed block of the document store, ready to be
// written: the first document it holds and its bytes.
type storeBlock struct {
	firstDoc uint32
	data     []byte
}

// segmentContents is everything but the postings of the contents field.
type segmentContents struct {
	docs        uint32
	sumTermFreq uint64
	ords        []uint64
	lens        []uint32
	store       []storeBlock
	fields      []valueField // "id" and the meta fields, sorted by name
	fieldBytes  []byte       // or the same, already encoded
	idBytes     []byte       // the document ids, concatenated
	idEnds      []uint32     // end of each id in idBytes
}

// finish writes the remaining sections, the footer, syncs and closes the
// file.
func (sw *segmentWriter) finish(c *segmentContents) (err error) {
	defer func() {
		sw.postTmp.Close()
		sw.posTmp.Close()
		os.Remove(sw.postTmp.Name())
		os.Remove(sw.posTmp.Name())
		if err != nil {
			sw.f.Close()
			os.Remove(sw.path)
		}
	}()
	var ft segmentFooter
	ft.Docs, ft.SumTermFreq, ft.NumTerms = c.docs, c.sumTermFreq, sw.numTerms
	var hdr [12]byte
	copy(hdr[:], segMagic)
	binary.LittleEndian.PutUint32(hdr[8:], segVersion)
	if err := sw.write(hdr[:]); err != nil {
		return err
	}
	if err := sw.postBuf.Flush(); err != nil {
		return err
	}
	if err := sw.posBuf.Flush(); err != nil {
		return err
	}
	copySection := func(tmp *os.File) error {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		buf := make([]byte, 1<<20)
		for {
			n, err := tmp.Read(buf)
			if n > 0 {
				if werr := sw.write(buf[:n]); werr != nil {
					return werr
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	ft.PostingsOff = sw.off
	if err := copySection(sw.postTmp); err != nil {
		return err
	}
	ft.PositionsOff = sw.off
	if err := copySection(sw.posTmp); err != nil {
		return err
	}
	ft.DictOff = sw.off
	if err := sw.write(sw.dict); err != nil {
		return err
	}
	ft.DictIndexOff = sw.off
	if err := sw.write(sw.dictIndex); err != nil {
		return err
	}
	// Doc table: lengths then ordinals minus their minimum, fixed width.
	ft.DocTableOff = sw.off
	ft.LenWidth = uint8(bitWidth(c.lens))
	ords := make([]uint64, len(c.ords))
	if len(c.ords) > 0 {
		ft.OrdBase = slices.Min(c.ords)
		var or uint64
		for i, o := range c.ords {
			ords[i] = o - ft.OrdBase
			or |= ords[i]
		}
		ft.OrdWidth = uint8(bits.Len64(or))
	}
	table := appendFixed(nil, c.lens, int(ft.LenWidth))
	table = appendFixed64(table, ords, int(ft.OrdWidth))
	if err := sw.write(table); err != nil {
		return err
	}
	// Doc store blocks, then their index: first doc and offset of each.
	ft.StoreOff = sw.off
	var index []byte
	for _, b := range c.store {
		index = binary.LittleEndian.AppendUint32(index, b.firstDoc)
		index = binary.LittleEndian.AppendUint64(index, sw.off-ft.StoreOff)
		if err := sw.write(b.data); err != nil {
			return err
		}
	}
	index = binary.LittleEndian.AppendUint64(index, sw.off-ft.StoreOff)
	ft.StoreIndex = sw.off
	ft.StoreBlocks = uint32(len(c.store))
	if err := sw.write(index); err != nil {
		return err
	}
	ft.MetaOff = sw.off
	meta := c.fieldBytes
	if meta == nil {
		meta = encodeValueFields(c.fields)
	}
	ft.MetaLen = uint64(len(meta))
	if err := sw.write(meta); err != nil {
		return err
	}
	// Doc ids by document number, for results without the store.
	ft.IDsOff = sw.off
	if uint64(len(c.idBytes)) > 1<<32-1 {
		return fmt.Errorf("document ids over 4 GiB")
	}
	ends := append([]uint32{0}, c.idEnds...)
	ft.IDsWidth = uint8(bitWidth(ends))
	idTable := appendFixed(nil, ends, int(ft.IDsWidth))
	if err := sw.write(idTable); err != nil {
		return err
	}
	ft.IDBytesOff = sw.off
	if err := sw.write(c.idBytes); err != nil {
		return err
	}
	var foot []byte
	for _, f := range ft.fields() {
		switch v := f.(type) {
		case *uint8:
			foot = append(foot, *v)
		case *uint32:
			foot = binary.LittleEndian.AppendUint32(foot, *v)
		case *uint64:
			foot = binary.LittleEndian.AppendUint64(foot, *v)
		}
	}
	foot = binary.LittleEndian.AppendUint32(foot, uint32(len(foot)))
	if err := sw.write(foot); err != nil {
		return err
	}
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[:], sw.crc)
	copy(tail[4:], segMagic)
	if _, err := sw.w.Write(tail[:]); err != nil {
		return err
	}
	if err := sw.w.Flush(); err != nil {
		return err
	}
	if err := sw.f.Sync(); err != nil {
		return err
	}
	return sw.f.Close()
}

// appendFixed appends vs packed in width bits each, with no width byte,
// plus 8 bytes of slack for packedAt.
func appendFixed(dst []byte, vs []uint32, width int) []byte {
	start := len(dst)
	n := (len(vs)*width + 7) / 8
	dst = append(dst, make([]byte, n+8)...)
	out := dst[start:]
	bit := 0
	if width > 0 {
		for _, v := range vs {
			i := bit >> 3
			w := binary.LittleEndian.Uint64(out[i:])
			w |= uint64(v) << (bit & 7)
			binary.LittleEndian.PutUint64(out[i:], w)
			bit += width
		}
	}
	return dst
}

// valueField is an exact-match field: document ids, or one meta key.
type valueField struct {
	name    string
	entries []valueEntry // sorted by value
}

// valueEntry is one value of a valueField and the documents holding it.
type valueEntry struct {
	value string
	docs  []uint32
}

// appendFixed64 is appendFixed for widths up to 64 bits, read back with
// packedAt64.
func appendFixed64(dst []byte, vs []uint64, width int) []byte {
	start := len(dst)
	n := (len(vs)*width + 7) / 8
	dst = append(dst, make([]byte, n+9)...)
	out := dst[start:]
	bit := 0
	if width > 0 {
		for _, v := range vs {
			i, shift := bit>>3, bit&7
			w := binary.LittleEndian.Uint64(out[i:])
			w |= v << shift
			binary.LittleEndian.PutUint64(out[i:], w)
			if shift+width > 64 {
				out[i+8] |= byte(v >> (64 - shift))
			}
			bit += width
		}
	}
	return dst
}

// encodeValueFields writes: uvarint field count; per field its name, entry
// count, dictionary length, index length, then the dictionary (front-coded
// values in blocks of termIndexEvery, each followed by a doc count and doc
// deltas) and the index (uint32 offset of each block).
func encodeValueFields(fields []valueField) []byte {
	out := appendUvarint(nil, uint64(len(fields)))
	for _, f := range fields {
		var vw valueFieldWriter
		for _, e := range f.entries {
			vw.add([]byte(e.value), e.docs)
		}
		out = vw.appendTo(out, f.name)
	}
	return out
}

// valueFieldWriter encodes one exact-match field, values in order.
type valueFieldWriter struct {
	dict, index []byte
	prev        []byte
	n           int
}

func (w *valueFieldWriter) add(value []byte, docs []uint32) {
	if w.n%termIndexEvery == 0 {
		w.index = binary.LittleEndian.AppendUint32(w.index, uint32(len(w.dict)))
		w.prev = w.prev[:0]
	}
	p := 0
	for p < len(value) && p < len(w.prev) && value[p] == w.prev[p] {
		p++
	}
	w.dict = appendUvarint(w.dict, uint64(p))
	w.dict = appendUvarint(w.dict, uint64(len(value)-p))
	w.dict = append(w.dict, value[p:]...)
	w.dict = appendUvarint(w.dict, uint64(len(docs)))
	last := uint32(0)
	for _, d := range docs {
		w.dict = appendUvarint(w.dict, uint64(d-last))
		last = d
	}
	w.prev = append(w.prev[:0], value...)
	w.n++
}

// appendTo appends the field's header and data to out.
func (w *valueFieldWriter) appendTo(out []byte, name string) []byte {
	out = appendUvarint(out, uint64(len(name)))
	out = append(out, name...)
	out = appendUvarint(out, uint64(w.n))
	out = appendUvarint(out, uint64(len(w.dict)))
	out = appendUvarint(out, uint64(len(w.index)))
	out = append(out, w.dict...)
	return append(out, w.index...)
}

// storeEncoder compresses documents into store blocks.
type storeEncoder struct {
	enc    *zstd.Encoder
	raw    []byte
	lens   []byte
	first  uint32
	n      uint32
	blocks []storeBlock
}

func newStoreEncoder() *storeEncoder {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err) // only fails on invalid options
	}
	return &storeEncoder{enc: enc}
}

// add appends document number doc's record; documents come in order.
func (s *storeEncoder) add(doc uint32, record []byte) {
	if s.n == 0 {
		s.first = doc
	}
	s.lens = appendUvarint(s.lens, uint64(len(record)))
	s.raw = append(s.raw, record...)
	s.n++
	if len(s.raw) >= storeBlockBytes {
		s.flush()
	}
}

// flush compresses the pending documents into a block: uvarint count,
// uvarint lengths, then the records, all zstd-compressed.
func (s *storeEncoder) flush() {
	if s.n == 0 {
		return
	}
	plain := appendUvarint(nil, uint64(s.n))
	plain = append(plain, s.lens...)
	plain = append(plain, s.raw...)
	s.blocks = append(s.blocks, storeBlock{firstDoc: s.first, data: s.enc.EncodeAll(plain, nil)})
	s.raw, s.lens, s.n = s.raw[:0], s.lens[:0], 0
}

// abort closes and removes the partly written segment.
func (sw *segmentWriter) abort() {
	sw.f.Close()
	os.Remove(sw.path)
	sw.postTmp.Close()
	sw.posTmp.Close()
	os.Remove(sw.postTmp.Name())
	os.Remove(sw.posTmp.Name())
}
