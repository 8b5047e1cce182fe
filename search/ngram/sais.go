package ngram

// This file builds suffix arrays in memory with SA-IS (Nong, Zhang and
// Chan, "Two Efficient Algorithms for Linear Time Suffix Array
// Construction", 2011): the suffixes are classified as S or L, the
// leftmost-S (LMS) substrings are sorted by induction, named, and the
// problem recurses on the names when two LMS substrings are equal. It runs
// in linear time and needs, besides the text and the result, a bucket
// array of the alphabet's size and one bit per symbol.

// typeBits records whether each suffix is S-type (1) or L-type (0).
type typeBits []uint64

func (t typeBits) get(i int32) bool { return t[i>>6]&(1<<(uint(i)&63)) != 0 }
func (t typeBits) set(i int32)      { t[i>>6] |= 1 << (uint(i) & 63) }

// isLMS reports whether suffix i is leftmost-S: S-type after an L-type.
func (t typeBits) isLMS(i int32) bool { return i > 0 && t.get(i) && !t.get(i-1) }

// sais writes into sa the suffix array of s. s must end with a sentinel
// 0 that occurs nowhere else, its other symbols must lie in [1, k], and
// len(sa) must equal len(s) >= 2.
func sais(s, sa []int32, k int32) {
	n := int32(len(s))
	t := make(typeBits, (n+63)/64)
	// The sentinel is S-type; the symbol before it is L-type (it is
	// larger); otherwise a suffix is S-type when it is smaller than the
	// next, or equal to it and the next is S-type.
	t.set(n - 1)
	for i := n - 3; i >= 0; i-- {
		if s[i] < s[i+1] || (s[i] == s[i+1] && t.get(i+1)) {
			t.set(i)
		}
	}
	bkt := make([]int32, k+1)

	// Stage 1: sort the LMS substrings by inducing from their buckets'
	// ends.
	bucketEnds(s, bkt)
	for i := range sa {
		sa[i] = -1
	}
	for i := int32(1); i < n; i++ {
		if t.isLMS(i) {
			bkt[s[i]]--
			sa[bkt[s[i]]] = i
		}
	}
	induceL(s, sa, t, bkt)
	induceS(s, sa, t, bkt)

	// Compact the sorted LMS substrings into sa[:n1] (n1 <= n/2).
	n1 := int32(0)
	for i := int32(0); i < n; i++ {
		if t.isLMS(sa[i]) {
			sa[n1] = sa[i]
			n1++
		}
	}
	// Name them: equal substrings get equal names. Names are stored at
	// sa[n1 + pos/2], which no two LMS positions share.
	for i := n1; i < n; i++ {
		sa[i] = -1
	}
	name, prev := int32(0), int32(-1)
	for i := int32(0); i < n1; i++ {
		pos := sa[i]
		if prev < 0 || !equalLMS(s, t, pos, prev) {
			name++
			prev = pos
		}
		sa[n1+pos/2] = name - 1
	}
	for i, j := n-1, n-1; i >= n1; i-- {
		if sa[i] >= 0 {
			sa[j] = sa[i]
			j--
		}
	}

	// Stage 2: the suffix array of the names, by recursion when names
	// repeat.
	sa1, s1 := sa[:n1], sa[n-n1:]
	if name < n1 {
		sais(s1, sa1, name-1)
	} else {
		for i := int32(0); i < n1; i++ {
			sa1[s1[i]] = i
		}
	}

	// Stage 3: place the LMS suffixes in their sorted order at their
	// buckets' ends and induce the rest.
	bucketEnds(s, bkt)
	j := int32(0)
	for i := int32(1); i < n; i++ {
		if t.isLMS(i) {
			s1[j] = i
			j++
		}
	}
	for i := int32(0); i < n1; i++ {
		sa1[i] = s1[sa1[i]]
	}
	for i := n1; i < n; i++ {
		sa[i] = -1
	}
	for i := n1 - 1; i >= 0; i-- {
		p := sa[i]
		sa[i] = -1
		bkt[s[p]]--
		sa[bkt[s[p]]] = p
	}
	induceL(s, sa, t, bkt)
	induceS(s, sa, t, bkt)
}

// equalLMS reports whether the LMS substrings at a and b are equal in
// symbols and types. The unique sentinel ends every comparison.
func equalLMS(s []int32, t typeBits, a, b int32) bool {
	for d := int32(0); ; d++ {
		if s[a+d] != s[b+d] || t.get(a+d) != t.get(b+d) {
			return false
		}
		if d > 0 && (t.isLMS(a+d) || t.isLMS(b+d)) {
			return true
		}
	}
}

func bucketStarts(s, bkt []int32) {
	clear(bkt)
	for _, c := range s {
		bkt[c]++
	}
	sum := int32(0)
	for i, c := range bkt {
		bkt[i] = sum
		sum += c
	}
}

func bucketEnds(s, bkt []int32) {
	clear(bkt)
	for _, c := range s {
		bkt[c]++
	}
	sum := int32(0)
	for i, c := range bkt {
		sum += c
		bkt[i] = sum
	}
}

// induceL places the L-type suffixes, scanning left to right.
func induceL(s, sa []int32, t typeBits, bkt []int32) {
	bucketStarts(s, bkt)
	for i := range sa {
		j := sa[i] - 1
		if j >= 0 && !t.get(j) {
			sa[bkt[s[j]]] = j
			bkt[s[j]]++
		}
	}
}

// induceS places the S-type suffixes, scanning right to left.
func induceS(s, sa []int32, t typeBits, bkt []int32) {
	bucketEnds(s, bkt)
	for i := len(sa) - 1; i >= 0; i-- {
		j := sa[i] - 1
		if j >= 0 && t.get(j) {
			bkt[s[j]]--
			sa[bkt[s[j]]] = j
		}
	}
}
