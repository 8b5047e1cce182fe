package group

import (
	"errors"
	"fmt"
	"slices"
)

// MaxN is the largest n for which the package enumerates S_n (8! = 40,320
// elements).
const MaxN = 8

// ErrDegree reports a degree n outside what a function supports.
var ErrDegree = errors.New("group: unsupported degree")

func checkDegree(n, limit int) error {
	if n < 1 || n > limit {
		return fmt.Errorf("%w: n = %d, expected 1 ≤ n ≤ %d", ErrDegree, n, limit)
	}
	return nil
}

// Factorial returns n!, the order of S_n. It panics for n < 0 or n > 20,
// where n! overflows int64.
func Factorial(n int) int {
	if n < 0 || n > 20 {
		panic("group: factorial out of range")
	}
	f := 1
	for i := 2; i <= n; i++ {
		f *= i
	}
	return f
}

// Elements returns the n! elements of S_n in the lexicographic order of
// their one-line notation, so that Elements(n)[Rank(p)] equals p. This is
// the element order of functions on S_n throughout the package.
func Elements(n int) ([]Perm, error) {
	if err := checkDegree(n, MaxN); err != nil {
		return nil, err
	}
	order := Factorial(n)
	flat := make([]int, order*n)
	elems := make([]Perm, order)
	p := Identity(n)
	for r := range elems {
		elems[r] = Perm(flat[r*n : (r+1)*n : (r+1)*n])
		copy(elems[r], p)
		nextPermutation(p)
	}
	return elems, nil
}

// nextPermutation steps p to its lexicographic successor, wrapping around
// to the identity after the last one.
func nextPermutation(p Perm) {
	i := len(p) - 2
	for i >= 0 && p[i] > p[i+1] {
		i--
	}
	if i < 0 {
		slices.Reverse(p)
		return
	}
	j := len(p) - 1
	for p[j] < p[i] {
		j--
	}
	p[i], p[j] = p[j], p[i]
	slices.Reverse(p[i+1:])
}

// Rank returns the index of p in the lexicographic order of S_n (its
// Lehmer code read as a factorial-base number). It does not check that p
// is a permutation.
func Rank(p Perm) int {
	r := 0
	for i, v := range p {
		smaller := 0
		for _, w := range p[i+1:] {
			if w < v {
				smaller++
			}
		}
		r = r*(len(p)-i) + smaller
	}
	return r
}

// Unrank returns the permutation of {0, …, n−1} with lexicographic index r.
// It panics unless 0 ≤ r < n!.
func Unrank(n, r int) Perm {
	if r < 0 || r >= Factorial(n) {
		panic("group: rank out of range")
	}
	digits := make([]int, n)
	for i := n - 1; i >= 0; i-- {
		base := n - i
		digits[i] = r % base
		r /= base
	}
	free := Identity(n)
	p := make(Perm, n)
	for i, d := range digits {
		p[i] = free[d]
		free = slices.Delete(free, d, d+1)
	}
	return p
}

// TokenOrder returns S_n in the order of the paper's code (sn-grok), which
// numbers the tokens of its models by it: even permutations before odd
// ones, each part in lexicographic order of the one-line notation.
func TokenOrder(n int) ([]Perm, error) {
	elems, err := Elements(n)
	if err != nil {
		return nil, err
	}
	order := make([]Perm, 0, len(elems))
	for _, parity := range []int{1, -1} {
		for _, p := range elems {
			if p.Sign() == parity {
				order = append(order, p)
			}
		}
	}
	return order, nil
}

// Class is a conjugacy class of S_n: the permutations of one cycle type.
type Class struct {
	// CycleType is the partition of n that names the class.
	CycleType Partition
	// Size is the number of elements, n!/z_λ.
	Size int
	// Representative is the element whose cycles are runs of consecutive
	// points, longest first: (0 1 … λ₁−1)(λ₁ … λ₁+λ₂−1)….
	Representative Perm
}

// ConjugacyClasses returns the classes of S_n in the order of Partitions(n)
// (the identity's class (1ⁿ) last). It supports 1 ≤ n ≤ 20.
func ConjugacyClasses(n int) ([]Class, error) {
	if err := checkDegree(n, 20); err != nil {
		return nil, err
	}
	parts := Partitions(n)
	classes := make([]Class, len(parts))
	for i, λ := range parts {
		classes[i] = Class{CycleType: λ, Size: Factorial(n) / λ.CentralizerOrder(), Representative: λ.Representative()}
	}
	return classes, nil
}
