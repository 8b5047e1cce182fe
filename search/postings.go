package search

import (
	"encoding/binary"
	"math"
)

// noMoreDocs is the doc id of an exhausted iterator; iterators start
// before their first document, at doc -1.
const noMoreDocs = math.MaxInt32

// postings iterates one term's postings in one segment.
type postings struct {
	info    termInfo
	skip    []byte // skip table, nil for single-block terms
	data    []byte // doc blocks (after the skip table)
	pos     []byte // positions of the term
	nblocks int
	block   int
	n, i    int // docs in the current block, index of the current doc
	doc     int32
	docs    [blockSize]uint32
	freqs   [blockSize]uint32
	posOff  int // offset in pos of the positions of doc posIdx
	posIdx  int
}

func (p *postings) reset(s *segment, info termInfo) {
	p.info = info
	p.nblocks = int((info.df + blockSize - 1) / blockSize)
	start := int(info.postOff)
	if p.nblocks > 1 {
		at := start + int(info.blocksLen)
		p.skip = s.postings[at : at+p.nblocks*skipEntryBytes]
	} else {
		p.skip = nil
	}
	p.data = s.postings[start:]
	p.pos = s.positions[min(int(info.posOff), len(s.positions)):]
	p.block, p.n, p.i, p.doc = -1, 0, 0, -1
}

func (p *postings) blockLastDoc(b int) uint32 {
	return binary.LittleEndian.Uint32(p.skip[b*skipEntryBytes:])
}

// blockMax returns the largest frequency and smallest length of block b.
func (p *postings) blockMax(b int) (maxFreq, minLen uint32) {
	if p.skip == nil {
		return p.info.maxFreq, p.info.minLen
	}
	e := p.skip[b*skipEntryBytes:]
	return binary.LittleEndian.Uint32(e[12:]), binary.LittleEndian.Uint32(e[16:])
}

func (p *postings) loadBlock(b int) {
	p.block = b
	off, posOff := 0, 0
	base := uint32(0)
	if p.skip != nil {
		e := p.skip[b*skipEntryBytes:]
		off = int(binary.LittleEndian.Uint32(e[4:]))
		posOff = int(binary.LittleEndian.Uint32(e[8:]))
		if b > 0 {
			base = p.blockLastDoc(b - 1)
		}
	}
	n := blockSize
	if b == p.nblocks-1 {
		n = int(p.info.df) - b*blockSize
	}
	if n == blockSize {
		off += unpack(p.docs[:], p.data[off:])
		unpack(p.freqs[:], p.data[off:])
		d := base
		for i := range p.docs {
			d += p.docs[i]
			p.docs[i] = d
			p.freqs[i]++
		}
	} else {
		d := base
		for i := 0; i < n; i++ {
			d += uint32(uvarint(p.data, &off))
			p.docs[i] = d
			p.freqs[i] = uint32(uvarint(p.data, &off))
		}
	}
	p.n, p.i = n, -1
	p.posOff, p.posIdx = posOff, 0
}

// nextDoc moves to the next document.
func (p *postings) nextDoc() int32 {
	p.i++
	if p.i >= p.n {
		if p.block+1 >= p.nblocks {
			p.doc = noMoreDocs
			return p.doc
		}
		p.loadBlock(p.block + 1)
		p.i = 0
	}
	p.doc = int32(p.docs[p.i])
	return p.doc
}

// advance moves to the first document >= target.
func (p *postings) advance(target int32) int32 {
	if p.doc >= target {
		return p.doc
	}
	t := uint32(target)
	if p.skip != nil && (p.block < 0 || t > p.blockLastDoc(p.block)) {
		b := max(p.block, 0)
		for b < p.nblocks && p.blockLastDoc(b) < t {
			b++
		}
		if b >= p.nblocks {
			p.doc = noMoreDocs
			return p.doc
		}
		if b != p.block {
			p.loadBlock(b)
		}
	}
	for {
		p.i++
		if p.i >= p.n {
			if p.block+1 >= p.nblocks {
				p.doc = noMoreDocs
				return p.doc
			}
			p.loadBlock(p.block + 1)
			p.i = 0
		}
		if p.docs[p.i] >= t {
			p.doc = int32(p.docs[p.i])
			return p.doc
		}
	}
}

func (p *postings) freq() uint32 { return p.freqs[p.i] }

// positionsTo appends the current document's positions to dst.
func (p *postings) positionsTo(dst []uint32) []uint32 {
	for p.posIdx < p.i {
		for j := uint32(0); j < p.freqs[p.posIdx]; j++ {
			uvarint(p.pos, &p.posOff)
		}
		p.posIdx++
	}
	pos := uint32(0)
	for j := uint32(0); j < p.freqs[p.i]; j++ {
		pos += uint32(uvarint(p.pos, &p.posOff))
		dst = append(dst, pos)
	}
	p.posIdx++
	return dst
}
