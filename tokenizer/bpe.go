package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// bpe is the byte-pair-encoding model: a vocabulary, ranked merges, and the
// options of the reference's BPE (byte_fallback, unk_token with fuse_unk,
// continuing_subword_prefix, end_of_word_suffix, ignore_merges).
type bpe struct {
	vocab  map[string]int32
	vocabR []string // ID -> token; "" where no token has that ID
	size   int      // number of entries, as the reference counts them
	merges *pairTable

	unk          int32 // -1 without unk_token
	prefix       string
	suffix       string
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
	fallbackIDs  [256]int32 // ID of "<0xXX>", or -1
	asciiIDs     [128]int32 // ID of each one-byte token, or -1

	// byteLevel is set when the pre-tokenizer ends with ByteLevel: the
	// model then sees raw bytes and maps each through the GPT-2 byte
	// alphabet itself instead of materializing the mapped string.
	byteLevel bool
	byteIDs   [256]int32 // ID of each byte's alphabet character, or -1
	fastBytes bool       // every byte has an ID and there is no prefix/suffix

	cache *wordCache
}

// maxCachedWord is the longest word (in bytes) kept in the word cache, as
// in the reference.
const maxCachedWord = 256

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// newBPE builds the model from its vocabulary and merges (a, b, merged IDs
// in rank order). A later duplicate of a pair overrides the earlier rank, as
// a map built from the list does in the reference.
func newBPE(vocab map[string]int32, merges [][3]int32, unk string, hasUnk bool, prefix, suffix string) (*bpe, error) {
	m := &bpe{vocab: vocab, size: len(vocab), unk: -1, prefix: prefix, suffix: suffix}
	maxID := int32(-1)
	for _, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("negative token ID %d in vocab", id)
		}
		maxID = max(maxID, id)
	}
	m.vocabR = make([]string, maxID+1)
	for tok, id := range vocab {
		m.vocabR[id] = tok
	}
	if hasUnk {
		id, ok := vocab[unk]
		if !ok {
			return nil, fmt.Errorf("unk_token %q is not in the vocab", unk)
		}
		m.unk = id
	}
	m.merges = newPairTable(len(merges))
	for rank, mg := range merges {
		m.merges.put(pairKey(mg[0], mg[1]), uint64(rank)<<32|uint64(uint32(mg[2])))
	}
	for i := range m.asciiIDs {
		m.asciiIDs[i] = -1
		if id, ok := vocab[string(rune(i))]; ok {
			m.asciiIDs[i] = id
		}
	}
	for i := range m.fallbackIDs {
		m.fallbackIDs[i] = -1
		if id, ok := vocab[fmt.Sprintf("<0x%02X>", i)]; ok {
			m.fallbackIDs[i] = id
		}
	}
	return m, nil
}

// setByteLevel switches the model to raw-byte input (see bpe.byteLevel).
func (m *bpe) setByteLevel() {
	m.byteLevel = true
	m.fastBytes = m.prefix == "" && m.suffix == ""
	for b := 0; b < 256; b++ {
		m.byteIDs[b] = -1
		if id, ok := m.vocab[string(byteToChar[b])]; ok {
			m.byteIDs[b] = id
		} else {
			m.fastBytes = false
		}
	}
}

// modelToken is a token of one word: its ID and its byte range in the word.
type modelToken struct {
	id         int32
	start, end int32
}

// symbol is a node of the doubly linked list that merging works on.
type symbol struct {
	id         int32
	prev, next int32
	len        int32
}

// heapItem is a candidate merge ordered by (rank, position).
type heapItem struct {
	key   uint64 // rank<<32 | position
	newID int32
}

// bpeScratch holds the buffers one encode reuses across words.
type bpeScratch struct {
	symbols []symbol
	heap    []heapItem
	mapped  []byte
	cached  []int32

	// local is a small cache in front of the shared one. Scratch space
	// belongs to one goroutine at a time, so its lookups touch no shared
	// memory, which keeps EncodeBatch scaling with cores.
	local map[string][]int32
}

// maxLocalWords bounds bpeScratch.local.
const maxLocalWords = 4096

// tokenize appends the tokens of word (one pre-tokenized piece) to dst.
func (m *bpe) tokenize(dst []modelToken, word []byte, sc *bpeScratch) ([]modelToken, error) {
	if len(word) == 0 {
		return dst, nil
	}
	if m.ignoreMerges {
		key := word
		if m.byteLevel {
			sc.mapped = appendByteLevel(sc.mapped[:0], word)
			key = sc.mapped
		}
		if id, ok := m.vocab[string(key)]; ok {
			return append(dst, modelToken{id, 0, int32(len(word))}), nil
		}
	}
	cacheable := m.cache != nil && len(word) < maxCachedWord
	if cacheable {
		toks, ok := sc.local[string(word)]
		if !ok {
			if toks, ok = m.cache.get(word); ok {
				sc.remember(word, toks)
			}
		}
		if ok {
			start := int32(0)
			for i := 0; i < len(toks); i += 2 {
				dst = append(dst, modelToken{toks[i], start, toks[i+1]})
				start = toks[i+1]
			}
			return dst, nil
		}
	}
	if err := m.mergeWord(word, sc); err != nil {
		return dst, err
	}
	first := len(dst)
	pos := int32(0)
	for i := 0; i < len(sc.symbols); i++ {
		s := sc.symbols[i]
		if s.len == 0 {
			continue
		}
		dst = append(dst, modelToken{s.id, pos, pos + s.len})
		pos += s.len
	}
	if cacheable {
		toks := sc.cached[:0]
		for _, t := range dst[first:] {
			toks = append(toks, t.id, t.end)
		}
		sc.cached = toks
		sc.remember(word, m.cache.put(word, toks))
	}
	return dst, nil
}

// remember puts a word's cached tokens into the local cache.
func (sc *bpeScratch) remember(word []byte, toks []int32) {
	if sc.local == nil || len(sc.local) >= maxLocalWords {
		sc.local = make(map[string][]int32, maxLocalWords)
	}
	sc.local[string(word)] = toks
}

// mergeWord splits word into its initial symbols and applies the merges.
func (m *bpe) mergeWord(word []byte, sc *bpeScratch) error {
	sc.symbols = sc.symbols[:0]
	if m.byteLevel && m.fastBytes {
		for _, b := range word {
			sc.addSymbol(m.byteIDs[b], 1)
		}
	} else if err := m.initialSymbols(word, sc); err != nil {
		return err
	}
	m.mergeAll(sc)
	return nil
}

func (sc *bpeScratch) addSymbol(id int32, n int32) {
	k := int32(len(sc.symbols))
	if k > 0 {
		sc.symbols[k-1].next = k
	}
	sc.symbols = append(sc.symbols, symbol{id: id, prev: k - 1, next: -1, len: n})
}

// initialSymbols is the reference's merge_word before merging: one symbol
// per character (with prefix and suffix), byte fallback or unk for
// characters outside the vocabulary.
func (m *bpe) initialSymbols(word []byte, sc *bpeScratch) error {
	text := word
	// byteLen returns how many bytes of the piece the model character at
	// text[i:i+n] stands for: one per mapped character for byte-level input.
	byteLen := func(n int) int32 { return int32(n) }
	if m.byteLevel {
		sc.mapped = appendByteLevel(sc.mapped[:0], word)
		text = sc.mapped
		byteLen = func(int) int32 { return 1 }
	}
	unkID, unkLen := int32(-1), int32(0)
	var key []byte
	for i := 0; i < len(text); {
		_, n := runeAt(text, i)
		isFirst, isLast := i == 0, i+n == len(text)
		key = key[:0]
		if !isFirst {
			key = append(key, m.prefix...)
		}
		key = append(key, text[i:i+n]...)
		if isLast {
			key = append(key, m.suffix...)
		}
		blen := byteLen(n)
		i += n
		id, ok := int32(-1), false
		if len(key) == 1 && key[0] < 128 {
			id = m.asciiIDs[key[0]]
			ok = id >= 0
		} else {
			id, ok = m.vocab[string(key)]
		}
		if ok {
			if unkID >= 0 {
				sc.addSymbol(unkID, unkLen)
				unkID = -1
			}
			sc.addSymbol(id, blen)
			continue
		}
		if m.byteFallback {
			ok := true
			for _, b := range key {
				if m.fallbackIDs[b] < 0 {
					ok = false
					break
				}
			}
			if ok {
				for _, b := range key {
					sc.addSymbol(m.fallbackIDs[b], 1)
				}
				continue
			}
		}
		if m.unk < 0 {
			continue // no unk token: the character is dropped, as in the reference
		}
		if unkID >= 0 && m.fuseUnk {
			unkLen += blen
			continue
		}
		if unkID >= 0 {
			sc.addSymbol(unkID, unkLen)
		}
		unkID, unkLen = m.unk, blen
	}
	if unkID >= 0 {
		sc.addSymbol(unkID, unkLen)
	}
	return nil
}

// mergeAll applies merges lowest rank first, leftmost first among equal
// ranks, with the reference's rule for stale queue entries.
func (m *bpe) mergeAll(sc *bpeScratch) {
	syms := sc.symbols
	h := sc.heap[:0]
	for i := 0; i+1 < len(syms); i++ {
		if v, ok := m.merges.get(pairKey(syms[i].id, syms[i+1].id)); ok {
			h = append(h, heapItem{v&0xFFFFFFFF00000000 | uint64(i), int32(uint32(v))})
		}
	}
	heapify(h)
	for len(h) > 0 {
		var top heapItem
		h, top = heapPop(h)
		pos := int32(top.key)
		cur := &syms[pos]
		if cur.len == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		v, ok := m.merges.get(pairKey(cur.id, right.id))
		if !ok || int32(uint32(v)) != top.newID {
			continue
		}
		cur.id = top.newID
		cur.len += right.len
		cur.next = right.next
		syms[nextPos].len = 0
		if right.next >= 0 && int(right.next) < len(syms) {
			syms[right.next].prev = pos
		}
		if cur.prev >= 0 {
			if v, ok := m.merges.get(pairKey(syms[cur.prev].id, cur.id)); ok {
				h = heapPush(h, heapItem{v&0xFFFFFFFF00000000 | uint64(cur.prev), int32(uint32(v))})
			}
		}
		if cur.next >= 0 && int(cur.next) < len(syms) {
			if v, ok := m.merges.get(pairKey(cur.id, syms[cur.next].id)); ok {
				h = heapPush(h, heapItem{v&0xFFFFFFFF00000000 | uint64(pos), int32(uint32(v))})
			}
		}
	}
	sc.heap = h
}

// The merge queue is a 4-ary min-heap on heapItem.key: half the depth of a
// binary heap, and the four children share a cache line.

func heapPush(h []heapItem, it heapItem) []heapItem {
	h = append(h, it)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if h[p].key <= it.key {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = it
	return h
}

// heapify orders h as a heap in linear time.
func heapify(h []heapItem) {
	if len(h) < 2 {
		return
	}
	for i := (len(h) - 2) / 4; i >= 0; i-- {
		siftDown(h, i)
	}
}

func siftDown(h []heapItem, i int) {
	it := h[i]
	n := len(h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for k := c + 1; k < end; k++ {
			if h[k].key < h[m].key {
				m = k
			}
		}
		if it.key <= h[m].key {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = it
}

func heapPop(h []heapItem) ([]heapItem, heapItem) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	if last > 0 {
		siftDown(h, 0)
	}
	return h, top
}

// idToToken returns the vocabulary string of id.
func (m *bpe) idToToken(id int) (string, bool) {
	if id < 0 || id >= len(m.vocabR) {
		return "", false
	}
	s := m.vocabR[id]
	if s == "" {
		return "", false
	}
	return s, true
}

// byteToChar is GPT-2's byte alphabet: printable Latin-1 bytes stand for
// themselves, the others are shifted to U+0100 and above.
var byteToChar, charToByte = func() ([256]rune, map[rune]byte) {
	var b2c [256]rune
	c2b := make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		if ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF) {
			b2c[b] = rune(b)
		} else {
			b2c[b] = rune(256 + n)
			n++
		}
		c2b[b2c[b]] = byte(b)
	}
	return b2c, c2b
}()

// appendByteLevel appends the byte-level form of s (each byte as its
// alphabet character) to dst.
func appendByteLevel(dst, s []byte) []byte {
	for _, b := range s {
		dst = utf8.AppendRune(dst, byteToChar[b])
	}
	return dst
}
