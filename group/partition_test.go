package group_test

import (
	"slices"
	"testing"

	"github.com/fmkit/fmkit/group"
)

func TestPartitions(t *testing.T) {
	counts := []int{1, 1, 2, 3, 5, 7, 11, 15, 22, 30, 42}
	for n, want := range counts {
		ps := group.Partitions(n)
		if len(ps) != want {
			t.Errorf("p(%d) = %d, want %d", n, len(ps), want)
		}
		for i, λ := range ps {
			if err := λ.Validate(); err != nil || λ.N() != n {
				t.Errorf("%v: %v", λ, err)
			}
			if i > 0 && slices.Compare(ps[i-1], λ) <= 0 {
				t.Errorf("partitions of %d out of reverse lexicographic order at %v", n, λ)
			}
		}
	}
	want5 := "[(5) (4,1) (3,2) (3,1,1) (2,2,1) (2,1,1,1) (1,1,1,1,1)]"
	var s []string
	for _, λ := range group.Partitions(5) {
		s = append(s, λ.String())
	}
	if got := "[" + joinSpace(s) + "]"; got != want5 {
		t.Errorf("partitions of 5: %s, want %s", got, want5)
	}
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestParsePartition(t *testing.T) {
	tests := []struct {
		in   string
		want group.Partition
		ok   bool
	}{
		{"(3,1,1)", group.Partition{3, 1, 1}, true},
		{"3, 2", group.Partition{3, 2}, true},
		{"(5)", group.Partition{5}, true},
		{"(1,2)", nil, false},
		{"()", nil, false},
		{"(a)", nil, false},
		{"(2,0)", nil, false},
	}
	for _, tc := range tests {
		got, err := group.ParsePartition(tc.in)
		if (err == nil) != tc.ok || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("ParsePartition(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestConjugateAndHooks(t *testing.T) {
	tests := []struct {
		λ, conj group.Partition
		hooks   [][]int
		dim     int
	}{
		{group.Partition{3, 1}, group.Partition{2, 1, 1}, [][]int{{4, 2, 1}, {1}}, 3},
		{group.Partition{3, 2}, group.Partition{2, 2, 1}, [][]int{{4, 3, 1}, {2, 1}}, 5},
		{group.Partition{2, 2}, group.Partition{2, 2}, [][]int{{3, 2}, {2, 1}}, 2},
		{group.Partition{4, 2, 1}, group.Partition{3, 2, 1, 1}, [][]int{{6, 4, 2, 1}, {3, 1}, {1}}, 35},
		{group.Partition{5, 3, 2, 1}, group.Partition{4, 3, 2, 1, 1}, nil, 2310},
	}
	for _, tc := range tests {
		if got := tc.λ.Conjugate(); !got.Equal(tc.conj) {
			t.Errorf("%v′ = %v, want %v", tc.λ, got, tc.conj)
		}
		if tc.hooks != nil {
			got := tc.λ.HookLengths()
			for i := range got {
				if !slices.Equal(got[i], tc.hooks[i]) {
					t.Errorf("hooks of %v: %v, want %v", tc.λ, got, tc.hooks)
				}
			}
		}
		if got := tc.λ.Dimension(); got != tc.dim {
			t.Errorf("dim %v = %d, want %d", tc.λ, got, tc.dim)
		}
	}
}

// TestHookLengthFormula checks the formula against the tableaux it counts,
// and Σ d² = n!.
func TestHookLengthFormula(t *testing.T) {
	for n := 1; n <= 8; n++ {
		sum := 0
		for _, λ := range group.Partitions(n) {
			tabs := group.StandardTableaux(λ)
			if len(tabs) != λ.Dimension() {
				t.Errorf("%v: %d standard tableaux, hook-length formula says %d", λ, len(tabs), λ.Dimension())
			}
			for _, tab := range tabs {
				checkStandard(t, λ, tab)
			}
			sum += λ.Dimension() * λ.Dimension()
		}
		if sum != group.Factorial(n) {
			t.Errorf("S_%d: Σ d² = %d, want %d", n, sum, group.Factorial(n))
		}
	}
}

func checkStandard(t *testing.T, λ group.Partition, tab group.Tableau) {
	t.Helper()
	seen := map[int]bool{}
	for i, row := range tab {
		if len(row) != λ[i] {
			t.Fatalf("%v: row %d has %d cells", tab, i, len(row))
		}
		for j, v := range row {
			seen[v] = true
			if (j > 0 && row[j-1] >= v) || (i > 0 && tab[i-1][j] >= v) {
				t.Fatalf("%v is not standard", tab)
			}
		}
	}
	if len(seen) != λ.N() {
		t.Fatalf("%v does not hold 0..%d", tab, λ.N()-1)
	}
}

func TestCentralizerOrder(t *testing.T) {
	tests := []struct {
		λ group.Partition
		z int
	}{
		{group.Partition{1, 1, 1, 1, 1}, 120}, {group.Partition{2, 1, 1, 1}, 12}, {group.Partition{2, 2, 1}, 8},
		{group.Partition{3, 1, 1}, 6}, {group.Partition{3, 2}, 6}, {group.Partition{4, 1}, 4}, {group.Partition{5}, 5},
	}
	for _, tc := range tests {
		if got := tc.λ.CentralizerOrder(); got != tc.z {
			t.Errorf("z%v = %d, want %d", tc.λ, got, tc.z)
		}
	}
}
