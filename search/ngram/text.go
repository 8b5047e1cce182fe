package ngram

import "encoding/binary"

// text is a token file: little-endian ids of width bytes, each document
// followed by the separator.
type text struct {
	data  []byte
	width int
	sep   uint32
}

// at returns the token at byte offset p.
func (t *text) at(p uint64) uint32 {
	if t.width == 2 {
		return uint32(binary.LittleEndian.Uint16(t.data[p:]))
	}
	return binary.LittleEndian.Uint32(t.data[p:])
}

// compareQuery compares the suffix at p with q over q's length: negative
// when the suffix is smaller, 0 when q is a prefix of it, positive when
// larger. The separator is larger than every token, so a suffix whose
// document ends within q's length compares larger.
func (t *text) compareQuery(p uint64, q []uint32) int {
	w := uint64(t.width)
	for i, want := range q {
		got := t.at(p + uint64(i)*w)
		if got != want {
			if got < want {
				return -1
			}
			return 1
		}
	}
	return 0
}

// compareSuffixes orders the suffixes at a and b, looking from token from
// on (the ones before are known to be equal): token by token up to the
// end of a document, the separator larger than every token, and two
// suffixes equal up to their documents' ends by position. This is the
// order of the suffix array.
func (t *text) compareSuffixes(a, b uint64, from int) int {
	w := uint64(t.width)
	for i := uint64(from); ; i++ {
		ta, tb := t.at(a+i*w), t.at(b+i*w)
		if ta != tb {
			if ta < tb {
				return -1
			}
			return 1
		}
		if ta == t.sep {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	}
}

// keySlots returns how many tokens a merge key holds.
func (t *text) keySlots() int { return 8 / t.width }

// key packs the first tokens of the suffix at p into a number that orders
// like the suffixes (up to ties): the tokens big-end first, and nothing
// after the end of the document, so that two suffixes equal up to their
// documents' ends get equal keys and are compared in full.
func (t *text) key(p uint64) uint64 {
	w := uint64(t.width)
	bitsPer := 8 * w
	var k uint64
	n := uint64(t.keySlots())
	for i := range n {
		tok := t.at(p + i*w)
		k |= uint64(tok) << (bitsPer * (n - 1 - i))
		if tok == t.sep {
			break
		}
	}
	return k
}
