package search

import (
	"encoding/binary"
	"math/bits"
)

// blockSize is the number of documents in a full postings block.
const blockSize = 128

// bitWidth returns the number of bits needed for the largest of vs.
func bitWidth(vs []uint32) int {
	var or uint32
	for _, v := range vs {
		or |= v
	}
	return bits.Len32(or)
}

// appendPacked appends vs, each in width bits, to dst: a width byte then
// the bit-packed values, little-endian, lowest bits first.
func appendPacked(dst []byte, vs []uint32) []byte {
	width := bitWidth(vs)
	dst = append(dst, byte(width))
	if width == 0 {
		return dst
	}
	n := (len(vs)*width + 7) / 8
	start := len(dst)
	dst = append(dst, make([]byte, n+8)...)
	out := dst[start:]
	bit := 0
	for _, v := range vs {
		i := bit >> 3
		w := binary.LittleEndian.Uint64(out[i:])
		w |= uint64(v) << (bit & 7)
		binary.LittleEndian.PutUint64(out[i:], w)
		bit += width
	}
	return dst[:start+n]
}

// unpack decodes len(dst) values written by appendPacked from src and
// returns the number of bytes read. src must extend at least 8 bytes past
// the packed data (segment files end with padding to guarantee it).
func unpack(dst []uint32, src []byte) int {
	width := int(src[0])
	if width == 0 {
		clear(dst)
		return 1
	}
	data := src[1:]
	mask := uint64(1)<<width - 1
	bit := 0
	for i := range dst {
		w := binary.LittleEndian.Uint64(data[bit>>3:])
		dst[i] = uint32((w >> (bit & 7)) & mask)
		bit += width
	}
	return 1 + (len(dst)*width+7)/8
}

// packedAt reads value i of a fixed-width packed array without a width
// byte. data must extend 8 bytes past the packed values.
func packedAt(data []byte, width, i int) uint32 {
	if width == 0 {
		return 0
	}
	bit := i * width
	w := binary.LittleEndian.Uint64(data[bit>>3:])
	return uint32((w >> (bit & 7)) & (uint64(1)<<width - 1))
}

// appendUvarint appends v as an unsigned varint.
func appendUvarint(dst []byte, v uint64) []byte {
	return binary.AppendUvarint(dst, v)
}

// uvarint decodes an unsigned varint from b at *off, advancing *off. It
// returns 0 and sets *off past len(b) on malformed input, which callers
// detect as corruption.
func uvarint(b []byte, off *int) uint64 {
	i := *off
	if i < len(b) && b[i] < 0x80 {
		*off = i + 1
		return uint64(b[i])
	}
	v, n := binary.Uvarint(b[i:])
	if n <= 0 {
		*off = len(b) + 1
		return 0
	}
	*off = i + n
	return v
}

// packedAt64 reads value i of an array written by appendFixed64.
func packedAt64(data []byte, width, i int) uint64 {
	if width == 0 {
		return 0
	}
	bit := i * width
	j, shift := bit>>3, bit&7
	v := binary.LittleEndian.Uint64(data[j:]) >> shift
	if shift+width > 64 {
		v |= uint64(data[j+8]) << (64 - shift)
	}
	if width == 64 {
		return v
	}
	return v & (uint64(1)<<width - 1)
}
