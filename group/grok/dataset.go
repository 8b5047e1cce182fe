package grok

import (
	"fmt"
	"math/rand/v2"

	"github.com/fmkit/fmkit/group"
)

// Dataset is the multiplication table of S_n as a classification task:
// every pair (left, right) of tokens, with the token of left·right as the
// label. Tokens number S_n in sn-grok's order (group.TokenOrder: even
// permutations first, each part lexicographic), and pair i is
// (i / |G|, i mod |G|), left-major, as sn-grok's table is.
type Dataset struct {
	n, order int
	// Elements[t] is the permutation of token t.
	Elements []group.Perm
	// Target[i] is the token of left·right for pair i.
	Target []int32
	// lexRank[t] is token t's index in group.Elements order.
	lexRank []int
}

// NewDataset builds the table of S_n, 2 ≤ n ≤ MaxN.
func NewDataset(n int) (*Dataset, error) {
	if n < 2 || n > MaxN {
		return nil, fmt.Errorf("grok: dataset: n = %d, expected 2 ≤ n ≤ %d", n, MaxN)
	}
	elems, err := group.TokenOrder(n)
	if err != nil {
		return nil, err
	}
	order := len(elems)
	d := &Dataset{n: n, order: order, Elements: elems, Target: make([]int32, order*order), lexRank: make([]int, order)}
	tokenOf := make([]int32, order) // lexicographic rank → token
	for t, p := range elems {
		d.lexRank[t] = group.Rank(p)
		tokenOf[d.lexRank[t]] = int32(t)
	}
	prod := make(group.Perm, n)
	for l, a := range elems {
		for r, b := range elems {
			a.MulTo(prod, b)
			d.Target[l*order+r] = tokenOf[group.Rank(prod)]
		}
	}
	return d, nil
}

// N returns the degree n.
func (d *Dataset) N() int { return d.n }

// Order returns |G| = n!, the vocabulary size.
func (d *Dataset) Order() int { return d.order }

// Pairs returns |G|², the number of pairs.
func (d *Dataset) Pairs() int { return d.order * d.order }

// Pair returns the tokens of pair i.
func (d *Dataset) Pair(i int) (left, right int) { return i / d.order, i % d.order }

// LexRank returns the index in group.Elements order of token t, the order
// in which package group lays out functions on S_n.
func (d *Dataset) LexRank(t int) int { return d.lexRank[t] }

// ToLex reorders a function given per token (fn[t]) into group.Elements
// order.
func (d *Dataset) ToLex(fn []float64) []float64 {
	out := make([]float64, len(fn))
	for t, v := range fn {
		out[d.lexRank[t]] = v
	}
	return out
}

// Split is a partition of the pairs into training and test sets.
type Split struct {
	// Train and Test hold pair indices in increasing order.
	Train, Test []int32
}

// NewSplit draws floor(frac·|G|²) training pairs uniformly without
// replacement, seeded (PCG with both words set to seed), and leaves the
// rest for testing. The same (n, frac, seed) always gives the same split.
// (sn-grok samples with polars; its draws are not reproduced.)
func NewSplit(d *Dataset, frac float64, seed uint64) (Split, error) {
	if !(frac > 0 && frac < 1) {
		return Split{}, fmt.Errorf("grok: split: fraction %v, expected 0 < frac < 1", frac)
	}
	total := d.Pairs()
	k := int(frac * float64(total))
	if k < 1 || k >= total {
		return Split{}, fmt.Errorf("grok: split: fraction %v of %d pairs leaves one side empty", frac, total)
	}
	perm := rand.New(rand.NewPCG(seed, seed)).Perm(total)
	mask := make([]bool, total)
	for _, i := range perm[:k] {
		mask[i] = true
	}
	return SplitFromMask(mask), nil
}

// SplitFromMask returns the split with the pairs whose mask entry is true
// in the training set.
func SplitFromMask(mask []bool) Split {
	var s Split
	for i, train := range mask {
		if train {
			s.Train = append(s.Train, int32(i))
		} else {
			s.Test = append(s.Test, int32(i))
		}
	}
	return s
}

// Mask returns one entry per pair, true for training pairs.
func (s Split) Mask(pairs int) []bool {
	mask := make([]bool, pairs)
	for _, i := range s.Train {
		mask[i] = true
	}
	return mask
}
