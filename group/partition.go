package group

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Partition is a partition of n: positive parts in non-increasing order.
// It names a conjugacy class of S_n (as a cycle type) and an irreducible
// representation (as the shape of Young tableaux).
type Partition []int

// Partitions returns the partitions of n in reverse lexicographic order:
// (n), (n−1, 1), (n−2, 2), (n−2, 1, 1), …, (1ⁿ). It panics for n < 0.
func Partitions(n int) []Partition {
	if n < 0 {
		panic("group: negative n")
	}
	var out []Partition
	var rec func(rest, largest int, prefix Partition)
	rec = func(rest, largest int, prefix Partition) {
		if rest == 0 {
			out = append(out, slices.Clone(prefix))
			return
		}
		for k := min(rest, largest); k >= 1; k-- {
			rec(rest-k, k, append(prefix, k))
		}
	}
	rec(n, n, nil)
	return out
}

// N returns the number partitioned, the sum of the parts.
func (λ Partition) N() int {
	n := 0
	for _, k := range λ {
		n += k
	}
	return n
}

// Validate reports whether λ is a partition: parts positive and
// non-increasing.
func (λ Partition) Validate() error {
	for i, k := range λ {
		if k < 1 || (i > 0 && k > λ[i-1]) {
			return fmt.Errorf("group: %v is not a partition: expected positive parts in non-increasing order", []int(λ))
		}
	}
	return nil
}

// Equal reports whether λ and μ have the same parts.
func (λ Partition) Equal(μ Partition) bool { return slices.Equal(λ, μ) }

// String formats λ as "(3,1,1)".
func (λ Partition) String() string {
	parts := make([]string, len(λ))
	for i, k := range λ {
		parts[i] = strconv.Itoa(k)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// ParsePartition reads a partition written as String writes it, with or
// without the parentheses and with optional spaces: "(3,1,1)", "3, 1, 1".
func ParsePartition(s string) (Partition, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "("), ")")
	var λ Partition
	for _, f := range strings.Split(t, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("group: partition %q: part %q is not an integer", s, f)
		}
		λ = append(λ, k)
	}
	if len(λ) == 0 {
		return nil, fmt.Errorf("group: partition %q has no parts", s)
	}
	if err := λ.Validate(); err != nil {
		return nil, err
	}
	return λ, nil
}

// Conjugate returns the transposed partition λ′ (rows become columns): the
// shape of the irrep λ tensored with the sign.
func (λ Partition) Conjugate() Partition {
	if len(λ) == 0 {
		return nil
	}
	c := make(Partition, λ[0])
	for j := range c {
		for _, k := range λ {
			if k > j {
				c[j]++
			}
		}
	}
	return c
}

// HookLengths returns the hook length of every cell (row i, column j): the
// cells to its right, below it, and itself.
func (λ Partition) HookLengths() [][]int {
	c := λ.Conjugate()
	h := make([][]int, len(λ))
	for i, k := range λ {
		h[i] = make([]int, k)
		for j := range k {
			h[i][j] = (k - j - 1) + (c[j] - i - 1) + 1
		}
	}
	return h
}

// Dimension returns the dimension of the irrep λ by the hook-length
// formula, n! divided by the product of the hook lengths.
func (λ Partition) Dimension() int {
	num := new(big.Int).MulRange(1, int64(λ.N()))
	den := big.NewInt(1)
	for _, row := range λ.HookLengths() {
		for _, h := range row {
			den.Mul(den, big.NewInt(int64(h)))
		}
	}
	return int(num.Quo(num, den).Int64())
}

// CentralizerOrder returns z_λ = Π_k k^{m_k}·m_k!, with m_k the number of
// parts equal to k: the order of the centraliser of a permutation of cycle
// type λ, so that its class has n!/z_λ elements.
func (λ Partition) CentralizerOrder() int {
	z := 1
	count := map[int]int{}
	for _, k := range λ {
		count[k]++
		z *= k * count[k]
	}
	return z
}

// Representative returns the permutation of cycle type λ whose cycles are
// runs of consecutive points, longest first.
func (λ Partition) Representative() Perm {
	p := Identity(λ.N())
	start := 0
	for _, k := range λ {
		for i := range k {
			p[start+i] = start + (i+1)%k
		}
		start += k
	}
	return p
}

// Tableau is a Young tableau: rows of entries, row i holding λ_i of them.
// The tableaux of this package hold 0, …, n−1.
type Tableau [][]int

// String formats t as rows separated by slashes, as "0 1 3/2 4".
func (t Tableau) String() string {
	rows := make([]string, len(t))
	for i, r := range t {
		rows[i] = strings.Trim(fmt.Sprint(r), "[]")
	}
	return strings.Join(rows, "/")
}

// StandardTableaux returns the standard Young tableaux of shape λ (entries
// 0, …, n−1 increasing along rows and down columns), ordered
// lexicographically by their row reading words as the paper's code orders
// them. They are the basis of the irrep λ in Young's orthogonal form.
func StandardTableaux(λ Partition) []Tableau {
	n := λ.N()
	filled := make([]int, len(λ)) // cells filled in each row
	cells := make([][]int, len(λ))
	for i, k := range λ {
		cells[i] = make([]int, k)
	}
	var out []Tableau
	var place func(v int)
	place = func(v int) {
		if v == n {
			t := make(Tableau, len(λ))
			for i := range cells {
				t[i] = slices.Clone(cells[i])
			}
			out = append(out, t)
			return
		}
		for i := range λ {
			j := filled[i]
			if j < λ[i] && (i == 0 || filled[i-1] > j) {
				cells[i][j] = v
				filled[i]++
				place(v + 1)
				filled[i]--
			}
		}
	}
	place(0)
	slices.SortFunc(out, func(a, b Tableau) int { return slices.Compare(readingWord(a), readingWord(b)) })
	return out
}

func readingWord(t Tableau) []int {
	var w []int
	for _, r := range t {
		w = append(w, r...)
	}
	return w
}
