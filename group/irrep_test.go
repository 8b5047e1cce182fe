package group_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/group"
)

// matMul returns the product of two d×d row-major matrices.
func matMul(a, b []float64, d int) []float64 {
	c := make([]float64, d*d)
	for i := range d {
		for k := range d {
			for j := range d {
				c[i*d+j] += a[i*d+k] * b[k*d+j]
			}
		}
	}
	return c
}

func maxDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func transpose(a []float64, d int) []float64 {
	t := make([]float64, d*d)
	for i := range d {
		for j := range d {
			t[j*d+i] = a[i*d+j]
		}
	}
	return t
}

func identity(d int) []float64 {
	m := make([]float64, d*d)
	for i := range d {
		m[i*d+i] = 1
	}
	return m
}

const tol = 1e-10

// TestHomomorphismAllPairs checks ρ(g·h) = ρ(g)ρ(h) for every pair and
// ρ(g)ρ(g)ᵀ = I for every element, n ≤ 5, with the table and with Matrix.
func TestHomomorphismAllPairs(t *testing.T) {
	for n := 1; n <= 5; n++ {
		elems, _ := group.Elements(n)
		for _, λ := range group.Partitions(n) {
			r, err := group.NewIrrep(λ)
			if err != nil {
				t.Fatal(err)
			}
			d := r.Dim()
			tab := r.Table()
			at := func(p group.Perm) []float64 { k := group.Rank(p); return tab[k*d*d : (k+1)*d*d] }
			for _, g := range elems {
				if diff := maxDiff(at(g), r.Matrix(g)); diff > tol {
					t.Fatalf("%v: table and Matrix differ at %v by %g", λ, g, diff)
				}
				if diff := maxDiff(matMul(at(g), transpose(at(g), d), d), identity(d)); diff > tol {
					t.Fatalf("%v: ρ(%v) is not orthogonal (%g)", λ, g, diff)
				}
				if diff := maxDiff(at(g.Inverse()), transpose(at(g), d)); diff > tol {
					t.Fatalf("%v: ρ(g⁻¹) ≠ ρ(g)ᵀ at %v", λ, g)
				}
				for _, h := range elems {
					if diff := maxDiff(at(g.Mul(h)), matMul(at(g), at(h), d)); diff > tol {
						t.Fatalf("%v: ρ(%v·%v) ≠ ρ(%v)ρ(%v) (%g)", λ, g, h, g, h, diff)
					}
				}
			}
		}
	}
}

// TestHomomorphismSampled checks S_6 and S_7 on random pairs.
func TestHomomorphismSampled(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, n := range []int{6, 7} {
		for _, λ := range group.Partitions(n) {
			r, err := group.NewIrrep(λ)
			if err != nil {
				t.Fatal(err)
			}
			d := r.Dim()
			for range 20 {
				g, h := randPerm(rng, n), randPerm(rng, n)
				gm, hm := r.Matrix(g), r.Matrix(h)
				if diff := maxDiff(r.Matrix(g.Mul(h)), matMul(gm, hm, d)); diff > tol {
					t.Fatalf("S_%d %v: ρ(gh) ≠ ρ(g)ρ(h) (%g)", n, λ, diff)
				}
				if diff := maxDiff(matMul(gm, transpose(gm, d), d), identity(d)); diff > tol {
					t.Fatalf("S_%d %v: not orthogonal (%g)", n, λ, diff)
				}
			}
		}
	}
}

// TestNamedIrreps checks the trivial, sign and standard representations.
func TestNamedIrreps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 6
	trivial, _ := group.NewIrrep(group.Partition{6})
	sign, _ := group.NewIrrep(group.Partition{1, 1, 1, 1, 1, 1})
	standard, _ := group.NewIrrep(group.Partition{5, 1})
	for range 50 {
		p := randPerm(rng, n)
		if v := trivial.Matrix(p)[0]; math.Abs(v-1) > tol {
			t.Errorf("trivial(%v) = %g", p, v)
		}
		if v := sign.Matrix(p)[0]; math.Abs(v-float64(p.Sign())) > tol {
			t.Errorf("sign(%v) = %g, want %d", p, v, p.Sign())
		}
		fixed := 0
		for i, v := range p {
			if i == v {
				fixed++
			}
		}
		if v := standard.Character(p); math.Abs(v-float64(fixed-1)) > tol {
			t.Errorf("standard character of %v = %g, want fixed points − 1 = %d", p, v, fixed-1)
		}
	}
}

// Standard character tables, rows and columns in the order of
// Partitions(n) (irreps and cycle types), from the textbook tables.
var textbookCharacters = map[int][][]int{
	3: {
		{1, 1, 1},
		{-1, 0, 2},
		{1, -1, 1},
	},
	4: {
		{1, 1, 1, 1, 1},
		{-1, 0, -1, 1, 3},
		{0, -1, 2, 0, 2},
		{1, 0, -1, -1, 3},
		{-1, 1, 1, -1, 1},
	},
	5: {
		{1, 1, 1, 1, 1, 1, 1},
		{-1, 0, -1, 1, 0, 2, 4},
		{0, -1, 1, -1, 1, 1, 5},
		{1, 0, 0, 0, -2, 0, 6},
		{0, 1, -1, -1, 1, -1, 5},
		{-1, 0, 1, 1, 0, -2, 4},
		{1, -1, -1, 1, 1, -1, 1},
	},
}

func TestCharacterTables(t *testing.T) {
	for n, want := range textbookCharacters {
		ct, err := group.Characters(n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if !slices.Equal(ct.Values[i], want[i]) {
				t.Errorf("S_%d irrep %v: characters %v, want %v", n, ct.Irreps[i], ct.Values[i], want[i])
			}
		}
	}
	// Row orthogonality for larger n: Σ_classes |C| χ_i χ_j = n!·δ_ij.
	for n := 6; n <= 7; n++ {
		ct, err := group.Characters(n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ct.Values {
			for j := range ct.Values {
				s := 0
				for k, c := range ct.Classes {
					s += c.Size * ct.Values[i][k] * ct.Values[j][k]
				}
				want := 0
				if i == j {
					want = group.Factorial(n)
				}
				if s != want {
					t.Errorf("S_%d: ⟨χ%v, χ%v⟩·n! = %d, want %d", n, ct.Irreps[i], ct.Irreps[j], s, want)
				}
			}
		}
	}
}

// sngrokCharacters is testdata/sngrok_characters.json: traces of the
// paper's code's matrices per conjugacy class.
type sngrokCharacters map[string]struct {
	Partitions [][]int     `json:"partitions"`
	Dims       []int       `json:"dims"`
	Classes    [][]int     `json:"classes"`
	Chi        [][]float64 `json:"chi"`
}

func TestCharactersMatchSnGrok(t *testing.T) {
	b, err := os.ReadFile("testdata/sngrok_characters.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref sngrokCharacters
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref) != 3 {
		t.Fatalf("fixture has %d groups", len(ref))
	}
	for key, e := range ref {
		for i, part := range e.Partitions {
			λ := group.Partition(part)
			r, err := group.NewIrrep(λ)
			if err != nil {
				t.Fatal(err)
			}
			if r.Dim() != e.Dims[i] {
				t.Errorf("S_%s %v: dim %d, sn-grok %d", key, λ, r.Dim(), e.Dims[i])
			}
			for j, ct := range e.Classes {
				got := r.Character(group.Partition(ct).Representative())
				if math.Abs(got-e.Chi[i][j]) > 1e-9 {
					t.Errorf("S_%s χ%v on class %v: %g, sn-grok %g", key, λ, ct, got, e.Chi[i][j])
				}
			}
		}
	}
}
