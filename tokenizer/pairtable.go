package tokenizer

// pairTable maps a pair of token IDs to its merge (rank and merged ID). It
// is an open-addressing hash table with linear probing: merge lookups are
// the inner loop of BPE, and a flat table of integers is faster to build
// and to probe than a general map. It is read-only after construction.
type pairTable struct {
	keys  []uint64 // pair key + 1; 0 marks an empty slot
	vals  []uint64 // rank<<32 | merged ID
	shift uint
}

func newPairTable(n int) *pairTable {
	size, shift := 16, uint(60)
	for size < 2*n {
		size *= 2
		shift--
	}
	return &pairTable{keys: make([]uint64, size), vals: make([]uint64, size), shift: shift}
}

func (t *pairTable) slot(key uint64) uint64 {
	return (key * 0x9E3779B97F4A7C15) >> t.shift
}

// put sets the value of key, replacing an earlier one.
func (t *pairTable) put(key, val uint64) {
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.vals[i] = key+1, val
			return
		case key + 1:
			t.vals[i] = val
			return
		}
	}
}

func (t *pairTable) get(key uint64) (uint64, bool) {
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			return 0, false
		case key + 1:
			return t.vals[i], true
		}
	}
}
