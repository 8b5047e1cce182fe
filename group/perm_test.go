package group_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/group"
)

func mustPerm(t *testing.T, images ...int) group.Perm {
	t.Helper()
	p, err := group.NewPerm(images...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPermBasics(t *testing.T) {
	tests := []struct {
		p         []int
		cycles    string
		cycleType group.Partition
		sign      int
		order     int
		inv       []int
	}{
		{[]int{0, 1, 2}, "()", group.Partition{1, 1, 1}, 1, 1, []int{0, 1, 2}},
		{[]int{1, 0, 2}, "(0 1)", group.Partition{2, 1}, -1, 2, []int{1, 0, 2}},
		{[]int{1, 2, 0}, "(0 1 2)", group.Partition{3}, 1, 3, []int{2, 0, 1}},
		{[]int{1, 0, 3, 4, 2}, "(0 1)(2 3 4)", group.Partition{3, 2}, -1, 6, []int{1, 0, 4, 2, 3}},
		{[]int{3, 2, 1, 0}, "(0 3)(1 2)", group.Partition{2, 2}, 1, 2, []int{3, 2, 1, 0}},
		{[]int{1, 2, 3, 0}, "(0 1 2 3)", group.Partition{4}, -1, 4, []int{3, 0, 1, 2}},
	}
	for _, tc := range tests {
		p := mustPerm(t, tc.p...)
		if got := p.CycleString(); got != tc.cycles {
			t.Errorf("%v: cycles %s, want %s", p, got, tc.cycles)
		}
		if got := p.CycleType(); !got.Equal(tc.cycleType) {
			t.Errorf("%v: cycle type %v, want %v", p, got, tc.cycleType)
		}
		if got := p.Sign(); got != tc.sign {
			t.Errorf("%v: sign %d, want %d", p, got, tc.sign)
		}
		if got := p.Order(); got != tc.order {
			t.Errorf("%v: order %d, want %d", p, got, tc.order)
		}
		if got := p.Inverse(); !slices.Equal(got, tc.inv) {
			t.Errorf("%v: inverse %v, want %v", p, got, tc.inv)
		}
		if !p.Mul(p.Inverse()).IsIdentity() || !p.Inverse().Mul(p).IsIdentity() {
			t.Errorf("%v: p·p⁻¹ is not the identity", p)
		}
		if (p.Inversions()%2 == 0) != (tc.sign == 1) {
			t.Errorf("%v: %d inversions disagree with sign %d", p, p.Inversions(), tc.sign)
		}
		c, err := group.FromCycles(len(p), p.Cycles()...)
		if err != nil || !c.Equal(p) {
			t.Errorf("%v: FromCycles(Cycles) = %v, %v", p, c, err)
		}
	}
}

// TestMulConvention pins the product to sn-grok's: (a·b)[i] = b[a[i]],
// a applied first.
func TestMulConvention(t *testing.T) {
	a := mustPerm(t, 1, 0, 2) // (0 1)
	b := mustPerm(t, 0, 2, 1) // (1 2)
	// a first: 0→1, then b: 1→2; so a·b sends 0 to 2.
	if got, want := a.Mul(b), (group.Perm{2, 0, 1}); !got.Equal(want) {
		t.Fatalf("(0 1)·(1 2) = %v, want %v", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		x, y, z := randPerm(rng, 6), randPerm(rng, 6), randPerm(rng, 6)
		if !x.Mul(y).Mul(z).Equal(x.Mul(y.Mul(z))) {
			t.Fatal("product is not associative")
		}
		for i := range x {
			if x.Mul(y)[i] != y[x[i]] {
				t.Fatal("(x·y)[i] != y[x[i]]")
			}
		}
	}
}

func randPerm(rng *rand.Rand, n int) group.Perm { return group.Perm(rng.Perm(n)) }

func TestPermErrors(t *testing.T) {
	for _, bad := range [][]int{{0, 0}, {1, 2}, {-1, 0}, {0, 1, 3}} {
		if _, err := group.NewPerm(bad...); !errors.Is(err, group.ErrNotPermutation) {
			t.Errorf("NewPerm(%v): %v, want ErrNotPermutation", bad, err)
		}
	}
	if _, err := group.FromCycles(3, []int{0, 1}, []int{1, 2}); !errors.Is(err, group.ErrNotPermutation) {
		t.Errorf("overlapping cycles: %v", err)
	}
	if _, err := group.FromCycles(3, []int{0, 3}); !errors.Is(err, group.ErrNotPermutation) {
		t.Errorf("point out of range: %v", err)
	}
	if _, err := group.Generate(3, group.Perm{0, 1}); !errors.Is(err, group.ErrNotPermutation) {
		t.Errorf("generator of the wrong length: %v", err)
	}
	for _, n := range []int{0, 9} {
		if _, err := group.Elements(n); !errors.Is(err, group.ErrDegree) {
			t.Errorf("Elements(%d): %v, want ErrDegree", n, err)
		}
	}
	if _, err := group.NewFourier(8); !errors.Is(err, group.ErrDegree) {
		t.Errorf("NewFourier(8): %v", err)
	}
	if _, err := group.SubgroupLattice(6); !errors.Is(err, group.ErrDegree) {
		t.Errorf("SubgroupLattice(6): %v", err)
	}
}

func TestElementsAndRank(t *testing.T) {
	for n := 1; n <= group.MaxN; n++ {
		elems, err := group.Elements(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(elems) != group.Factorial(n) {
			t.Fatalf("S_%d: %d elements", n, len(elems))
		}
		for r, p := range elems {
			if r > 0 && slices.Compare(elems[r-1], p) >= 0 {
				t.Fatalf("S_%d: elements %d and %d out of lexicographic order", n, r-1, r)
			}
			if group.Rank(p) != r {
				t.Fatalf("S_%d: Rank(%v) = %d, want %d", n, p, group.Rank(p), r)
			}
			if n <= 6 && !group.Unrank(n, r).Equal(p) {
				t.Fatalf("S_%d: Unrank(%d) = %v, want %v", n, r, group.Unrank(n, r), p)
			}
		}
	}
}

func TestTokenOrder(t *testing.T) {
	tok, err := group.TokenOrder(4)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 24 || !tok[0].IsIdentity() || tok[11].Sign() != 1 || tok[12].Sign() != -1 {
		t.Fatalf("token order: %v", tok)
	}
	// odd part starts with the smallest odd permutation, (2 3).
	if !tok[12].Equal(group.Perm{0, 1, 3, 2}) {
		t.Errorf("first odd token %v, want [0 1 3 2]", tok[12])
	}
}

func TestConjugacyClasses(t *testing.T) {
	for n := 1; n <= 7; n++ {
		classes, err := group.ConjugacyClasses(n)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		elems, _ := group.Elements(n)
		for _, p := range elems {
			count[p.CycleType().String()]++
		}
		total := 0
		for _, c := range classes {
			if got := count[c.CycleType.String()]; got != c.Size {
				t.Errorf("S_%d class %v: size %d, %d elements have that cycle type", n, c.CycleType, c.Size, got)
			}
			if !c.Representative.CycleType().Equal(c.CycleType) {
				t.Errorf("S_%d class %v: representative %v has cycle type %v", n, c.CycleType, c.Representative, c.Representative.CycleType())
			}
			total += c.Size
		}
		if total != group.Factorial(n) || len(classes) != len(count) {
			t.Errorf("S_%d: classes cover %d elements in %d classes", n, total, len(classes))
		}
	}
}
