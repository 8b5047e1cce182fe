package group

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Perm is a permutation of {0, …, n−1} in one-line notation: p[i] is the
// image of i. Permutations of different lengths never mix; the methods
// that take two permutations panic if their lengths differ.
type Perm []int

// ErrNotPermutation reports a sequence that is not a permutation of
// {0, …, n−1}.
var ErrNotPermutation = errors.New("group: not a permutation")

// Identity returns the identity of S_n.
func Identity(n int) Perm {
	p := make(Perm, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// NewPerm returns the permutation with the given images, checking that
// they hold each of 0, …, n−1 exactly once.
func NewPerm(images ...int) (Perm, error) {
	p := Perm(slices.Clone(images))
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Validate reports whether p holds each of 0, …, len(p)−1 exactly once.
func (p Perm) Validate() error {
	seen := make([]bool, len(p))
	for i, v := range p {
		if v < 0 || v >= len(p) {
			return fmt.Errorf("%w: image %d of %d is outside 0..%d", ErrNotPermutation, v, i, len(p)-1)
		}
		if seen[v] {
			return fmt.Errorf("%w: %d appears twice", ErrNotPermutation, v)
		}
		seen[v] = true
	}
	return nil
}

// FromCycles returns the permutation of {0, …, n−1} with the given cycles:
// the cycle (a b c) sends a to b, b to c and c to a. Points in no cycle are
// fixed.
func FromCycles(n int, cycles ...[]int) (Perm, error) {
	p := Identity(n)
	moved := make([]bool, n)
	for _, c := range cycles {
		for i, a := range c {
			if a < 0 || a >= n {
				return nil, fmt.Errorf("%w: cycle %v: %d is outside 0..%d", ErrNotPermutation, c, a, n-1)
			}
			if moved[a] {
				return nil, fmt.Errorf("%w: cycle %v: %d appears in two places", ErrNotPermutation, c, a)
			}
			moved[a] = true
			p[a] = c[(i+1)%len(c)]
		}
	}
	return p, nil
}

// Mul returns the product p·q, which applies p first and then q:
// (p·q)[i] = q[p[i]]. This is the convention of the paper's code
// (sn-grok), under which irreps satisfy ρ(p·q) = ρ(p)ρ(q). It panics if
// the lengths differ.
func (p Perm) Mul(q Perm) Perm {
	r := make(Perm, len(p))
	p.MulTo(r, q)
	return r
}

// MulTo writes p·q into dst, which must not alias p. It panics if the
// lengths differ.
func (p Perm) MulTo(dst, q Perm) {
	if len(q) != len(p) || len(dst) != len(p) {
		panic("group: permutation lengths differ")
	}
	for i, v := range p {
		dst[i] = q[v]
	}
}

// Inverse returns p⁻¹.
func (p Perm) Inverse() Perm {
	q := make(Perm, len(p))
	for i, v := range p {
		q[v] = i
	}
	return q
}

// Equal reports whether p and q are the same permutation.
func (p Perm) Equal(q Perm) bool { return slices.Equal(p, q) }

// IsIdentity reports whether p fixes every point.
func (p Perm) IsIdentity() bool {
	for i, v := range p {
		if i != v {
			return false
		}
	}
	return true
}

// Cycles returns the cycles of p of length two or more, each starting at
// its smallest point, in the order of their smallest points. The cycle
// (a b c) means p[a] = b, p[b] = c, p[c] = a.
func (p Perm) Cycles() [][]int {
	seen := make([]bool, len(p))
	var cycles [][]int
	for start := range p {
		if seen[start] || p[start] == start {
			continue
		}
		var c []int
		for i := start; !seen[i]; i = p[i] {
			seen[i] = true
			c = append(c, i)
		}
		cycles = append(cycles, c)
	}
	return cycles
}

// CycleType returns the lengths of all cycles of p, fixed points included,
// in non-increasing order: the partition of n that names p's conjugacy
// class.
func (p Perm) CycleType() Partition {
	seen := make([]bool, len(p))
	var lengths Partition
	for start := range p {
		if seen[start] {
			continue
		}
		k := 0
		for i := start; !seen[i]; i = p[i] {
			seen[i] = true
			k++
		}
		lengths = append(lengths, k)
	}
	slices.SortFunc(lengths, func(a, b int) int { return b - a })
	return lengths
}

// Sign returns +1 for an even permutation and −1 for an odd one.
func (p Perm) Sign() int {
	s := 1
	for _, k := range p.CycleType() {
		if k%2 == 0 {
			s = -s
		}
	}
	return s
}

// Order returns the smallest k ≥ 1 with p^k the identity: the least common
// multiple of the cycle lengths.
func (p Perm) Order() int {
	o := 1
	for _, k := range p.CycleType() {
		o = o / gcd(o, k) * k
	}
	return o
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Inversions returns the number of pairs i < j with p[i] > p[j], the length
// of p as a word in adjacent transpositions.
func (p Perm) Inversions() int {
	n := 0
	for i := range p {
		for j := i + 1; j < len(p); j++ {
			if p[i] > p[j] {
				n++
			}
		}
	}
	return n
}

// String formats p in one-line notation, as "[1 0 2]".
func (p Perm) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(v))
	}
	b.WriteByte(']')
	return b.String()
}

// CycleString formats p in cycle notation, as "(0 1)(2 3 4)", or "()" for
// the identity.
func (p Perm) CycleString() string {
	cycles := p.Cycles()
	if len(cycles) == 0 {
		return "()"
	}
	var b strings.Builder
	for _, c := range cycles {
		b.WriteByte('(')
		for i, v := range c {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(v))
		}
		b.WriteByte(')')
	}
	return b.String()
}
