package group

import (
	"fmt"
	"slices"
	"strconv"
)

// MaxLatticeN is the largest n for which SubgroupLattice enumerates all
// subgroups (S_5 has 156).
const MaxLatticeN = 5

// SubgroupClass is a conjugacy class of subgroups of S_n.
type SubgroupClass struct {
	// Name names the isomorphism type, with a qualifier where S_n has
	// several classes of one type: "C2_single_transposition",
	// "C2_double_transposition", "K4_double_transpositions" (the normal
	// Klein group of an S_4), "K4_disjoint_transpositions", "S3" (on three
	// points), "S3_twisted", "S2xS3", …; for S_5 these are the names of the
	// paper's code. The trivial group is "trivial", S_n itself "S<n>".
	Name string
	// Order is the order of each subgroup in the class.
	Order int
	// Conjugates holds every subgroup in the class, ordered by their
	// sorted element ranks.
	Conjugates []*Subgroup
}

// Named is one subgroup of a lattice with its class.
type Named struct {
	Class string
	// Index is the subgroup's position among its class's Conjugates.
	Index int
	*Subgroup
}

// Name returns "<class>_<index>", as the paper's code names subgroups.
func (s Named) Name() string { return s.Class + "_" + strconv.Itoa(s.Index) }

// Lattice is every subgroup of S_n, grouped into conjugacy classes.
type Lattice struct {
	n int
	// Classes are ordered by subgroup order, then name.
	Classes []SubgroupClass
}

// N returns the degree n.
func (l *Lattice) N() int { return l.n }

// Subgroups returns every subgroup, class by class.
func (l *Lattice) Subgroups() []Named {
	var out []Named
	for _, c := range l.Classes {
		for i, s := range c.Conjugates {
			out = append(out, Named{Class: c.Name, Index: i, Subgroup: s})
		}
	}
	return out
}

// ProperNontrivial returns the subgroups other than the trivial group and
// S_n itself: the candidates of the coset analysis (154 in 17 classes for
// S_5).
func (l *Lattice) ProperNontrivial() []Named {
	var out []Named
	for _, s := range l.Subgroups() {
		if o := s.Order(); o > 1 && o < Factorial(l.n) {
			out = append(out, s)
		}
	}
	return out
}

// Maximal returns the maximal proper subgroups of h: those K ⊊ h with no
// subgroup strictly between K and h.
func (l *Lattice) Maximal(h *Subgroup) []Named {
	var below []Named
	for _, s := range l.Subgroups() {
		if s.Order() < h.Order() && s.SubsetOf(h) {
			below = append(below, s)
		}
	}
	var out []Named
	for _, k := range below {
		maximal := true
		for _, m := range below {
			if m.Order() > k.Order() && k.SubsetOf(m.Subgroup) {
				maximal = false
				break
			}
		}
		if maximal {
			out = append(out, k)
		}
	}
	return out
}

// SubgroupLattice returns every subgroup of S_n, 1 ≤ n ≤ MaxLatticeN, with
// all conjugates. Every subgroup is a join of cyclic subgroups, so joining
// each subgroup found with each cyclic subgroup until nothing new appears
// finds them all.
func SubgroupLattice(n int) (*Lattice, error) {
	if err := checkDegree(n, MaxLatticeN); err != nil {
		return nil, err
	}
	t := newTable(n)
	type found struct {
		set  *Subgroup
		gens []int
	}
	var all []found
	index := map[string]int{}
	add := func(gens []int) {
		s := t.closure(gens)
		key := fmt.Sprint(s.member)
		if _, ok := index[key]; !ok {
			index[key] = len(all)
			all = append(all, found{s, gens})
		}
	}
	add(nil)
	for g := range t.order {
		add([]int{g})
	}
	cyclic := slices.Clone(all)
	for i := 0; i < len(all); i++ {
		for _, c := range cyclic {
			if len(c.gens) == 1 && !all[i].set.has(c.gens[0]) {
				add(append(slices.Clone(all[i].gens), c.gens[0]))
			}
		}
	}

	classOf := make([]int, len(all))
	for i := range classOf {
		classOf[i] = -1
	}
	var classes []SubgroupClass
	for i, f := range all {
		if classOf[i] >= 0 {
			continue
		}
		c := SubgroupClass{Order: f.set.Order()}
		for g := range t.order {
			conj := t.conjugate(f.set, g)
			j := index[fmt.Sprint(conj.member)]
			if classOf[j] < 0 {
				classOf[j] = len(classes)
				c.Conjugates = append(c.Conjugates, all[j].set)
			}
		}
		slices.SortFunc(c.Conjugates, func(a, b *Subgroup) int { return slices.Compare(a.ranks, b.ranks) })
		classes = append(classes, c)
	}
	nameClasses(n, classes, t)
	slices.SortFunc(classes, func(a, b SubgroupClass) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return &Lattice{n: n, Classes: classes}, nil
}

// table is the multiplication table of a small S_n, on ranks.
type table struct {
	n, order int
	elems    []Perm
	mul      []int // mul[a·order+b] = rank of elems[a]·elems[b]
	inv      []int
}

func newTable(n int) *table {
	elems, _ := Elements(n)
	t := &table{n: n, order: len(elems), elems: elems, mul: make([]int, len(elems)*len(elems)), inv: make([]int, len(elems))}
	for a, p := range elems {
		for b, q := range elems {
			t.mul[a*t.order+b] = Rank(p.Mul(q))
		}
		t.inv[a] = Rank(p.Inverse())
	}
	return t
}

func (t *table) closure(gens []int) *Subgroup {
	member := make([]uint64, (t.order+63)/64)
	id := Rank(Identity(t.n))
	member[id/64] |= 1 << (id % 64)
	elems := []int{id}
	for i := 0; i < len(elems); i++ {
		for _, g := range gens {
			h := t.mul[elems[i]*t.order+g]
			if member[h/64]&(1<<(h%64)) == 0 {
				member[h/64] |= 1 << (h % 64)
				elems = append(elems, h)
			}
		}
	}
	return fromBits(t.n, member)
}

func (t *table) conjugate(s *Subgroup, g int) *Subgroup {
	member := make([]uint64, len(s.member))
	for _, h := range s.ranks {
		c := t.mul[t.mul[g*t.order+h]*t.order+t.inv[g]]
		member[c/64] |= 1 << (c % 64)
	}
	return fromBits(t.n, member)
}

// nameClasses names each class by its isomorphism type (told apart within
// S_n ≤ S_5 by the order and the number of elements of each order), then
// qualifies the types that occur in several classes as the paper's code
// does.
func nameClasses(n int, classes []SubgroupClass, t *table) {
	count := map[string]int{}
	for i := range classes {
		classes[i].Name = isoName(n, classes[i].Conjugates[0], t)
		count[classes[i].Name]++
	}
	seen := map[string]int{}
	for i := range classes {
		c := &classes[i]
		if count[c.Name] < 2 {
			continue
		}
		hasTransposition := false
		for _, r := range c.Conjugates[0].ranks {
			if ct := t.elems[r].CycleType(); len(ct) == n-1 && ct[0] == 2 {
				hasTransposition = true
			}
		}
		switch {
		case c.Name == "C2" && hasTransposition:
			c.Name = "C2_single_transposition"
		case c.Name == "C2":
			c.Name = "C2_double_transposition"
		case c.Name == "K4" && hasTransposition:
			c.Name = "K4_disjoint_transpositions"
		case c.Name == "K4":
			c.Name = "K4_double_transpositions"
		case c.Name == "S3" && !hasTransposition:
			c.Name = "S3_twisted"
		case c.Name == "S3":
		default:
			seen[c.Name]++
			c.Name += "_" + strconv.Itoa(seen[c.Name])
		}
	}
}

func isoName(n int, s *Subgroup, t *table) string {
	order := s.Order()
	orders := map[int]int{}
	even := true
	for _, r := range s.ranks {
		p := t.elems[r]
		orders[p.Order()]++
		even = even && p.Sign() == 1
	}
	switch {
	case order == 1:
		return "trivial"
	case order == Factorial(n):
		return "S" + strconv.Itoa(n)
	case n >= 3 && even && order == Factorial(n)/2:
		return "A" + strconv.Itoa(n)
	case orders[order] > 0:
		return "C" + strconv.Itoa(order)
	}
	switch order {
	case 4:
		return "K4"
	case 6:
		return "S3"
	case 8:
		return "D8"
	case 10:
		return "D10"
	case 12:
		if orders[3] == 8 {
			return "A4"
		}
		return "S2xS3"
	case 20:
		return "F20"
	case 24:
		return "S4"
	}
	return "G" + strconv.Itoa(order)
}
