package group

import (
	"fmt"
	"math"
	"slices"
)

// MaxIrrepN is the largest n for which NewIrrep builds irreps.
const MaxIrrepN = 8

// Irrep is an irreducible representation of S_n in Young's orthogonal
// form. Its basis is the standard Young tableaux of its partition (in the
// order of StandardTableaux). The adjacent transposition s_k = (k k+1)
// acts on a tableau T with the diagonal entry 1/d, where d = c(k+1) − c(k)
// is the axial distance (c(v) = column − row of the cell holding v), and
// with the off-diagonal entry √(1 − 1/d²) between T and the tableau with k
// and k+1 swapped when that one is standard. Every other permutation is a
// product of adjacent transpositions, and ρ(p·q) = ρ(p)ρ(q) under the
// package's product (Perm.Mul). The matrices are orthogonal, so
// ρ(p⁻¹) = ρ(p)ᵀ.
//
// An Irrep is immutable and safe for concurrent use.
type Irrep struct {
	partition Partition
	tableaux  []Tableau
	n, dim    int
	// gens[k] is ρ(s_k) as a sparse matrix: every column j has diag[j] on
	// the diagonal and off[j] in row partner[j] (−1 when T_j has no
	// standard partner). ρ(s_k) is symmetric.
	gens []adjacent
}

type adjacent struct {
	diag, off []float64
	partner   []int
}

// NewIrrep builds the irrep of S_n named by the partition λ of n.
func NewIrrep(λ Partition) (*Irrep, error) {
	if err := λ.Validate(); err != nil {
		return nil, err
	}
	n := λ.N()
	if err := checkDegree(n, MaxIrrepN); err != nil {
		return nil, err
	}
	tabs := StandardTableaux(λ)
	r := &Irrep{partition: slices.Clone(λ), tableaux: tabs, n: n, dim: len(tabs)}
	index := make(map[string]int, len(tabs))
	pos := make([][][2]int, len(tabs)) // pos[t][v] = (row, column) of v in tableau t
	for t, tab := range tabs {
		index[fmt.Sprint(tab)] = t
		pos[t] = make([][2]int, n)
		for i, row := range tab {
			for j, v := range row {
				pos[t][v] = [2]int{i, j}
			}
		}
	}
	for k := 0; k+1 < n; k++ {
		g := adjacent{diag: make([]float64, r.dim), off: make([]float64, r.dim), partner: make([]int, r.dim)}
		for t, tab := range tabs {
			a, b := pos[t][k], pos[t][k+1]
			d := float64((b[1] - b[0]) - (a[1] - a[0]))
			g.diag[t] = 1 / d
			g.partner[t] = -1
			if math.Abs(d) > 1 { // k and k+1 share neither a row nor a column
				g.partner[t] = index[fmt.Sprint(swapEntries(tab, a, b))]
				g.off[t] = math.Sqrt(1 - 1/(d*d))
			}
		}
		r.gens = append(r.gens, g)
	}
	return r, nil
}

func swapEntries(t Tableau, a, b [2]int) Tableau {
	s := make(Tableau, len(t))
	for i := range t {
		s[i] = slices.Clone(t[i])
	}
	s[a[0]][a[1]], s[b[0]][b[1]] = s[b[0]][b[1]], s[a[0]][a[1]]
	return s
}

// Partition returns the partition that names r.
func (r *Irrep) Partition() Partition { return slices.Clone(r.partition) }

// Dim returns the dimension of r, the number of standard tableaux.
func (r *Irrep) Dim() int { return r.dim }

// N returns the degree n of the group S_n that r represents.
func (r *Irrep) N() int { return r.n }

// Tableaux returns r's basis.
func (r *Irrep) Tableaux() []Tableau { return r.tableaux }

// mulAdjacent writes dst = a·ρ(s_k) for the d×d row-major matrix a. dst
// must not alias a.
func (r *Irrep) mulAdjacent(dst, a []float64, k int) {
	d, g := r.dim, &r.gens[k]
	for row := 0; row < d; row++ {
		ar, dr := a[row*d:(row+1)*d], dst[row*d:(row+1)*d]
		for j := range dr {
			v := ar[j] * g.diag[j]
			if p := g.partner[j]; p >= 0 {
				v += ar[p] * g.off[j]
			}
			dr[j] = v
		}
	}
}

// Matrix returns ρ(p) as a d×d row-major matrix. It panics if p is not a
// permutation of length n.
func (r *Irrep) Matrix(p Perm) []float64 {
	if len(p) != r.n {
		panic("group: permutation length differs from the irrep's degree")
	}
	word := reducedWord(p)
	d := r.dim
	m, tmp := make([]float64, d*d), make([]float64, d*d)
	for i := 0; i < d; i++ {
		m[i*d+i] = 1
	}
	// p = s_{w[m−1]}·…·s_{w[0]}, so ρ(p) = ρ(s_{w[m−1]})…ρ(s_{w[0]}).
	for i := len(word) - 1; i >= 0; i-- {
		r.mulAdjacent(tmp, m, word[i])
		m, tmp = tmp, m
	}
	return m
}

// reducedWord returns k_0, k_1, … with p = s_{k_{m−1}}·…·s_{k_1}·s_{k_0}, a
// word of minimal length (the number of inversions of p).
func reducedWord(p Perm) []int {
	q := slices.Clone(p)
	pos := q.Inverse() // pos[v] = where v stands in q
	var word []int
	for {
		k := 0
		for k+1 < len(q) && pos[k+1] > pos[k] {
			k++
		}
		if k+1 >= len(q) {
			return word
		}
		// q = q′·s_k where q′ = q·s_k swaps the values k and k+1, which
		// removes one inversion.
		q[pos[k]], q[pos[k+1]] = k+1, k
		pos[k], pos[k+1] = pos[k+1], pos[k]
		word = append(word, k)
	}
}

// Character returns χ(p) = tr ρ(p).
func (r *Irrep) Character(p Perm) float64 {
	m := r.Matrix(p)
	t := 0.0
	for i := 0; i < r.dim; i++ {
		t += m[i*r.dim+i]
	}
	return t
}

// Table returns ρ(g) for every g in S_n, in the order of Elements(n): the
// d×d matrix of the element of rank g starts at offset g·d². Each matrix
// is one product by a sparse ρ(s_k) away from a matrix already built, so
// the table costs O(n!·d²).
func (r *Irrep) Table() []float64 {
	n, d := r.n, r.dim
	order := Factorial(n)
	tab := make([]float64, order*d*d)
	done := make([]bool, order)
	id := Identity(n)
	queue := []Perm{id}
	r0 := Rank(id)
	done[r0] = true
	for i := 0; i < d; i++ {
		tab[r0*d*d+i*d+i] = 1
	}
	next := make(Perm, n)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		rg := Rank(g)
		for k := 0; k+1 < n; k++ {
			g.MulTo(next, adjacentTransposition(n, k))
			rh := Rank(next)
			if done[rh] {
				continue
			}
			done[rh] = true
			r.mulAdjacent(tab[rh*d*d:(rh+1)*d*d], tab[rg*d*d:(rg+1)*d*d], k)
			queue = append(queue, slices.Clone(next))
		}
	}
	return tab
}

func adjacentTransposition(n, k int) Perm {
	s := Identity(n)
	s[k], s[k+1] = k+1, k
	return s
}

// CharacterTable holds the characters of the irreps of S_n on its
// conjugacy classes.
type CharacterTable struct {
	// Irreps and Classes are both in the order of Partitions(n).
	Irreps  []Partition
	Classes []Class
	// Values[i][j] is the character of irrep i on class j.
	Values [][]int
}

// Characters returns the character table of S_n, 1 ≤ n ≤ MaxIrrepN, from
// the traces of Young's orthogonal form (characters of S_n are integers;
// the traces are rounded to them).
func Characters(n int) (*CharacterTable, error) {
	if err := checkDegree(n, MaxIrrepN); err != nil {
		return nil, err
	}
	classes, err := ConjugacyClasses(n)
	if err != nil {
		return nil, err
	}
	ct := &CharacterTable{Irreps: Partitions(n), Classes: classes}
	for _, λ := range ct.Irreps {
		r, err := NewIrrep(λ)
		if err != nil {
			return nil, err
		}
		row := make([]int, len(classes))
		for j, c := range classes {
			row[j] = int(math.Round(r.Character(c.Representative)))
		}
		ct.Values = append(ct.Values, row)
	}
	return ct, nil
}
