package recursion

import "hash/fnv"

// rng is SplitMix64 (Steele, Lea and Flood, 2014), written out here so
// that generated datasets depend on nothing but this file: the same seed
// gives the same documents with every Go release and on every machine,
// and the stream can be reproduced in any language. No floating point is
// involved anywhere in sampling.
type rng struct{ s uint64 }

// streamRNG returns the generator for one named stream of a seed, e.g.
// (seed, "succ", "test.carry_1", index): streams of different names or
// indices are independent.
func streamRNG(seed uint64, parts ...any) *rng {
	h := fnv.New64a()
	var buf [8]byte
	put := func(x uint64) {
		for i := range buf {
			buf[i] = byte(x >> (8 * i))
		}
		h.Write(buf[:])
	}
	put(seed)
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			put(uint64(len(x)))
			h.Write([]byte(x))
		case int:
			put(uint64(x))
		case uint64:
			put(x)
		}
	}
	r := &rng{s: h.Sum64()}
	r.next() // decorrelate neighbouring hashes
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform integer in [0, n), without modulo bias.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	un := uint64(n)
	threshold := -un % un // 2^64 mod n
	for {
		if x := r.next(); x >= threshold {
			return int(x % un)
		}
	}
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *rng) bit() bool { return r.next()>>63 == 1 }

// pick returns an index drawn with the given integer weights (not all
// zero).
func (r *rng) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// perm returns a uniform permutation of [0, n) (Fisher–Yates).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
