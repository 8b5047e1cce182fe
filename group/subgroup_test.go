package group_test

import (
	"testing"

	"github.com/fmkit/fmkit/group"
)

func TestGenerate(t *testing.T) {
	tests := []struct {
		n     int
		gens  []group.Perm
		order int
	}{
		{5, nil, 1},
		{5, []group.Perm{{1, 0, 2, 3, 4}, {1, 2, 3, 4, 0}}, 120},
		{5, []group.Perm{{1, 2, 3, 4, 0}}, 5},
		{5, []group.Perm{{1, 2, 0, 3, 4}, {0, 1, 3, 4, 2}, {0, 2, 3, 1, 4}}, 60},
		{6, []group.Perm{{1, 0, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 0}}, 720},
		{8, []group.Perm{{1, 0, 3, 2, 5, 4, 7, 6}, {2, 3, 0, 1, 6, 7, 4, 5}, {4, 5, 6, 7, 0, 1, 2, 3}}, 8},
	}
	for _, tc := range tests {
		h, err := group.Generate(tc.n, tc.gens...)
		if err != nil {
			t.Fatal(err)
		}
		if h.Order() != tc.order {
			t.Errorf("⟨%v⟩ has order %d, want %d", tc.gens, h.Order(), tc.order)
		}
		checkClosed(t, h)
	}
}

func checkClosed(t *testing.T, h *group.Subgroup) {
	t.Helper()
	elems := h.Elements()
	if len(elems) > 200 {
		elems = elems[:200]
	}
	for _, a := range elems {
		if !h.Contains(a.Inverse()) {
			t.Fatalf("subgroup lacks the inverse of %v", a)
		}
		for _, b := range elems {
			if !h.Contains(a.Mul(b)) {
				t.Fatalf("subgroup is not closed: %v·%v", a, b)
			}
		}
	}
}

func TestCosets(t *testing.T) {
	n := 5
	h, _ := group.Generate(n, group.Perm{1, 0, 2, 3, 4}, group.Perm{1, 2, 3, 0, 4}) // S4 fixing 4
	elems, _ := group.Elements(n)
	for _, left := range []bool{true, false} {
		var cosets [][]int
		if left {
			cosets = h.LeftCosets()
		} else {
			cosets = h.RightCosets()
		}
		if len(cosets) != h.Index() || h.Index() != 5 {
			t.Fatalf("%d cosets, index %d", len(cosets), h.Index())
		}
		seen := make([]bool, len(elems))
		for _, c := range cosets {
			if len(c) != h.Order() {
				t.Fatalf("coset of size %d", len(c))
			}
			for _, r := range c {
				if seen[r] {
					t.Fatalf("cosets overlap at %v", elems[r])
				}
				seen[r] = true
				// a, b share a left coset σH iff a⁻¹·b ∈ H; a right coset Hσ
				// iff a·b⁻¹ ∈ H.
				a, b := elems[c[0]], elems[r]
				var same group.Perm
				if left {
					same = a.Inverse().Mul(b)
				} else {
					same = a.Mul(b.Inverse())
				}
				if !h.Contains(same) {
					t.Fatalf("left=%v: %v and %v in one coset but not related", left, a, b)
				}
			}
		}
		labels := h.CosetLabels(left)
		for i, c := range cosets {
			for _, r := range c {
				if labels[r] != i {
					t.Fatalf("CosetLabels disagrees with the cosets")
				}
			}
		}
	}
	// For the stabiliser of 4, a⁻¹·b ∈ H iff a⁻¹[4] = b⁻¹[4], and a·b⁻¹ ∈ H
	// iff a[4] = b[4]: σH is decided by σ⁻¹[4], Hσ by σ[4].
	left, right := h.CosetLabels(true), h.CosetLabels(false)
	for _, a := range elems {
		for _, b := range elems {
			ra, rb := group.Rank(a), group.Rank(b)
			if (left[ra] == left[rb]) != (a.Inverse()[4] == b.Inverse()[4]) {
				t.Fatalf("left cosets of %v and %v", a, b)
			}
			if (right[ra] == right[rb]) != (a[4] == b[4]) {
				t.Fatalf("right cosets of %v and %v", a, b)
			}
		}
	}
}

func TestSubgroupLattice(t *testing.T) {
	tests := []struct {
		n, subgroups, classes int
	}{
		{1, 1, 1}, {2, 2, 2}, {3, 6, 4}, {4, 30, 11}, {5, 156, 19},
	}
	for _, tc := range tests {
		l, err := group.SubgroupLattice(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(l.Subgroups()); got != tc.subgroups {
			t.Errorf("S_%d: %d subgroups, want %d", tc.n, got, tc.subgroups)
		}
		if len(l.Classes) != tc.classes {
			t.Errorf("S_%d: %d classes, want %d", tc.n, len(l.Classes), tc.classes)
		}
		for _, s := range l.Subgroups() {
			if group.Factorial(tc.n)%s.Order() != 0 {
				t.Errorf("S_%d: subgroup %s of order %d (Lagrange)", tc.n, s.Name(), s.Order())
			}
		}
	}
	l, _ := group.SubgroupLattice(5)
	want := map[string][2]int{ // name → order, conjugates
		"trivial": {1, 1}, "C2_single_transposition": {2, 10}, "C2_double_transposition": {2, 15},
		"C3": {3, 10}, "C4": {4, 15}, "K4_double_transpositions": {4, 5}, "K4_disjoint_transpositions": {4, 15},
		"C5": {5, 6}, "C6": {6, 10}, "S3": {6, 10}, "S3_twisted": {6, 10}, "D8": {8, 15}, "D10": {10, 6},
		"A4": {12, 5}, "S2xS3": {12, 10}, "F20": {20, 6}, "S4": {24, 5}, "A5": {60, 1}, "S5": {120, 1},
	}
	for _, c := range l.Classes {
		w, ok := want[c.Name]
		if !ok || w[0] != c.Order || w[1] != len(c.Conjugates) {
			t.Errorf("class %s: order %d, %d conjugates; want %v", c.Name, c.Order, len(c.Conjugates), w)
		}
		for _, s := range c.Conjugates {
			checkClosed(t, s)
		}
		// conjugating the first subgroup by every element gives exactly the class
		elems, _ := group.Elements(5)
		for _, g := range elems {
			conj := c.Conjugates[0].Conjugate(g)
			found := false
			for _, s := range c.Conjugates {
				found = found || s.Equal(conj)
			}
			if !found {
				t.Fatalf("class %s is not closed under conjugation", c.Name)
			}
		}
	}
	if got := len(l.ProperNontrivial()); got != 154 {
		t.Errorf("S5: %d proper nontrivial subgroups, want 154", got)
	}
	// The maximal subgroups of S5: A5, five S4, six F20, ten S2xS3.
	s5 := l.Classes[len(l.Classes)-1].Conjugates[0]
	counts := map[string]int{}
	for _, m := range l.Maximal(s5) {
		counts[m.Class]++
	}
	if counts["A5"] != 1 || counts["S4"] != 5 || counts["F20"] != 6 || counts["S2xS3"] != 10 || len(counts) != 4 {
		t.Errorf("maximal subgroups of S5: %v", counts)
	}
}
